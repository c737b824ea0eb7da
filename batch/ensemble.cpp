#include "batch/ensemble.hpp"

#include <algorithm>
#include <cstring>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "batch/detail/variables.hpp"

namespace greenshift::ensemble {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

using detail::need;
using detail::size_of;

// sign * (a - b), element by element, as a new variable over a's dimensions.
Variable difference(const Variable& a, const Variable& b, const std::string& name,
                    const std::string& long_name) {
    if (size_of(a) != size_of(b) || a.is_count != b.is_count)
        throw std::runtime_error("variable \"" + a.name + "\" differs in shape between a run and its baseline");
    Variable d;
    d.name = name;
    d.long_name = long_name;
    d.units = a.units;
    d.dims = a.dims;
    d.is_count = a.is_count;
    if (a.is_count) {
        d.counts.resize(a.counts.size());
        for (std::size_t i = 0; i < a.counts.size(); ++i) d.counts[i] = a.counts[i] - b.counts[i];
    } else {
        d.values.resize(a.values.size());
        for (std::size_t i = 0; i < a.values.size(); ++i) d.values[i] = a.values[i] - b.values[i];
    }
    return d;
}

// Differences that exist only when both runs have the variable.
void add_optional(std::vector<Variable>& out, const RunResult& first, const RunResult& second, const std::string& var,
                  const std::string& name, const std::string& long_name) {
    const Variable* a = first.find(var);
    const Variable* b = second.find(var);
    if (a != nullptr && b != nullptr) out.push_back(difference(*a, *b, name, long_name));
}

}  // namespace

const std::vector<Statistic>& full_statistics() {
    static const std::vector<Statistic> s = {{"mean", -1},   {"p5", 0.05},  {"p25", 0.25},
                                             {"p50", 0.50}, {"p75", 0.75}, {"p95", 0.95}};
    return s;
}

const std::vector<Statistic>& summary_statistics() {
    static const std::vector<Statistic> s = {{"mean", -1}, {"p5", 0.05}, {"p50", 0.50}, {"p95", 0.95}};
    return s;
}

