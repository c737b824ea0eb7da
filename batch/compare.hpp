// greenshift compare: two run files, or two variants of a batch file, written as a
// paired batch file — the second against the first, as a variant against its
// baseline — by the same assembly as a batch (batch/assemble.hpp), so that summary,
// export, plot and report read it as they read a batch (docs/output.md, "Compare").
#pragma once

#include <string>

#include "io/run_writer.hpp"

namespace greenshift {

struct CompareSummary {
    std::string reference, alternative;  // the variant names in the written file
    std::uint32_t pairs = 0;             // runs of the alternative, each against its reference run
};

// The run file `alternative` against the run file `reference` (one pair), written
// to `path` (which must not exist; the caller publishes it). The variants are named
// after the files' stems ("-2" added to the second when they are alike).
CompareSummary compare_run_files(const std::string& reference, const std::string& alternative,
                                 const std::string& path, const RunMetadata& meta);

// Variant `alternative` of `batch` against its variant `reference`: every (sample,
// replicate) of the batch one pair, their seeds, sampled inputs and population kept.
CompareSummary compare_batch_variants(const std::string& batch, const std::string& reference,
                                      const std::string& alternative, const std::string& path,
                                      const RunMetadata& meta);

}  // namespace greenshift
