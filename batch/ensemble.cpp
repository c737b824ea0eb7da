#include "batch/ensemble.hpp"

#include "core/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace greenshift::ensemble {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const Variable& need(const RunResult& r, const std::string& name) {
    const Variable* v = r.find(name);
    if (v == nullptr) throw std::runtime_error("run result has no variable \"" + name + "\"");
    return *v;
}

double value(const Variable& v, std::size_t i) {
    return v.is_count ? static_cast<double>(v.counts[i]) : v.values[i];
}

std::size_t size_of(const Variable& v) { return v.is_count ? v.counts.size() : v.values.size(); }

double sum(const Variable& v) {
    double s = 0;
    for (std::size_t i = 0; i < size_of(v); ++i) s += value(v, i);
    return s;
}

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

double ratio(double numerator, double denominator, double min_denominator) {
    return denominator >= min_denominator ? numerator / denominator : kNaN;
}

bool is_large(const std::string& size_class) { return size_class == "large"; }

// Differences that exist only when both runs have the variable.
void add_optional(std::vector<Variable>& out, const RunResult& first, const RunResult& second, const std::string& var,
                  const std::string& name, const std::string& long_name) {
    const Variable* a = first.find(var);
    const Variable* b = second.find(var);
    if (a != nullptr && b != nullptr) out.push_back(difference(*a, *b, name, long_name));
}

double sum_or_zero(const RunResult& r, const std::string& name) {
    const Variable* v = r.find(name);
    return v != nullptr ? sum(*v) : 0.0;
}

// Value at the last step of a (time)-only variable, 0 when absent.
double last_or_zero(const RunResult& r, const std::string& name) {
    const Variable* v = r.find(name);
    return v != nullptr && size_of(*v) > 0 ? value(*v, size_of(*v) - 1) : 0.0;
}

bool is_budgeted(const std::string& policy_type) {
    const auto it = std::find(kPolicyTypeNames.begin(), kPolicyTypeNames.end(), policy_type);
    return it != kPolicyTypeNames.end() &&
           greenshift::is_budgeted(static_cast<PolicyType>(it - kPolicyTypeNames.begin()));
}

// CO2 the programme's extra equipment avoids over its whole service life
// (docs/output.md): what it avoided during the horizon, plus the avoidance rate of the
// last calendar year kept up for the mean remaining life, after the horizon, of the
// extra equipment still in service (weighted by extra capex). NaN without
// technology_lifetime.
double lifetime_co2_avoided(const RunResult& v, const RunResult& b, double horizon_avoided) {
    const Coordinates& c = v.coords;
    const Variable* life = v.find("technology_lifetime");
    if (life == nullptr || c.year.empty()) return kNaN;
    const std::size_t T = c.year.size(), S = c.sector.size(), K = c.technology.size();
    const int last_year = c.year.back();
    const Variable& ev = need(v, "co2_emissions");
    const Variable& eb = need(b, "co2_emissions");
    double last_year_avoided = 0;
    for (std::size_t t = 0; t < T; ++t)
        if (c.year[t] == last_year)
            for (std::size_t s = 0; s < S; ++s) last_year_avoided += value(eb, t * S + s) - value(ev, t * S + s);
    const Variable& iv = need(v, "investment_total");
    const Variable& ib = need(b, "investment_total");
    double weighted = 0, weight = 0;
    for (std::size_t t = 0; t < T; ++t)
        for (std::size_t k = 0; k < K; ++k) {
            const double remaining = c.year[t] + value(*life, k) - (last_year + 1.0);
            if (remaining <= 0) continue;  // retired by the end of the horizon
            double extra = 0;
            for (std::size_t s = 0; s < S; ++s) extra += value(iv, (t * S + s) * K + k) - value(ib, (t * S + s) * K + k);
            if (extra <= 0) continue;
            weighted += extra * remaining;
            weight += extra;
        }
    const double mean_remaining = weight > 0 ? weighted / weight : 0.0;
    return horizon_avoided + last_year_avoided * mean_remaining;
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
            std::sort(column.begin(), column.end());
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
        "co2_emissions_by_size", "energy_cost_by_size", "loan_volume", "firms_labelled", "firms_assisted",
        "firms_served", "technology_lifetime", "supplier_demand", "supplier_output", "value_added_direct",
        "value_added_total", "jobs_direct", "jobs_total", "jobs_total_by_size"};
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