double quantile_sorted(std::span<const double> sorted, double q) {
    if (sorted.empty()) return kNaN;
    const double h = static_cast<double>(sorted.size() - 1) * q;
    const std::size_t lo = static_cast<std::size_t>(std::floor(h));
    if (lo + 1 >= sorted.size()) return sorted.back();
    const double frac = h - static_cast<double>(lo);
    return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

namespace {

// Puts in place the order statistics that quantile_sorted reads for `statistics`
// (positions lo and lo + 1 of each), as a full sort would, without sorting: a
// column whose values are all the same bits is left as it is, and the others get one
// selection per quantile on what is above the previous one. quantile_sorted then
// gives the bits it gives on the sorted column: the only values that compare equal
// with other bits are -0 and +0, and its interpolation returns the same bits
// whichever zero stands where (a + f (b - a) with a == b is +0 for every sign pair).
void order_for_quantiles(std::vector<double>& column, const std::vector<Statistic>& statistics) {
    const std::size_t n = column.size();
    if (n < 2) return;
    bool same = true;
    for (std::size_t r = 1; r < n && same; ++r) same = std::memcmp(&column[r], &column[0], sizeof(double)) == 0;
    if (same) return;
    thread_local std::vector<std::size_t> at;  // the positions quantile_sorted reads, in order
    at.clear();
    for (const Statistic& st : statistics) {
        if (st.q < 0) continue;
        const auto lo = static_cast<std::size_t>(std::floor(static_cast<double>(n - 1) * st.q));
        at.push_back(std::min(lo, n - 1));
        if (lo + 1 < n) at.push_back(lo + 1);
    }
    std::sort(at.begin(), at.end());
    at.erase(std::unique(at.begin(), at.end()), at.end());
    std::size_t from = 0;  // the positions read below `from` hold their order statistics
    for (const std::size_t k : at) {
        if (k < from) continue;
        if (k == from) {
            std::iter_swap(column.begin() + static_cast<std::ptrdiff_t>(k),
                           std::min_element(column.begin() + static_cast<std::ptrdiff_t>(k), column.end()));
        } else {
            std::nth_element(column.begin() + static_cast<std::ptrdiff_t>(from),
                             column.begin() + static_cast<std::ptrdiff_t>(k), column.end());
        }
        from = k + 1;
    }
}

}  // namespace

std::vector<double> column_statistics(const std::vector<double>& values, std::size_t rows,
                                      std::size_t columns, const std::vector<Statistic>& statistics,
                                      std::vector<std::int64_t>* valid) {
    if (values.size() != rows * columns)
        throw std::invalid_argument("column_statistics: " + std::to_string(values.size()) + " values for " +
                                    std::to_string(rows) + " x " + std::to_string(columns));
    std::vector<double> out(statistics.size() * columns, kNaN);
    if (valid != nullptr) valid->assign(columns, 0);
    // Columns are independent: in parallel for large tables (the current TBB arena),
    // each computed exactly as alone.
    const auto some_columns = [&](std::size_t first, std::size_t last) {
        std::vector<double> column;
        column.reserve(rows);
        for (std::size_t c = first; c < last; ++c) {
            column.clear();
            double total = 0;
            for (std::size_t r = 0; r < rows; ++r) {
                const double x = values[r * columns + c];
                if (std::isnan(x)) continue;
                total += x;  // in row (run) order: the same bits whatever order runs finished in
                column.push_back(x);
            }
            if (valid != nullptr) (*valid)[c] = static_cast<std::int64_t>(column.size());
            if (column.empty()) continue;
            order_for_quantiles(column, statistics);
            for (std::size_t s = 0; s < statistics.size(); ++s)
                out[s * columns + c] = statistics[s].q < 0 ? total / static_cast<double>(column.size())
                                                           : quantile_sorted(column, statistics[s].q);
        }
    };
    constexpr std::size_t kParallelValues = std::size_t{1} << 16;
    if (values.size() < kParallelValues) {
        some_columns(0, columns);
    } else {
        tbb::parallel_for(tbb::blocked_range<std::size_t>(0, columns, 256),
                          [&](const tbb::blocked_range<std::size_t>& r) { some_columns(r.begin(), r.end()); });
    }
    return out;
}

std::vector<double> variance_shares(const std::vector<double>& values, std::size_t rows, std::size_t columns,
                                    const std::vector<std::uint32_t>& sample_of_row, bool has_parameters) {
    if (values.size() != rows * columns || sample_of_row.size() != rows)
        throw std::invalid_argument("variance_shares: " + std::to_string(values.size()) + " values, " +
                                    std::to_string(sample_of_row.size()) + " samples for " + std::to_string(rows) +
                                    " x " + std::to_string(columns));
    std::vector<double> out(2 * columns, kNaN);
    // The rows of each sample, in row order.
    std::vector<std::vector<std::size_t>> groups;
    {
        std::vector<std::uint32_t> ids(sample_of_row);
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        groups.resize(ids.size());
        for (std::size_t r = 0; r < rows; ++r) {
            const auto at = std::lower_bound(ids.begin(), ids.end(), sample_of_row[r]) - ids.begin();
            groups[static_cast<std::size_t>(at)].push_back(r);
        }
    }
    for (std::size_t c = 0; c < columns; ++c) {
        double within = 0, within_df = 0;
        std::vector<double> means;
        double inverse_sizes = 0;
        for (const auto& g : groups) {
            double total = 0, n = 0;
            for (const std::size_t r : g) {
                const double x = values[r * columns + c];
                if (std::isnan(x)) continue;
                total += x;
                n += 1;
            }
            if (n == 0) continue;
            const double mean = total / n;
            for (const std::size_t r : g) {
                const double x = values[r * columns + c];
                if (!std::isnan(x)) within += (x - mean) * (x - mean);
            }
            within_df += n - 1;
            means.push_back(mean);
            inverse_sizes += 1 / n;
        }
        if (within_df <= 0) continue;  // one value per sample: the two parts cannot be told apart
        const double w = within / within_df;
        double p = 0;
        if (has_parameters && means.size() >= 2) {
            double grand = 0;
            for (const double m : means) grand += m;
            grand /= static_cast<double>(means.size());
            double between = 0;
            for (const double m : means) between += (m - grand) * (m - grand);
            between /= static_cast<double>(means.size() - 1);
            p = std::max(0.0, between - w * inverse_sizes / static_cast<double>(means.size()));
        } else if (has_parameters) {
            continue;  // a single sample: nothing to say about the parameters
        }
        const double total = p + w;
        if (!(total > 0)) continue;
        out[c] = p / total;
        out[columns + c] = w / total;
    }
    return out;
}

const std::vector<std::string>& paired_variables() {
    static const std::vector<std::string> names = {
        "co2_emissions",    "energy_cost",      "investment_total",      "investment_private",
        "grant_spent",      "fund_investment",  "adopters_by_size",      "production_cost_index",
        "production_cost_index_by_size", "output_by_size"};
    return names;
}

const std::vector<std::string>& optional_paired_variables() {
    static const std::vector<std::string> names = {
        "co2_emissions_by_size", "energy_cost_by_size", "loan_volume",       "loan_subsidy",
        "budget_used",           "firms_labelled",      "firms_assisted",    "firms_served",
        "technology_lifetime",   "supplier_demand",     "supplier_output",   "value_added_direct",
        "value_added_total",     "jobs_direct",         "jobs_total",        "jobs_total_by_size",
        "programme_cost"};
    return names;
}

std::vector<Variable> effects(const RunResult& v, const RunResult& b) {
    std::vector<Variable> out;
    out.push_back(difference(need(b, "co2_emissions"), need(v, "co2_emissions"), "co2_avoided",
                             "CO2 emissions avoided against the baseline during the step (baseline - variant)"));
    out.push_back(difference(need(b, "energy_cost"), need(v, "energy_cost"), "energy_cost_saved",
                             "energy cost saved against the baseline during the step (baseline - variant)"));
    out.push_back(difference(need(v, "investment_total"), need(b, "investment_total"), "investment_mobilised",
                             "extra capital expenditure against the baseline during the step: private outlay "
                             "+ grants + fund co-investment (loans finance part of the private outlay)"));
    out.push_back(difference(need(v, "grant_spent"), need(b, "grant_spent"), "grant_spent",
                             "extra capex grants paid against the baseline during the step"));
    out.push_back(difference(need(v, "fund_investment"), need(b, "fund_investment"), "fund_invested",
                             "extra green investment fund co-investment against the baseline during the step"));
    out.push_back(difference(need(v, "adopters_by_size"), need(b, "adopters_by_size"), "adopters_added",
                             "extra firms with the technology installed against the baseline (end of step)"));
    add_optional(out, b, v, "co2_emissions_by_size", "co2_avoided_by_size",
                 "CO2 emissions avoided against the baseline during the step, by size class");
    add_optional(out, b, v, "energy_cost_by_size", "energy_cost_saved_by_size",
                 "energy cost saved against the baseline during the step, by size class");
    add_optional(out, v, b, "supplier_demand", "supplier_demand_added",
                 "extra sales of local suppliers to the green investments against the baseline during the step");
    add_optional(out, v, b, "supplier_output", "supplier_output_added",
                 "extra output, direct and indirect, against the baseline during the step");
    add_optional(out, v, b, "value_added_direct", "value_added_direct_added",
                 "extra value added of the direct supplier demand against the baseline during the step");
    add_optional(out, v, b, "value_added_total", "value_added_total_added",
                 "extra value added, direct and indirect, against the baseline during the step");
    add_optional(out, v, b, "jobs_direct", "jobs_direct_added",
                 "extra jobs of the direct supplier demand against the baseline during the step (job-years)");
    add_optional(out, v, b, "jobs_total", "jobs_total_added",
                 "extra jobs, direct and indirect, against the baseline during the step (job-years)");
    add_optional(out, v, b, "jobs_total_by_size", "jobs_total_by_size_added",
                 "extra jobs, direct and indirect, called for by the green investments of the firms of this sector "
                 "and size class, against the baseline during the step (job-years)");
    return out;
}

}  // namespace greenshift::ensemble
