// Reading batch files (docs/output.md, "Batch files"): the summary table, and the
// export of every group to tidy CSV files that Excel and pandas read as they are.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "io/hdf5.hpp"

namespace greenshift {

// Opens a batch file for reading; throws InputError naming the file when it is not
// a greenshift file, has a newer format_version, or is a run file, not a batch.
hdf5::File open_batch_file(const std::string& path);

// The /summary group: values[(variant * indicators + indicator) * statistics + statistic].
struct SummaryTable {
    std::vector<std::string> variants, indicators, units, long_names, statistics;
    std::vector<double> values;
    std::vector<std::int64_t> valid_runs;  // [variant * indicators + indicator]
    std::int64_t runs_per_variant = 0;     // samples x replicates
    double value(std::size_t v, std::size_t i, std::size_t s) const {
        return values[(v * indicators.size() + i) * statistics.size() + s];
    }
};
// Empty variants when no variant of the batch has a baseline (no /summary group).
SummaryTable read_summary(const std::string& path);

// The summary table as CSV: variant, indicator, units, the statistics, valid_runs,
// long_name; numbers with round-trip precision, NaN as an empty cell.
void write_summary_csv(const SummaryTable& table, std::ostream& out);

// Writes one CSV file per group and set of dimensions into `dir` (created if
// missing): header row, then one row per run (or variant x statistic) x time x ... ,
// the variables as columns. Each file is written under a temporary name and renamed.
// Refuses, before writing anything, files that exist unless `force`. Returns the
// paths written.
std::vector<std::string> export_batch_csv(const std::string& path, const std::string& dir, bool force);

}  // namespace greenshift
