#include "batch/indicators.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>

#include "batch/detail/variables.hpp"

namespace greenshift::indicators {

namespace {

using detail::last_or_zero;
using detail::need;
using detail::size_of;
using detail::sum;
using detail::sum_or_zero;
using detail::value;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double ratio(double numerator, double denominator, double min_denominator) {
    return denominator >= min_denominator ? numerator / denominator : kNaN;
}

// "textile_leather" -> "textile leather": names as a reader writes them.
std::string words(std::string name) {
    for (char& c : name)
        if (c == '_') c = ' ';
    return name;
}

// The display of a unit: MAD in millions, tonnes in thousands, the rest as stored.
Definition row(std::string name, std::string group, std::string label, std::string units, std::string unit_words,
               std::string long_name) {
    Definition d{
        std::move(name),     std::move(group), std::move(label), std::move(units), std::move(unit_words), 1.0, "",
        std::move(long_name)};
    if (d.units == "MAD") {
        d.display_scale = 1e-6;
        d.display_units = "million dirhams (MAD)";
    } else if (d.units == "t") {
        d.display_scale = 1e-3;
        d.display_units = "thousand tonnes of CO2";
    } else {
        d.display_units = d.unit_words;
    }
    return d;
}

// A key result.
Definition headline(Definition d) {
    d.headline = true;
    return d;
}

const char* const kTonnes = "tonnes of CO2";
const char* const kDirhams = "dirhams (MAD)";
const char* const kPerTonne = "dirhams per tonne of CO2";
const char* const kPercent = "percent";
const char* const kJobYears = "job-years (one job for one year)";
const char* const kJobs = "jobs (average over the horizon)";

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
            for (std::size_t s = 0; s < S; ++s)
                extra += value(iv, (t * S + s) * K + k) - value(ib, (t * S + s) * K + k);
            if (extra <= 0) continue;
            weighted += extra * remaining;
            weight += extra;
        }
    const double mean_remaining = weight > 0 ? weighted / weight : 0.0;
    return horizon_avoided + last_year_avoided * mean_remaining;
}

// A policy type named as in the outputs' policy_type.
bool is_budgeted(const std::string& policy_type) {
    const auto it = std::find(kPolicyTypeNames.begin(), kPolicyTypeNames.end(), policy_type);
    return it != kPolicyTypeNames.end() &&
           greenshift::is_budgeted(static_cast<PolicyType>(it - kPolicyTypeNames.begin()));
}

// Public cost of each policy over the horizon, variant - baseline: its
// programme_cost (grants paid or co-investment committed, cost per firm labelled or
// assisted, administration); in files written before the model recorded that, the
// budget a budgeted programme committed (0 for the others). Both runs are on the
// same policy axis (a batch's union of policies).
std::vector<double> policy_costs(const RunResult& v, const RunResult& b) {
    const std::size_t P = v.coords.policy.size();
    const bool recorded = v.find("programme_cost") != nullptr && b.find("programme_cost") != nullptr;
    const auto totals = [&](const RunResult& r) {
        std::vector<double> a(P, 0.0);
        const Variable* x = r.find(recorded ? "programme_cost" : "budget_used");
        if (x != nullptr && P != 0)
            for (std::size_t i = 0; i < size_of(*x); ++i) {
                const std::size_t p = i % P;
                if (recorded || (p < r.coords.policy_type.size() && is_budgeted(r.coords.policy_type[p])))
                    a[p] += value(*x, i);
            }
        return a;
    };
    const std::vector<double> a = totals(v), c = totals(b);
    std::vector<double> out(P);
    for (std::size_t p = 0; p < P; ++p) out[p] = a[p] - c[p];
    return out;
}

// Builds the definitions and, when given runs, the values in the same pass, so that
// the two can never fall out of order.
class Table {
public:
    explicit Table(bool computing) : computing_(computing) {}
    void add(Definition d, const std::function<double()>& x) {
        defs.push_back(std::move(d));
        if (computing_) values.push_back(x());
    }
    std::vector<Definition> defs;
    std::vector<double> values;

private:
    bool computing_;
};