std::vector<Indicator> indicator_definitions(const Coordinates& c) {
    const std::string end = c.year.empty() ? std::string("the last step")
                                           : "the end of " + std::to_string(c.year.back());
    std::vector<Indicator> out = {
        {"co2_avoided", "t", "cumulative CO2 avoided against the baseline over the horizon"},
        {"grant_spent", "MAD",
         "public support paid beyond the baseline over the horizon: capex grants + fund co-investment"},
        {"grant_cost_per_tco2", "MAD/t",
         "grant spent per tonne of CO2 avoided (NaN where less than 1 t is avoided)"},
        {"private_investment_per_grant", "MAD/MAD",
         "extra private outlay per dirham of grant spent (NaN where less than 1 MAD is spent)"},
        {"investment_mobilised", "MAD", "extra capital expenditure against the baseline over the horizon"},
        {"energy_cost_saved", "MAD", "energy cost saved against the baseline over the horizon"},
    };
    for (const std::string& s : c.sector)
        out.push_back({"production_cost_change_" + s, "1",
                       "change in the production cost index of " + s + " at " + end +
                           " (index points, start of run = 100; negative = cheaper)"});
    for (const std::string& z : c.size_class)
        out.push_back({"production_cost_change_" + z, "1",
                       "change in the production cost index of " + z +
                           " firms (output-weighted over sectors) at " + end + " (index points)"});
    out.push_back({"adopters_added_tpme", "1",
                   "extra adoptions (firm x technology) by TPME (micro, small, medium) at " + end});
    out.push_back({"adopters_added_large", "1", "extra adoptions (firm x technology) by large firms at " + end});
    out.push_back({"co2_avoided_lifetime", "t",
                   "CO2 avoided over the service life of the extra equipment: horizon avoided + last year's rate x "
                   "mean remaining life after the horizon of the extra equipment in service"});
    out.push_back({"grant_cost_per_tco2_lifetime", "MAD/t",
                   "grant spent per tonne of CO2 avoided over the equipment's lifetime (NaN where less than 1 t)"});
    for (const std::string& s : c.sector)
        out.push_back({"co2_avoided_" + s, "t", "cumulative CO2 avoided by " + s + " over the horizon"});
    for (const std::string& z : c.size_class)
        out.push_back({"co2_avoided_" + z, "t", "cumulative CO2 avoided by " + z + " firms over the horizon"});
    for (const std::string& z : c.size_class)
        out.push_back({"energy_cost_saved_" + z, "MAD", "energy cost saved by " + z + " firms over the horizon"});
    out.push_back({"investment_private_added", "MAD", "extra private outlay (capex less grants and fund) over the horizon"});
    out.push_back({"loan_volume_added", "MAD", "extra concessional loans disbursed over the horizon"});
    out.push_back({"tpme_labelled", "1", "TPME holding the label at " + end + " (beyond the baseline)"});
    out.push_back({"firms_served_grants", "1",
                   "firms served by the budgeted programmes (capex grants, green fund) over the horizon, beyond the baseline"});
    out.push_back({"firms_assisted", "1", "firms that received technical assistance by " + end + " (beyond the baseline)"});
    if (!c.io_sector.empty()) {
        out.push_back({"supplier_demand_added", "MAD", "extra sales of local suppliers to the green investments over the horizon"});
        out.push_back({"jobs_direct_added", "job-years", "extra jobs in the supplier sectors, direct, over the horizon"});
        out.push_back({"jobs_indirect_added", "job-years",
                       "extra jobs upstream of the suppliers (indirect: total - direct) over the horizon"});
        out.push_back({"value_added_direct_added", "MAD", "extra value added in the supplier sectors, direct, over the horizon"});
        out.push_back({"value_added_indirect_added", "MAD", "extra value added upstream (indirect) over the horizon"});
        for (const std::string& j : c.io_sector)
            out.push_back({"supplier_output_added_" + j, "MAD",
                           "extra output of " + j + ", direct and indirect, over the horizon"});
        for (const std::string& j : c.io_sector)
            out.push_back({"jobs_total_added_" + j, "job-years", "extra jobs in " + j + ", direct and indirect, over the horizon"});
        for (const std::string& z : c.size_class)
            out.push_back({"jobs_total_added_by_" + z, "job-years",
                           "extra jobs, direct and indirect, called for by the green investments of " + z + " firms"});
    }
    return out;
}

