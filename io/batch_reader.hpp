// Reading batch files (docs/output.md, "Batch files"): the summary table. The export
// of every group as tidy tables: io/table_export.hpp.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "io/hdf5.hpp"

namespace greenshift {

// Opens a batch file for summary with every check of io/hdf5_input.hpp; throws
// InputError naming the file when it is not a whole batch file as greenshift wrote it.
hdf5::File open_batch_file(const std::string& path);

// The /summary group: values[(variant * indicators + indicator) * statistics + statistic].
// The indicator table's words (batch/indicators.hpp); files written before they were
// stored get the name as label, the units as words, and no groups.
struct SummaryTable {
    std::vector<std::string> variants, indicators, units, long_names, statistics;
    std::vector<std::string> labels, groups, unit_words, display_units;
    std::vector<double> display_scale;
    std::vector<std::uint8_t> headline;
    std::vector<double> values;
    std::vector<std::int64_t> valid_runs;  // [variant * indicators + indicator]
    std::vector<double> variance_share;    // [(variant * indicators + indicator) * 2 + source], source
                                           // 0: parameters, 1: stochastic; empty in older files
    std::int64_t runs_per_variant = 0;     // samples x replicates
    std::int64_t samples = 0, replicates = 0;
    std::string population;                // "fixed", "varies", or "" (older files)
    std::vector<std::vector<std::string>> budget_notes;  // [variant]: /budgets, a sentence per policy
                                                         // with a budget or capacity
    std::vector<std::string> baselines;  // [variant]: the variant it is compared with (/effects), "" if unknown
    double value(std::size_t v, std::size_t i, std::size_t s) const {
        return values[(v * indicators.size() + i) * statistics.size() + s];
    }
};
// Empty variants when no variant of the batch has a baseline (no /summary group).
// Every dataset's shape is checked against the coordinates before it is read.
SummaryTable read_summary(const std::string& path);
// The same from a batch file already opened (open_batch_file, or io/hdf5_input.hpp).
SummaryTable read_summary(const hdf5::File& file);

// The /sensitivity group (docs/sensitivity.md): method "sobol" or "morris" ("" when the
// batch has none); each measure's values[(variant * indicators + indicator) *
// parameters + parameter], measures named as the group's datasets (S1, ST, ... or mu,
// mu_star, sigma).
struct SensitivityTable {
    std::string method;
    std::vector<std::string> variants, indicators, parameters, measures;
    std::vector<std::vector<double>> values;  // [measure][...]
    double value(std::size_t m, std::size_t v, std::size_t i, std::size_t p) const {
        return values[m][(v * indicators.size() + i) * parameters.size() + p];
    }
};
SensitivityTable read_sensitivity(const std::string& path);

// The summary table as CSV: variant, indicator, units, the statistics, valid_runs,
// long_name; numbers as the shortest text that reads back exactly, NaN as an empty cell.
void write_summary_csv(const SummaryTable& table, std::ostream& out);

}  // namespace greenshift
