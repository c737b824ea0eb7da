#include "core/observations.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

namespace greenshift {

namespace {

constexpr double kWhPerToe = 11.63e6;  // 1 toe = 41.868 GJ = 11.63 MWh

std::string join(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

// Indices of `wanted` along a coordinate (every index when `wanted` is empty).
std::vector<std::size_t> pick(const std::vector<std::string>& axis, const std::vector<std::string>& wanted,
                              const char* what) {
    std::vector<std::size_t> out;
    if (wanted.empty()) {
        for (std::size_t i = 0; i < axis.size(); ++i) out.push_back(i);
        return out;
    }
    for (const auto& w : wanted) {
        const auto it = std::find(axis.begin(), axis.end(), w);
        if (it == axis.end())
            throw std::invalid_argument(std::string("the run has no ") + what + " '" + w + "' (it has " + join(axis) + ")");
        out.push_back(static_cast<std::size_t>(it - axis.begin()));
    }
    return out;
}

double value_at(const Variable& v, std::size_t i) {
    return v.is_count ? static_cast<double>(v.counts[i]) : v.values[i];
}

// The sum of `v` over the selected cells of one step (or of the whole variable
// when it has no time dimension).
double cell_sum(const Variable& v, const Coordinates& c, const Aggregate& a, std::size_t step) {
    std::vector<std::vector<std::size_t>> index(v.dims.size());
    for (std::size_t d = 0; d < v.dims.size(); ++d) {
        switch (v.dims[d]) {
        case Dim::time: index[d] = {step}; break;
        case Dim::sector: index[d] = pick(c.sector, a.sectors, "sector"); break;
        case Dim::size_class: index[d] = pick(c.size_class, a.size_classes, "size class"); break;
        case Dim::technology: index[d] = pick(c.technology, a.technologies, "technology"); break;
        case Dim::policy: index[d] = pick(c.policy, a.policies, "policy"); break;
        case Dim::io_sector: index[d] = pick(c.io_sector, {}, "io sector"); break;
        }
    }
    // odometer over the selected indices, row-major
    std::vector<std::size_t> at(v.dims.size(), 0);
    for (const auto& ix : index)
        if (ix.empty()) return 0.0;
    double total = 0;
    for (;;) {
        std::size_t flat = 0;
        for (std::size_t d = 0; d < v.dims.size(); ++d) flat = flat * c.length(v.dims[d]) + index[d][at[d]];
        total += value_at(v, flat);
        std::size_t d = v.dims.size();
        while (d > 0) {
            --d;
            if (++at[d] < index[d].size()) break;
            at[d] = 0;
            if (d == 0) return total;
        }
        if (v.dims.empty()) return total;
    }
}

}  // namespace

const std::vector<ObservableVariable>& observable_variables() {
    using D = Dim;
    static const std::vector<ObservableVariable> table{
        {"firms", TimeRule::fixed, {D::sector, D::size_class}, "1"},
        {"adopters", TimeRule::stock, {D::time, D::sector, D::technology}, "1"},
        {"adopters_by_size", TimeRule::stock, {D::time, D::sector, D::size_class, D::technology}, "1"},
        {"new_adopters", TimeRule::flow, {D::time, D::sector, D::technology}, "1"},
        {"aware", TimeRule::stock, {D::time, D::sector, D::technology}, "1"},
        {"installed_capacity", TimeRule::stock, {D::time, D::sector, D::technology}, "technology_unit"},
        {"energy_displaced", TimeRule::flow, {D::time, D::sector, D::technology}, "MWh"},
        {"investment_total", TimeRule::flow, {D::time, D::sector, D::technology}, "MAD"},
        {"investment_private", TimeRule::flow, {D::time, D::sector, D::technology}, "MAD"},
        {"grant_spent", TimeRule::flow, {D::time, D::sector, D::technology}, "MAD"},
        {"fund_investment", TimeRule::flow, {D::time, D::sector, D::technology}, "MAD"},
        {"loan_volume", TimeRule::flow, {D::time, D::sector, D::technology}, "MAD"},
        {"local_demand", TimeRule::flow, {D::time, D::sector, D::technology}, "MAD"},
        {"investment_private_by_size", TimeRule::flow, {D::time, D::sector, D::size_class, D::technology}, "MAD"},
        {"grant_spent_by_size", TimeRule::flow, {D::time, D::sector, D::size_class, D::technology}, "MAD"},
        {"output", TimeRule::flow, {D::time, D::sector}, "MAD"},
        {"energy_electricity", TimeRule::flow, {D::time, D::sector}, "MWh"},
        {"energy_fuel", TimeRule::flow, {D::time, D::sector}, "MWh"},
        {"energy_cost", TimeRule::flow, {D::time, D::sector}, "MAD"},
        {"carbon_cost", TimeRule::flow, {D::time, D::sector}, "MAD"},
        {"co2_emissions", TimeRule::flow, {D::time, D::sector}, "t"},
        {"output_by_size", TimeRule::flow, {D::time, D::sector, D::size_class}, "MAD"},
        {"energy_cost_by_size", TimeRule::flow, {D::time, D::sector, D::size_class}, "MAD"},
        {"co2_emissions_by_size", TimeRule::flow, {D::time, D::sector, D::size_class}, "t"},
        {"energy_electricity_by_size", TimeRule::flow, {D::time, D::sector, D::size_class}, "MWh"},
        {"energy_fuel_by_size", TimeRule::flow, {D::time, D::sector, D::size_class}, "MWh"},
        {"firms_labelled", TimeRule::stock, {D::time}, "1"},
        {"firms_assisted", TimeRule::stock, {D::time}, "1"},
        {"firms_audited", TimeRule::flow, {D::time}, "1"},
        {"budget_used", TimeRule::flow, {D::time, D::policy}, "MAD"},
        {"firms_served", TimeRule::flow, {D::time, D::policy}, "1"},
        {"applications_unserved", TimeRule::flow, {D::time, D::policy}, "1"},
        {"programme_cost", TimeRule::flow, {D::time, D::policy}, "MAD"},
        {"firms_obliged", TimeRule::stock, {D::time, D::policy}, "1"},
        {"supplier_output", TimeRule::flow, {D::time, D::io_sector}, "MAD"},
        {"value_added_total", TimeRule::flow, {D::time, D::io_sector}, "MAD"},
        {"jobs_total", TimeRule::flow, {D::time, D::io_sector}, "job-years"},
    };
    return table;
}

const ObservableVariable* find_observable(const std::string& name) {
    for (const auto& v : observable_variables())
        if (name == v.name) return &v;
    return nullptr;
}

double central_z(double level) {
    // Acklam's rational approximation of the normal quantile (relative error < 1.2e-9),
    // at p = (1 + level) / 2.
    const double p = 0.5 * (1.0 + level);
    static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                   1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
    static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                   6.680131188771972e+01, -1.328068155288572e+01};
    static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                   -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
    static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                   3.754408661907416e+00};
    if (p >= 0.97575) {
        const double q = std::sqrt(-2.0 * std::log(1.0 - p));
        return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
               ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
    }
    const double q = p - 0.5, r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
           (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
}

Band band(const Observation& o) {
    if (o.has_interval) return {o.lo, o.hi};
    const double z = central_z(o.level);
    if (o.error == ErrorModel::lognormal) return {o.value * std::exp(-z * o.se), o.value * std::exp(z * o.se)};
    return {o.value - z * o.se, o.value + z * o.se};
}

double sigma(const Observation& o) {
    if (o.se > 0 || !o.has_interval) return o.se;
    const double z = central_z(o.level);
    if (o.error == ErrorModel::lognormal) return (std::log(o.hi) - std::log(o.lo)) / (2.0 * z);
    return (o.hi - o.lo) / (2.0 * z);
}

double aggregate(const RunResult& run, const Aggregate& a) {
    const Coordinates& c = run.coords;
    double total = 0;
    for (const auto& name : a.variables) {
        const Variable* v = run.find(name);
        if (v == nullptr) throw std::invalid_argument("the run has no variable '" + name + "'");
        const ObservableVariable* ov = find_observable(name);
        const TimeRule rule = ov ? ov->rule : TimeRule::flow;
        const bool timed = !v->dims.empty() && v->dims.front() == Dim::time;
        if (!timed) {
            total += cell_sum(*v, c, a, 0);
            continue;
        }
        double over_years = 0;
        int years = 0;
        for (int y = a.first_year; y <= a.last_year; ++y) {
            double in_year = 0;
            bool found = false;
            for (std::size_t t = 0; t < c.year.size(); ++t) {
                if (c.year[t] != y) continue;
                found = true;
                if (rule == TimeRule::stock) in_year = cell_sum(*v, c, a, t);  // the year's last step wins
                else in_year += cell_sum(*v, c, a, t);
            }
            if (!found)
                throw std::invalid_argument("the run has no step in " + std::to_string(y) + " (it covers " +
                                            (c.year.empty() ? std::string("no year")
                                                            : std::to_string(c.year.front()) + "-" +
                                                                  std::to_string(c.year.back())) +
                                            ")");
            over_years += in_year;
            ++years;
        }
        total += a.combine == Aggregate::Combine::mean && years > 0 ? over_years / years : over_years;
    }
    return total;
}

double simulated(const RunResult& run, const Observation& o) {
    const double x = aggregate(run, o.of);
    if (!o.has_per) return x / o.unit_factor;
    const double d = aggregate(run, o.per);
    return d != 0 ? x / d : std::numeric_limits<double>::quiet_NaN();
}

std::vector<PlausibilityRow> check_plausibility(const RunResult& run, const std::vector<Observation>& references) {
    std::vector<PlausibilityRow> rows;
    for (const auto& o : references) {
        PlausibilityRow r{&o, simulated(run, o), band(o), 0};
        if (!(r.simulated >= r.band.lo)) r.verdict = -1;  // NaN counts as out of range
        else if (r.simulated > r.band.hi) r.verdict = 1;
        rows.push_back(r);
    }
    return rows;
}

double unit_factor(const std::string& unit, const std::string& native) {
    if (unit == native) return 1.0;
    // (prefix factor, base) readings of a unit: "MWh" -> (1, MWh), (1e6, Wh)
    const auto readings = [](const std::string& u) {
        std::vector<std::pair<double, std::string>> out{{1.0, u}};
        static constexpr std::pair<char, double> prefixes[] = {{'k', 1e3}, {'M', 1e6}, {'G', 1e9}, {'T', 1e12}};
        if (u.size() > 1)
            for (const auto& [p, f] : prefixes)
                if (u[0] == p) out.emplace_back(f, u.substr(1));
        return out;
    };
    // counts (units "1"): a prefix alone, "k" for thousands
    if (native == "1" && unit.size() == 1)
        for (const auto& [fu, bu] : readings(unit + "1"))
            if (bu == "1") return fu;
    for (const auto& [fu, bu] : readings(unit))
        for (const auto& [fn, bn] : readings(native)) {
            if (bu == bn) return fu / fn;
            if (bu == "toe" && bn == "Wh") return fu * kWhPerToe / fn;
        }
    return 0.0;
}

}  // namespace greenshift
