// Builds the batch file (docs/output.md, "Batch files") from the part files of a
// completed batch: every run stacked along `run`, statistics per variant, effects
// against the paired baseline, the summary table. Everything is computed from the
// parts in run order, so the datasets do not depend on the order in which runs
// finished, on the thread count, or on interruptions and resumes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "batch/plan.hpp"
#include "io/run_writer.hpp"

namespace greenshift {

// Where the datasets of one run are: the root of a part file, or a group of a shard
// file (batch/shard.hpp) laid out the same way.
struct RunLocation {
    std::shared_ptr<const hdf5::File> file;  // keeps the file open
    hdf5::Group group;                       // not valid: the file's root
    std::string name;                        // for messages: the file, and the group if any
    const hdf5::Location& where() const {
        return group.valid() ? static_cast<const hdf5::Location&>(group) : *file;
    }
};
// The location of run `index` of the plan.
using RunSource = std::function<RunLocation(std::uint32_t)>;

// Writes the batch file at `path` (which must not exist) from the runs
// `source(run index)` of every run of `plan`, in run order. `meta` gives the root
// attributes (its seed and scenario are replaced by the plan's). Memory stays
// bounded by one run, or one variable over the runs of one variant.
void assemble_batch(const BatchPlan& plan, const RunSource& source, const std::string& path, const RunMetadata& meta);
// The same from part files, `part_path(run index)`.
void assemble_batch(const BatchPlan& plan, const std::function<std::string(std::uint32_t)>& part_path,
                    const std::string& path, const RunMetadata& meta);

// The variant names of the `run` coordinate and friends; the statistic names.
inline constexpr const char* kBatchGroups[] = {"runs", "statistics", "effects", "effect_statistics",
                                               "summary"};

}  // namespace greenshift