std::vector<double> indicators(const RunResult& v, const RunResult& b) {
    const Coordinates& c = v.coords;
    const std::size_t T = c.year.size(), S = c.sector.size(), Z = c.size_class.size(), K = c.technology.size();
    if (T == 0) throw std::runtime_error("indicators: the runs have no time steps");
    const double co2 = sum(need(b, "co2_emissions")) - sum(need(v, "co2_emissions"));
    const double grant = sum(need(v, "grant_spent")) + sum(need(v, "fund_investment")) -
                         sum(need(b, "grant_spent")) - sum(need(b, "fund_investment"));
    const double privat = sum(need(v, "investment_private")) - sum(need(b, "investment_private"));
    const double mobilised = sum(need(v, "investment_total")) - sum(need(b, "investment_total"));
    const double saved = sum(need(b, "energy_cost")) - sum(need(v, "energy_cost"));
    std::vector<double> out = {co2, grant, ratio(grant, co2, kMinTonnesForRatio),
                               ratio(privat, grant, kMinGrantForRatio), mobilised, saved};

    const std::size_t last = T - 1;
    const Variable& pv = need(v, "production_cost_index");
    const Variable& pb = need(b, "production_cost_index");
    for (std::size_t s = 0; s < S; ++s) out.push_back(value(pv, last * S + s) - value(pb, last * S + s));

    const Variable& qv = need(v, "production_cost_index_by_size");
    const Variable& qb = need(b, "production_cost_index_by_size");
    const Variable& wv = need(v, "output_by_size");
    for (std::size_t z = 0; z < Z; ++z) {
        double weighted = 0, weight = 0;
        for (std::size_t s = 0; s < S; ++s) {
            const std::size_t i = (last * S + s) * Z + z;
            const double w = value(wv, i);
            if (w <= 0) continue;
            weighted += w * (value(qv, i) - value(qb, i));
            weight += w;
        }
        out.push_back(weight > 0 ? weighted / weight : kNaN);
    }

    const Variable& av = need(v, "adopters_by_size");
    const Variable& ab = need(b, "adopters_by_size");
    double tpme = 0, large = 0;
    for (std::size_t s = 0; s < S; ++s)
        for (std::size_t z = 0; z < Z; ++z)
            for (std::size_t k = 0; k < K; ++k) {
                const std::size_t i = ((last * S + s) * Z + z) * K + k;
                (is_large(c.size_class[z]) ? large : tpme) += value(av, i) - value(ab, i);
            }
    out.push_back(tpme);
    out.push_back(large);

    const double lifetime = lifetime_co2_avoided(v, b, co2);
    out.push_back(lifetime);
    out.push_back(std::isnan(lifetime) ? kNaN : ratio(grant, lifetime, kMinTonnesForRatio));
    const Variable& ev = need(v, "co2_emissions");
    const Variable& eb = need(b, "co2_emissions");
    for (std::size_t s = 0; s < S; ++s) {
        double a = 0;
        for (std::size_t t = 0; t < T; ++t) a += value(eb, t * S + s) - value(ev, t * S + s);
        out.push_back(a);
    }
    const auto by_size_total = [&](const std::string& name, std::size_t z) {
        const Variable* x = v.find(name);
        const Variable* y = b.find(name);
        if (x == nullptr || y == nullptr) return kNaN;
        double a = 0;
        for (std::size_t t = 0; t < T; ++t)
            for (std::size_t s = 0; s < S; ++s) a += value(*y, (t * S + s) * Z + z) - value(*x, (t * S + s) * Z + z);
        return a;  // baseline - variant
    };
    for (std::size_t z = 0; z < Z; ++z) out.push_back(by_size_total("co2_emissions_by_size", z));
    for (std::size_t z = 0; z < Z; ++z) out.push_back(by_size_total("energy_cost_by_size", z));
    out.push_back(privat);
    out.push_back(sum_or_zero(v, "loan_volume") - sum_or_zero(b, "loan_volume"));
    out.push_back(last_or_zero(v, "firms_labelled") - last_or_zero(b, "firms_labelled"));
    const auto served = [&](const RunResult& r) {
        const Variable* f = r.find("firms_served");
        const std::size_t P = r.coords.policy.size();
        if (f == nullptr || P == 0 || r.coords.policy_type.size() != P) return 0.0;
        double n = 0;
        for (std::size_t i = 0; i < size_of(*f); ++i)
            if (is_budgeted(r.coords.policy_type[i % P])) n += value(*f, i);
        return n;
    };
    out.push_back(served(v) - served(b));
    out.push_back(last_or_zero(v, "firms_assisted") - last_or_zero(b, "firms_assisted"));
    if (!c.io_sector.empty()) {
        const std::size_t N = c.io_sector.size();
        const auto added = [&](const std::string& name) { return sum_or_zero(v, name) - sum_or_zero(b, name); };
        const double jobs_direct = added("jobs_direct"), jobs_total = added("jobs_total");
        const double va_direct = added("value_added_direct"), va_total = added("value_added_total");
        out.push_back(added("supplier_demand"));
        out.push_back(jobs_direct);
        out.push_back(jobs_total - jobs_direct);
        out.push_back(va_direct);
        out.push_back(va_total - va_direct);
        const auto per_io = [&](const std::string& name) {
            std::vector<double> a(N, 0.0);
            const Variable* x = v.find(name);
            const Variable* y = b.find(name);
            if (x == nullptr || y == nullptr) return std::vector<double>(N, kNaN);
            for (std::size_t i = 0; i < size_of(*x); ++i) a[i % N] += value(*x, i) - value(*y, i);
            return a;
        };
        for (const double x : per_io("supplier_output")) out.push_back(x);
        for (const double x : per_io("jobs_total")) out.push_back(x);
        for (std::size_t z = 0; z < Z; ++z) out.push_back(-by_size_total("jobs_total_by_size", z));
    }
    return out;
}

}  // namespace greenshift::ensemble
