// Builds the batch file (docs/output.md, "Batch files") from the part files of a
// completed batch: every run stacked along `run`, statistics per variant, effects
// against the paired baseline, the summary table. Everything is computed from the
// parts in run order, so the datasets do not depend on the order in which runs
// finished, on the thread count, or on interruptions and resumes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "batch/plan.hpp"
#include "io/run_writer.hpp"

namespace greenshift {

// Writes the batch file at `path` (which must not exist) from the parts
// `part_path(run index)` of every run of `plan`. `meta` gives the root attributes
// (its seed and scenario are replaced by the plan's). Memory stays bounded by one
// run, or one variable over the runs of one variant.
void assemble_batch(const BatchPlan& plan, const std::function<std::string(std::uint32_t)>& part_path,
                    const std::string& path, const RunMetadata& meta);

// The variant names of the `run` coordinate and friends; the statistic names.
inline constexpr const char* kBatchGroups[] = {"runs", "statistics", "effects", "effect_statistics",
                                               "summary"};

}  // namespace greenshift