bool is_large(const std::string& size_class) { return size_class == "large"; }

void build(const Coordinates& c, const RunResult* vp, const RunResult* bp, Table& table) {
    const bool run = vp != nullptr;
    static const RunResult kNone;  // without runs, only the definitions are built
    const RunResult& v = run ? *vp : kNone;
    const RunResult& b = run ? *bp : kNone;
    if (run && c.year.empty()) throw std::runtime_error("indicators: the runs have no time steps");
    const std::string horizon = c.year.empty() ? std::string("the horizon")
                                               : std::to_string(c.year.front()) + "-" + std::to_string(c.year.back());
    const std::string end =
        c.year.empty() ? std::string("the last step") : "the end of " + std::to_string(c.year.back());
    const std::size_t T = c.year.size(), S = c.sector.size(), Z = c.size_class.size(), K = c.technology.size();
    const std::size_t P = c.policy.size();
    const double years = c.year.empty() ? 0.0 : static_cast<double>(c.year.back() - c.year.front() + 1);

    // Shared quantities, computed once per pair of runs.
    double co2 = 0, lifetime = kNaN, support = 0, privat = 0;
    std::vector<double> per_policy;
    if (run) {
        co2 = sum(need(b, "co2_emissions")) - sum(need(v, "co2_emissions"));
        lifetime = lifetime_co2_avoided(v, b, co2);
        support = sum(need(v, "grant_spent")) + sum(need(v, "fund_investment")) - sum(need(b, "grant_spent")) -
                  sum(need(b, "fund_investment"));
        privat = sum(need(v, "investment_private")) - sum(need(b, "investment_private"));
        per_policy = policy_costs(v, b);
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

    // --- CO2 ---
    const std::string g_co2 = "CO2 avoided";
    table.add(headline(row("co2_avoided", g_co2, "CO2 avoided, " + horizon, "t", kTonnes,
                           "cumulative CO2 avoided against the baseline over the horizon")),
              [&] { return co2; });
    table.add(
        headline(row("co2_avoided_lifetime", g_co2, "CO2 avoided over the service life of the equipment added", "t",
                     kTonnes,
                     "CO2 avoided over the service life of the extra equipment: horizon avoided + last year's rate x "
                     "mean remaining life after the horizon of the extra equipment in service")),
        [&] { return lifetime; });
    for (std::size_t s = 0; s < S; ++s)
        table.add(row("co2_avoided_" + c.sector[s], g_co2, "CO2 avoided in " + words(c.sector[s]) + ", " + horizon, "t",
                      kTonnes, "cumulative CO2 avoided by " + c.sector[s] + " over the horizon"),
                  [&, s] {
                      const Variable& ev = need(v, "co2_emissions");
                      const Variable& eb = need(b, "co2_emissions");
                      double a = 0;
                      for (std::size_t t = 0; t < T; ++t) a += value(eb, t * S + s) - value(ev, t * S + s);
                      return a;
                  });
    for (std::size_t z = 0; z < Z; ++z)
        table.add(
            row("co2_avoided_" + c.size_class[z], g_co2, "CO2 avoided by " + c.size_class[z] + " firms, " + horizon,
                "t", kTonnes, "cumulative CO2 avoided by " + c.size_class[z] + " firms over the horizon"),
            [&, z] { return by_size_total("co2_emissions_by_size", z); });

    // --- Public cost, per instrument and in total ---
    const std::string g_cost = "Public cost";
    const std::string g_per_t = "Public cost per tonne of CO2 avoided";
    std::vector<double> instrument_cost(instruments().size(), 0.0);
    const auto per_tonne_note = std::string(
        " per tonne of CO2 avoided by the whole programme over the horizon (NaN "
        "where less than 1 t is avoided); the instruments' lines add up to the total");
    std::vector<std::function<void()>> per_tonne;  // the per-tonne rows, added after the costs
    for (std::size_t i = 0; i < instruments().size(); ++i) {
        const InstrumentInfo& in = instruments()[i];
        std::vector<std::size_t> members;
        for (std::size_t p = 0; p < P; ++p)
            if (p < c.policy_type.size() &&
                c.policy_type[p] == kPolicyTypeNames[static_cast<std::size_t>(in.policy_type)])
                members.push_back(p);
        const std::string key = in.key;
        if (run) {
            double x = 0;
            // Each policy's recorded cost (for loans: their administration)...
            for (const std::size_t p : members) x += per_policy[p];
            if (in.instrument == Instrument::loan_subsidy) {
                // ... and the loans' grant-equivalent; files written before the model
                // recorded it: unknown, unless there is no loan.
                const bool recorded = v.find("loan_subsidy") != nullptr && b.find("loan_subsidy") != nullptr;
                x += recorded          ? sum_or_zero(v, "loan_subsidy") - sum_or_zero(b, "loan_subsidy")
                     : members.empty() ? 0.0
                                       : kNaN;
            }
            instrument_cost[i] = x;
        }
        table.add(headline(row("public_cost_" + key, g_cost, in.label, "MAD", kDirhams,
                               std::string(in.label) + " beyond the baseline over the horizon: " + in.note)),
                  [&, i] { return instrument_cost[i]; });
        if (in.per_policy)
            for (const std::size_t p : members)
                table.add(
                    row("public_cost_of_" + c.policy[p], g_cost, std::string(in.label) + ": " + c.policy[p], "MAD",
                        kDirhams, "what " + c.policy[p] + " cost beyond the baseline over the horizon"),
                    [&, p] { return per_policy[p]; });
        per_tonne.push_back([&, i, members, key] {
            const InstrumentInfo& x = instruments()[i];
            table.add(row("cost_per_tco2_" + key, g_per_t, x.label, "MAD/t", kPerTonne,
                          std::string(x.label) + per_tonne_note),
                      [&, i] { return ratio(instrument_cost[i], co2, kMinTonnesForRatio); });
            if (x.per_policy)
                for (const std::size_t p : members)
                    table.add(row("cost_per_tco2_of_" + c.policy[p], g_per_t, std::string(x.label) + ": " + c.policy[p],
                                  "MAD/t", kPerTonne, "what " + c.policy[p] + " cost" + per_tonne_note),
                              [&, p] { return ratio(per_policy[p], co2, kMinTonnesForRatio); });
        });
    }
    double total = 0;
    for (const double x : instrument_cost) total += x;
    table.add(headline(row("public_cost_total", g_cost, "Public cost, all instruments", "MAD", kDirhams,
                           "public cost beyond the baseline over the horizon: the sum of the instruments above")),
              [&] { return total; });
    for (const auto& f : per_tonne) f();
    table.add(headline(row("cost_per_tco2_total", g_per_t, "All instruments", "MAD/t", kPerTonne,
                           "public cost, all instruments," + per_tonne_note)),
              [&] { return ratio(total, co2, kMinTonnesForRatio); });
    table.add(
        headline(row("cost_per_tco2_lifetime_total", g_per_t,
                     "All instruments, per tonne avoided over the equipment's life", "MAD/t", kPerTonne,
                     "public cost, all instruments, per tonne of CO2 avoided over the service life of the equipment "
                     "added (NaN where less than 1 t)")),
        [&] { return std::isnan(lifetime) ? kNaN : ratio(total, lifetime, kMinTonnesForRatio); });

    // --- Investment ---
    const std::string g_inv = "Investment";
    table.add(
        headline(row("investment_mobilised", g_inv, "Green investment added", "MAD", kDirhams,
                     "extra capital expenditure against the baseline over the horizon: firms' own outlay + grants + "
                     "fund co-investment")),
        [&] { return sum(need(v, "investment_total")) - sum(need(b, "investment_total")); });
    table.add(row("investment_private_added", g_inv, "Firms' own outlay added", "MAD", kDirhams,
                  "extra private outlay (capex less grants and fund) over the horizon"),
              [&] { return privat; });
    table.add(row("loan_volume_added", g_inv, "Concessional loans lent (volume)", "MAD", kDirhams,
                  "extra concessional loans disbursed over the horizon (the amount lent, not its cost)"),
              [&] { return sum_or_zero(v, "loan_volume") - sum_or_zero(b, "loan_volume"); });
    table.add(
        row("leverage", g_inv, "Private outlay added per dirham of capital support", "MAD/MAD", "dirhams per dirham",
            "extra private outlay per dirham of capex grants and fund co-investment (NaN where less than 1 MAD "
            "is spent); negative where support pays for what firms would have bought anyway"),
        [&] { return ratio(privat, support, kMinSupportForRatio); });

    // --- Energy and production cost ---
    const std::string g_cost_firms = "Energy and production costs";
    table.add(headline(row("energy_cost_saved", g_cost_firms, "Energy bills saved by firms, " + horizon, "MAD",
                           kDirhams, "energy cost saved against the baseline over the horizon")),
              [&] { return sum(need(b, "energy_cost")) - sum(need(v, "energy_cost")); });
    for (std::size_t z = 0; z < Z; ++z)
        table.add(row("energy_cost_saved_" + c.size_class[z], g_cost_firms,
                      "Energy bills saved by " + c.size_class[z] + " firms", "MAD", kDirhams,
                      "energy cost saved by " + c.size_class[z] + " firms over the horizon"),
                  [&, z] { return by_size_total("energy_cost_by_size", z); });
    const std::size_t last = T == 0 ? 0 : T - 1;
    for (std::size_t s = 0; s < S; ++s)
        table.add(row("production_cost_pct_" + c.sector[s], g_cost_firms,
                      "Production cost in " + words(c.sector[s]) + ", change at " + end, "%", kPercent,
                      "change of the production cost per unit of output of " + c.sector[s] +
                          " against the baseline at " + end + ", in percent of the baseline's (negative = cheaper)"),
                  [&, s] {
                      const double pv = value(need(v, "production_cost_index"), last * S + s);
                      const double pb = value(need(b, "production_cost_index"), last * S + s);
                      return pb > 0 ? 100.0 * (pv - pb) / pb : kNaN;
                  });
    for (std::size_t z = 0; z < Z; ++z)
        table.add(row("production_cost_pct_" + c.size_class[z], g_cost_firms,
                      "Production cost of " + c.size_class[z] + " firms, change at " + end, "%", kPercent,
                      "change of the output-weighted production cost per unit of output of " + c.size_class[z] +
                          " firms against the baseline at " + end + ", in percent (negative = cheaper)"),
                  [&, z] {
                      const Variable& qv = need(v, "production_cost_index_by_size");
                      const Variable& qb = need(b, "production_cost_index_by_size");
                      const Variable& wv = need(v, "output_by_size");
                      double cv = 0, cb = 0;
                      for (std::size_t s = 0; s < S; ++s) {
                          const std::size_t i = (last * S + s) * Z + z;
                          const double w = value(wv, i);
                          if (w <= 0) continue;
                          cv += w * value(qv, i);
                          cb += w * value(qb, i);
                      }
                      return cb > 0 ? 100.0 * (cv - cb) / cb : kNaN;
                  });

    // --- Firms ---
    const std::string g_firms = "Firms";
    const auto adoptions = [&](bool large) {
        const Variable& av = need(v, "adopters_by_size");
        const Variable& ab = need(b, "adopters_by_size");
        double n = 0;
        for (std::size_t s = 0; s < S; ++s)
            for (std::size_t z = 0; z < Z; ++z)
                for (std::size_t k = 0; k < K; ++k) {
                    if (is_large(c.size_class[z]) != large) continue;
                    const std::size_t i = ((last * S + s) * Z + z) * K + k;
                    n += value(av, i) - value(ab, i);
                }
        return n;
    };
    table.add(headline(row("adopters_added_tpme", g_firms,
                           "Equipment added by TPME (micro, small, medium) in service at " + end, "1",
                           "adoptions (a firm with two technologies counts twice)",
                           "extra adoptions (firm x technology) by TPME (micro, small, medium) at " + end)),
              [&] { return adoptions(false); });
    table.add(headline(row("adopters_added_large", g_firms, "Equipment added by large firms in service at " + end, "1",
                           "adoptions (a firm with two technologies counts twice)",
                           "extra adoptions (firm x technology) by large firms at " + end)),
              [&] { return adoptions(true); });
    table.add(row("tpme_labelled", g_firms, "TPME holding the label at " + end, "1", "firms",
                  "TPME holding the label at " + end + " (beyond the baseline)"),
              [&] { return last_or_zero(v, "firms_labelled") - last_or_zero(b, "firms_labelled"); });
    table.add(
        row("firms_served_grants", g_firms, "Applications served by the grant and fund programmes", "1", "applications",
            "firms served by the budgeted programmes (capex grants, green fund) over the horizon, beyond the "
            "baseline"),
        [&] {
            const auto served = [&](const RunResult& r) {
                const Variable* f = r.find("firms_served");
                const std::size_t n = r.coords.policy.size();
                if (f == nullptr || n == 0 || r.coords.policy_type.size() != n) return 0.0;
                double x = 0;
                for (std::size_t i = 0; i < size_of(*f); ++i) {
                    if (is_budgeted(r.coords.policy_type[i % n])) x += value(*f, i);
                }
                return x;
            };
            return served(v) - served(b);
        });
    table.add(row("firms_assisted", g_firms, "Firms given technical assistance by " + end, "1", "firms",
                  "firms that received technical assistance by " + end + " (beyond the baseline)"),
              [&] { return last_or_zero(v, "firms_assisted") - last_or_zero(b, "firms_assisted"); });

    // --- Local suppliers and jobs (with an input-output table) ---
    if (c.io_sector.empty()) return;
    const std::string g_jobs = "Local suppliers and jobs";
    const std::size_t N = c.io_sector.size();
    const auto added = [&](const std::string& name) { return sum_or_zero(v, name) - sum_or_zero(b, name); };
    table.add(row("supplier_demand_added", g_jobs, "Sales of local suppliers to the green investments", "MAD", kDirhams,
                  "extra sales of local suppliers to the green investments over the horizon"),
              [&] { return added("supplier_demand"); });
    table.add(row("jobs_direct_added", g_jobs, "Jobs at the suppliers (direct), " + horizon, "job-years", kJobYears,
                  "extra jobs in the supplier sectors, direct, over the horizon"),
              [&] { return added("jobs_direct"); });
    table.add(row("jobs_indirect_added", g_jobs, "Jobs upstream of the suppliers (indirect), " + horizon, "job-years",
                  kJobYears, "extra jobs upstream of the suppliers (indirect: total - direct) over the horizon"),
              [&] { return added("jobs_total") - added("jobs_direct"); });
    table.add(headline(row("jobs_direct_per_year", g_jobs,
                           "Jobs at the suppliers (direct), average per year of " + horizon, "jobs", kJobs,
                           "jobs_direct_added divided by the years of the horizon: the average number of extra jobs")),
              [&] { return added("jobs_direct") / years; });
    table.add(headline(row(
                  "jobs_indirect_per_year", g_jobs, "Jobs upstream (indirect), average per year of " + horizon, "jobs",
                  kJobs, "jobs_indirect_added divided by the years of the horizon: the average number of extra jobs")),
              [&] { return (added("jobs_total") - added("jobs_direct")) / years; });
    table.add(row("value_added_direct_added", g_jobs, "Value added at the suppliers (direct)", "MAD", kDirhams,
                  "extra value added in the supplier sectors, direct, over the horizon"),
              [&] { return added("value_added_direct"); });
    table.add(row("value_added_indirect_added", g_jobs, "Value added upstream (indirect)", "MAD", kDirhams,
                  "extra value added upstream (indirect) over the horizon"),
              [&] { return added("value_added_total") - added("value_added_direct"); });
    std::vector<double> output_io(N, kNaN), jobs_io(N, kNaN);
    if (run) {
        const auto per_io = [&](const std::string& name, std::vector<double>& a) {
            const Variable* x = v.find(name);
            const Variable* y = b.find(name);
            if (x == nullptr || y == nullptr) return;
            a.assign(N, 0.0);
            for (std::size_t i = 0; i < size_of(*x); ++i) a[i % N] += value(*x, i) - value(*y, i);
        };
        per_io("supplier_output", output_io);
        per_io("jobs_total", jobs_io);
    }
    for (std::size_t j = 0; j < N; ++j)
        table.add(row("supplier_output_added_" + c.io_sector[j], g_jobs,
                      "Output of " + words(c.io_sector[j]) + " (direct and indirect)", "MAD", kDirhams,
                      "extra output of " + c.io_sector[j] + ", direct and indirect, over the horizon"),
                  [&, j] { return output_io[j]; });
    for (std::size_t j = 0; j < N; ++j)
        table.add(row("jobs_total_added_" + c.io_sector[j], g_jobs,
                      "Jobs in " + words(c.io_sector[j]) + " (direct and indirect), " + horizon, "job-years", kJobYears,
                      "extra jobs in " + c.io_sector[j] + ", direct and indirect, over the horizon"),
                  [&, j] { return jobs_io[j]; });
    for (std::size_t z = 0; z < Z; ++z)
        table.add(row("jobs_total_added_by_" + c.size_class[z], g_jobs,
                      "Jobs called for by the investments of " + c.size_class[z] + " firms, " + horizon, "job-years",
                      kJobYears,
                      "extra jobs, direct and indirect, called for by the green investments of " + c.size_class[z] +
                          " firms"),
                  [&, z] { return -by_size_total("jobs_total_by_size", z); });
}

}  // namespace

