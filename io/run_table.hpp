// One tidy CSV of a batch's per-run scalar indicators (`greenshift export --tidy`,
// docs/sensitivity.md "Per-run table"): a row per paired run with its seed, its
// uncertain values and every key indicator of its effect against the baseline, the
// table that OpenTURNS, SALib or EMA Workbench read back after driving a design.
#pragma once

#include <cstdint>
#include <ostream>

#include "io/hdf5.hpp"

namespace greenshift {

// Writes the table of `file` (a batch file) to `out`: the columns run, variant,
// baseline_run, sample, replicate, seed, then one per uncertain parameter (its key
// path), then one per key indicator (its name), in /effects' row order. Returns the
// rows written. InputError when the file has no per-run indicators (no /effects: a
// run file, or a batch without a variant with a baseline).
std::uint64_t write_run_table_csv(const hdf5::File& file, const std::string& path, std::ostream& out);

}  // namespace greenshift
