// Statistics across the runs of a batch, and what a programme changes against its
// baseline: per-run differences (effects; the indicators are in batch/indicators.hpp). Pure functions of run results, so that a batch file's derived data depends
// only on the runs, never on the order in which they finished.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/results.hpp"

namespace greenshift::ensemble {

// A statistic across runs: the mean, or the quantile of probability q.
struct Statistic {
    const char* name;
    double q;  // < 0: the mean
};
// The statistics of /statistics and /effect_statistics.
const std::vector<Statistic>& full_statistics();     // mean p5 p25 p50 p75 p95
// The statistics of the summary table: mean and the 90% interval with its median.
const std::vector<Statistic>& summary_statistics();  // mean p5 p50 p95

// The q-quantile of sorted values, by linear interpolation between order
// statistics: h = (n - 1) q, x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h])
// (numpy's default method, "linear", Hyndman & Fan type 7). NaN for no values.
double quantile_sorted(std::span<const double> sorted, double q);

// Statistics of each column of `values` (rows x columns, row-major; a row is a run),
// as a statistics x columns array. NaN values are left out (a ratio undefined in
// that run); a column with no other value gives NaN. The mean sums in row order.
// `valid`, when given, receives the number of non-NaN values of each column.
std::vector<double> column_statistics(const std::vector<double>& values, std::size_t rows,
                                      std::size_t columns, const std::vector<Statistic>& statistics,
                                      std::vector<std::int64_t>* valid = nullptr);

// Where the spread of each column of `values` (rows x columns, a row per run) comes
// from, by the law of total variance, Var(Y) = Var(E[Y | sample]) + E[Var(Y | sample)]:
// the part of the parameters (the uncertain inputs, fixed within a sample) and the
// stochastic part (the firm population and the draws, varying between replicates).
// Estimated as a one-way random-effects analysis of variance with the samples as
// groups: W = the pooled variance within samples (NaN rows left out), B = the
// variance of the sample means, parameter variance P = max(0, B - W mean(1/n_i)).
// Returns 2 x columns: row 0 the parameter share P / (P + W), row 1 the stochastic
// share W / (P + W). NaN where it cannot be split: fewer than two values in every
// sample (one replicate), or no spread at all. With `has_parameters` false (no
// uncertain input) the parameter share is 0 by construction.
std::vector<double> variance_shares(const std::vector<double>& values, std::size_t rows, std::size_t columns,
                                    const std::vector<std::uint32_t>& sample_of_row, bool has_parameters);

// The run variables that effects() and indicators::values() read.
const std::vector<std::string>& paired_variables();
// Read as well when the runs have them (input-output variables exist only with an
// input_output table; per-policy ones only with policies); what depends on them is
// left out, or NaN, without them.
const std::vector<std::string>& optional_paired_variables();

// Differences between a run of a programme variant and the run of its baseline with
// the same sample and replicate (same firms, same random numbers):
//   co2_avoided (time, sector)             baseline - variant co2_emissions
//   energy_cost_saved (time, sector)       baseline - variant energy_cost
//   investment_mobilised (time, sector, technology)  variant - baseline investment_total
//                                          (= private outlay + grants + fund; loans
//                                          finance part of the private outlay)
//   grant_spent (time, sector, technology) variant - baseline grant_spent
//   fund_invested (time, sector, technology)  variant - baseline fund_investment
//   adopters_added (time, sector, size_class, technology)  variant - baseline adopters_by_size
// and, when the runs have them:
//   co2_avoided_by_size, energy_cost_saved_by_size (time, sector, size_class)
//   supplier_demand_added, supplier_output_added, value_added_direct_added,
//   value_added_total_added, jobs_direct_added, jobs_total_added (time, io_sector)
//   jobs_total_by_size_added (time, sector, size_class)   variant - baseline
std::vector<Variable> effects(const RunResult& variant, const RunResult& baseline);

}  // namespace greenshift::ensemble
