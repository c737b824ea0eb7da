// Builds the batch file (docs/output.md, "Batch files") from the saved runs of a
// completed batch (its parts, or the run groups of its shard files): every run
// stacked along `run`, statistics per variant, effects against the paired baseline,
// the summary table. Everything is computed from the saved runs in run order, so the
// datasets do not depend on the order in which runs finished, on the thread count,
// or on interruptions and resumes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "batch/parts.hpp"
#include "io/batch_plan.hpp"
#include "io/run_writer.hpp"

namespace greenshift {

// Where the runs of a batch are read from: the parts of a running batch, or the run
// groups of shard files. The assembly asks for every run in index order twice: its
// layout first (to learn the axes and the variables of the whole batch), then its
// values, once.
class RunSource {
public:
    virtual ~RunSource() = default;
    // For messages: where run `run` is (a file, and the group if any).
    virtual std::string name(std::uint32_t run) = 0;
    // The run's coordinates and its variables without values (name, units,
    // long_name, dimensions, kind), in the order a run file lists them; a source
    // may leave out the variables named in `known`.
    virtual RunResult layout(std::uint32_t run, const std::set<std::string>& known) = 0;
    // The run's coordinates and the values of its variables; a source may return
    // only those of `schema` (which gives the dimensions it expects for each), and
    // throws InputError when one has another shape.
    virtual RunResult values(std::uint32_t run, const std::vector<Variable>& schema) = 0;
};

// The runs saved in the parts of a batch (batch/parts.hpp).
class PartRunSource : public RunSource {
public:
    explicit PartRunSource(PartIndex& parts) : parts_(parts) {}
    std::string name(std::uint32_t run) override { return parts_.path_of(run); }
    RunResult layout(std::uint32_t run, const std::set<std::string>&) override { return parts_.layout(run); }
    RunResult values(std::uint32_t run, const std::vector<Variable>&) override { return parts_.run(run); }

private:
    PartIndex& parts_;
};

// Where the datasets of one run are: the root of a file, or a group of a shard file
// (batch/shard.hpp), laid out as a run file.
struct RunLocation {
    std::shared_ptr<const hdf5::File> file;  // keeps the file open
    hdf5::Group group;                       // not valid: the file's root
    std::string name;                        // for messages: the file, and the group if any
    const hdf5::Location& where() const {
        return group.valid() ? static_cast<const hdf5::Location&>(group) : *file;
    }
};

// The runs of HDF5 groups laid out as run files, `locate(run index)`.
class GroupRunSource : public RunSource {
public:
    explicit GroupRunSource(std::function<RunLocation(std::uint32_t)> locate) : locate_(std::move(locate)) {}
    std::string name(std::uint32_t run) override { return locate_(run).name; }
    RunResult layout(std::uint32_t run, const std::set<std::string>& known) override;
    RunResult values(std::uint32_t run, const std::vector<Variable>& schema) override;

private:
    std::function<RunLocation(std::uint32_t)> locate_;
};

// Creates `path` with the root attributes of a batch (or shard) file: `meta` with the
// plan's seed and scenario, the batch's identity and resolved text, and its counts;
// `run_count` is the number of runs the file holds.
hdf5::File create_batch_file(const std::string& path, const BatchPlan& plan, const RunMetadata& meta,
                             std::uint32_t run_count);

// Writes the batch file at `path` (which must not exist) from the runs of `source`,
// every run of `plan`, in run order. `meta` gives the root attributes (its seed and
// scenario are replaced by the plan's). Memory stays bounded by one run, or one
// variable over the runs of the batch.
void assemble_batch(const BatchPlan& plan, RunSource& source, const std::string& path, const RunMetadata& meta);

// The groups of a batch file (docs/output.md, "Batch files"); a batch without
// baselines has no effects, effect_statistics or summary, one without policies no
// budgets.
inline constexpr const char* kBatchGroups[] = {"runs", "statistics", "effects", "effect_statistics",
                                               "summary", "budgets"};

}  // namespace greenshift
