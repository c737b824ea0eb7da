#include "batch/ensemble.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

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
    std::vector<double> column;
    column.reserve(rows);
    for (std::size_t c = 0; c < columns; ++c) {
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
    return out;
}

const std::vector<std::string>& paired_variables() {
    static const std::vector<std::string> names = {
        "co2_emissions",    "energy_cost",      "investment_total",      "investment_private",
        "grant_spent",      "fund_investment",  "adopters_by_size",      "production_cost_index",
        "production_cost_index_by_size", "output_by_size"};
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
    return out;
}

}  // namespace greenshift::ensemble