const std::vector<InstrumentInfo>& instruments() {
    static const std::vector<InstrumentInfo> list = {
        {Instrument::grants, "grants", PolicyType::capex_grant, "Capex grants", true,
         "the grants paid (budget committed to the applications served), plus administration where the scenario "
         "sets admin_cost_share"},
        {Instrument::fund, "fund", PolicyType::green_investment_fund, "Green fund co-investment", true,
         "the fund's share of the projects it co-finances, at face value (no return on the stake is modelled), plus "
         "administration"},
        {Instrument::loan_subsidy, "loan_subsidy", PolicyType::concessional_loan,
         "Concessional loans: interest subsidy", false,
         "the grant-equivalent of the loans, the present value of the interest the borrowers save against their "
         "own cost of capital (docs/model.md), plus the administration of the amount lent; NaN in files whose runs "
         "do not record loan_subsidy"},
        {Instrument::assistance, "assistance", PolicyType::technical_assistance, "Technical assistance", true,
         "cost_per_firm for each firm assisted, plus administration; 0 where the scenario gives no cost"},
        {Instrument::label, "label", PolicyType::tpme_label, "TPME label", true,
         "cost_per_firm for each firm labelled, plus administration; 0 where the scenario gives no cost"},
    };
    return list;
}

std::vector<Definition> definitions(const Coordinates& coords) {
    Table t(false);
    build(coords, nullptr, nullptr, t);
    return std::move(t.defs);
}

std::vector<double> values(const RunResult& variant, const RunResult& baseline) {
    Table t(true);
    build(variant.coords, &variant, &baseline, t);
    return std::move(t.values);
}

}  // namespace greenshift::indicators
