// Model::result: the recorder's arrays (core/detail/model_state.hpp) turned into the
// run's named variables (docs/output.md), cut to the steps done and summed over the
// size classes where a variable does not keep them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/calendar.hpp"
#include "core/detail/model_state.hpp"
#include "core/input_output.hpp"

namespace greenshift {

namespace {

void add_real(RunResult& r, std::string name, std::string long_name, std::string units, std::vector<Dim> dims,
              std::vector<double> values) {
    r.variables.push_back(
        Variable{std::move(name), std::move(long_name), std::move(units), std::move(dims), false, std::move(values), {}});
}

void add_count(RunResult& r, std::string name, std::string long_name, std::string units, std::vector<Dim> dims,
               std::vector<std::int64_t> values) {
    r.variables.push_back(
        Variable{std::move(name), std::move(long_name), std::move(units), std::move(dims), true, {}, std::move(values)});
}

// The first `steps` steps of a time-major record of `per_step` values a step.
template <class V>
V first_steps(const V& src, std::size_t steps, std::size_t per_step) {
    return V(src.begin(), src.begin() + static_cast<std::ptrdiff_t>(steps * per_step));
}

// (time, sector, size, technology) summed over size classes, in size order.
template <class T>
std::vector<T> by_technology(const std::vector<T>& src, std::size_t steps, std::size_t sectors, std::size_t techs) {
    std::vector<T> out(steps * sectors * techs, T{});
    const std::size_t per_step = sectors * kSizeClasses * techs;
    for (std::size_t i = 0; i < steps; ++i)
        for (std::size_t s = 0; s < sectors; ++s)
            for (std::size_t z = 0; z < kSizeClasses; ++z)
                for (std::size_t k = 0; k < techs; ++k)
                    out[(i * sectors + s) * techs + k] += src[i * per_step + (s * kSizeClasses + z) * techs + k];
    return out;
}

// (time, sector, size) summed over size classes, in size order.
std::vector<double> by_sector(const std::vector<double>& src, std::size_t steps, std::size_t sectors) {
    std::vector<double> out(steps * sectors, 0.0);
    const std::size_t per_step = sectors * kSizeClasses;
    for (std::size_t i = 0; i < steps; ++i)
        for (std::size_t s = 0; s < sectors; ++s)
            for (std::size_t z = 0; z < kSizeClasses; ++z)
                out[i * sectors + s] += src[i * per_step + s * kSizeClasses + z];
    return out;
}

// Production cost index: cost per MAD of output (non-energy cost, energy, carbon,
// equipment opex and capital charge) relative to the start, = 100. `cost` and `out`
// are (time, cell), `ref_c` and `ref_o` the start's per cell.
std::vector<double> cost_index(const std::vector<double>& cost, const std::vector<double>& out,
                               const std::vector<double>& ref_c, const std::vector<double>& ref_o,
                               std::size_t steps) {
    std::vector<double> idx(cost.size());
    const std::size_t m = ref_c.size();
    for (std::size_t i = 0; i < steps; ++i)
        for (std::size_t c = 0; c < m; ++c) {
            const double o = out[i * m + c];
            idx[i * m + c] = (o > 0 && ref_o[c] > 0) ? 100.0 * (cost[i * m + c] / o) / (ref_c[c] / ref_o[c]) : 0.0;
        }
    return idx;
}

}  // namespace

RunResult Model::State::result() const {
    RunResult r;
    r.coords = coordinates();
    add_technology_variables(r);
    add_sector_variables(r);
    add_run_variables(r);
    r.firm_steps = firms_total * static_cast<std::uint64_t>(t);
    return r;
}

Coordinates Model::State::coordinates() const {
    Coordinates co;
    for (const auto& s : sc.sectors) co.sector.push_back(s.name);
    for (const char* z : kSizeClassNames) co.size_class.emplace_back(z);
    for (const auto& k : sc.technologies) {
        co.technology.push_back(k.name);
        co.technology_unit.push_back(k.unit);
    }
    for (const auto& p : sc.policies) {
        co.policy.push_back(p.name);
        co.policy_type.emplace_back(kPolicyTypeNames[static_cast<std::size_t>(p.type)]);
    }
    co.time_units = "days since " + std::to_string(sc.run.start_year) + "-01-01 00:00:00";
    for (int i = 0; i < t; ++i) {
        const auto ym = step_start(sc.run.start_year, spy, i);
        co.year.push_back(ym.year);
        co.time_days.push_back(static_cast<double>(days_since(sc.run.start_year, ym.year, ym.month)));
    }
    return co;
}

void Model::State::add_technology_variables(RunResult& r) const {
    using D = Dim;
    const auto n = static_cast<std::size_t>(t);
    const std::size_t nszk = SZK();
    const auto uT = static_cast<std::size_t>(T), uS = static_cast<std::size_t>(S);
    auto tsk = [&](const auto& src) { return by_technology(first_steps(src, n, nszk), n, uS, uT); };

    add_count(r, "firms", "number of firms", "1", {D::sector, D::size_class}, std::vector<std::int64_t>(n_sz));
    const auto adopters_tsk = tsk(rec.adopters);
    add_count(r, "adopters", "firms with the technology installed (end of step)", "1",
              {D::time, D::sector, D::technology}, adopters_tsk);
    {
        std::vector<double> sh(adopters_tsk.size());
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t s = 0; s < uS; ++s) {
                std::int64_t firms = 0;
                for (std::size_t z = 0; z < kSizeClasses; ++z) firms += n_sz[s * kSizeClasses + z];
                for (std::size_t k = 0; k < uT; ++k) {
                    const std::size_t c = (i * uS + s) * uT + k;
                    sh[c] = firms > 0 ? static_cast<double>(adopters_tsk[c]) / static_cast<double>(firms) : 0.0;
                }
            }
        add_real(r, "adoption_share", "share of the sector's firms with the technology installed", "1",
                 {D::time, D::sector, D::technology}, std::move(sh));
    }
    add_count(r, "new_adopters", "firms installing the technology during the step", "1",
              {D::time, D::sector, D::technology}, tsk(rec.new_adopters));
    add_count(r, "aware", "firms aware of the technology (end of step)", "1", {D::time, D::sector, D::technology},
              tsk(rec.aware));
    // summed over size classes, one line each
    struct Summed {
        const char* name;
        const char* long_name;
        const char* units;
        std::vector<double> Rec::*values;
    };
    static constexpr Summed kSummed[] = {
        {"installed_capacity", "installed capacity in service (end of step), in technology_unit", "technology_unit",
         &Rec::capacity},
        {"energy_displaced", "energy displaced by the technology during the step", "MWh", &Rec::displaced},
        {"investment_total", "capital expenditure of new installations during the step", "MAD", &Rec::inv_total},
        {"investment_private", "firms' own outlay (capex less grants and fund co-investment)", "MAD",
         &Rec::inv_private},
        {"grant_spent", "capex grants paid during the step", "MAD", &Rec::grant},
        {"fund_investment", "green investment fund co-investment during the step", "MAD", &Rec::fund},
        {"loan_volume", "concessional loans disbursed during the step", "MAD", &Rec::loan},
        {"loan_subsidy",
         "grant-equivalent of the concessional loans disbursed during the step: the present value, at the "
         "borrower's hurdle rate, of the interest it saves over the loan's tenor",
         "MAD", &Rec::loan_value},
        {"local_demand", "capex spent with local suppliers (capex x local content)", "MAD", &Rec::local_demand},
    };
    for (const Summed& v : kSummed)
        add_real(r, v.name, v.long_name, v.units, {D::time, D::sector, D::technology}, tsk(rec.*v.values));
    {
        std::vector<double> life;
        for (const auto& k : sc.technologies) life.push_back(static_cast<double>(k.lifetime));
        add_real(r, "technology_lifetime", "service life of the technology's equipment", "years", {D::technology},
                 std::move(life));
    }
    if (sc.input_output.enabled()) {  // the supplier ecosystem (core/input_output.hpp)
        r.coords.io_sector = sc.input_output.sectors;
        for (auto& v : input_output_variables(sc, first_steps(rec.local_demand, n, nszk), n))
            r.variables.push_back(std::move(v));
    }
    add_count(r, "adopters_by_size", "firms with the technology installed (end of step), by size class", "1",
              {D::time, D::sector, D::size_class, D::technology}, first_steps(rec.adopters, n, nszk));
    add_real(r, "investment_private_by_size", "firms' own outlay during the step, by size class", "MAD",
             {D::time, D::sector, D::size_class, D::technology}, first_steps(rec.inv_private, n, nszk));
    add_real(r, "grant_spent_by_size", "capex grants paid during the step, by size class", "MAD",
             {D::time, D::sector, D::size_class, D::technology}, first_steps(rec.grant, n, nszk));
}

void Model::State::add_sector_variables(RunResult& r) const {
    using D = Dim;
    const auto n = static_cast<std::size_t>(t);
    const std::size_t nsz = SZ();
    const auto uS = static_cast<std::size_t>(S);
    auto cut = [&](const std::vector<double>& src) { return first_steps(src, n, nsz); };
    auto ts = [&](const std::vector<double>& src) { return by_sector(cut(src), n, uS); };

    add_real(r, "output", "sector output during the step", "MAD", {D::time, D::sector}, ts(rec.output));
    add_real(r, "energy_electricity", "electricity bought during the step", "MWh", {D::time, D::sector},
             ts(rec.elec));
    add_real(r, "energy_fuel", "fuel and heat bought during the step (thermal)", "MWh", {D::time, D::sector},
             ts(rec.fuel));
    add_real(r, "energy_cost", "cost of energy bought during the step", "MAD", {D::time, D::sector},
             ts(rec.energy_cost));
    add_real(r, "carbon_cost", "carbon price paid during the step", "MAD", {D::time, D::sector},
             ts(rec.carbon_cost));
    add_real(r, "co2_emissions", "CO2 emissions, scope 1 (fuel) and 2 (electricity), during the step", "t",
             {D::time, D::sector}, ts(rec.co2));
    {
        std::vector<double> ref_c(uS, 0.0), ref_o(uS, 0.0);
        for (std::size_t s = 0; s < uS; ++s)
            for (std::size_t z = 0; z < kSizeClasses; ++z) {
                ref_c[s] += ref_cost_sz[s * kSizeClasses + z];
                ref_o[s] += out0_sz[s * kSizeClasses + z];
            }
        add_real(r, "production_cost_index", "production cost per unit of output, start of run = 100", "1",
                 {D::time, D::sector}, cost_index(ts(rec.total_cost), ts(rec.output), ref_c, ref_o, n));
    }
    add_real(r, "output_by_size", "output during the step, by size class", "MAD", {D::time, D::sector, D::size_class},
             cut(rec.output));
    add_real(r, "energy_cost_by_size", "cost of energy bought during the step, by size class", "MAD",
             {D::time, D::sector, D::size_class}, cut(rec.energy_cost));
    add_real(r, "co2_emissions_by_size", "CO2 emissions during the step, by size class", "t",
             {D::time, D::sector, D::size_class}, cut(rec.co2));
    add_real(r, "energy_electricity_by_size", "electricity bought during the step, by size class", "MWh",
             {D::time, D::sector, D::size_class}, cut(rec.elec));
    add_real(r, "energy_fuel_by_size", "fuel and heat bought during the step (thermal), by size class", "MWh",
             {D::time, D::sector, D::size_class}, cut(rec.fuel));
    add_real(r, "production_cost_index_by_size",
             "production cost per unit of output, start of run = 100, by size class", "1",
             {D::time, D::sector, D::size_class},
             cost_index(cut(rec.total_cost), cut(rec.output), ref_cost_sz, out0_sz, n));
}

void Model::State::add_run_variables(RunResult& r) const {
    using D = Dim;
    const auto n = static_cast<std::size_t>(t);
    const auto uT = static_cast<std::size_t>(T);
    add_real(r, "capex", "unit capital cost after learning", "MAD per technology_unit", {D::time, D::technology},
             first_steps(rec.capex, n, uT));
    add_real(r, "local_content", "share of capex spent with local suppliers", "1", {D::time, D::technology},
             first_steps(rec.local_content, n, uT));
    add_real(r, "electricity_price", "electricity price", "MAD/kWh", {D::time}, first_steps(rec.elec_price, n, 1));
    add_real(r, "grid_emission_factor", "grid emission factor", "tCO2/MWh", {D::time},
             first_steps(rec.grid_ef, n, 1));
    add_real(r, "carbon_price", "carbon price in force", "MAD/tCO2", {D::time}, first_steps(rec.carbon_price, n, 1));
    add_count(r, "firms_labelled", "firms holding the TPME label (end of step)", "1", {D::time},
              first_steps(rec.labelled, n, 1));
    add_count(r, "firms_assisted", "firms that received technical assistance (end of step)", "1", {D::time},
              first_steps(rec.assisted, n, 1));
    add_count(r, "firms_audited", "firms audited during the step", "1", {D::time}, first_steps(rec.audited, n, 1));
    if (P == 0) return;
    const auto uP = static_cast<std::size_t>(P);
    add_real(r, "budget_available", "programme budget for the year (budgeted programmes)", "MAD", {D::time, D::policy},
             first_steps(rec.budget_available, n, uP));
    add_real(r, "budget_used", "programme budget committed during the step", "MAD", {D::time, D::policy},
             first_steps(rec.budget_used, n, uP));
    add_count(r, "firms_served",
              "firms served by the policy during the step (grants, fund, labels, assistance, audits)", "1",
              {D::time, D::policy}, first_steps(rec.served, n, uP));
    add_count(r, "applications_unserved", "applications refused because the budget was spent", "1",
              {D::time, D::policy}, first_steps(rec.unserved, n, uP));
    add_count(r, "limited_by",
              "what limited the policy during the step: 0 none (inactive or another instrument), 1 budget "
              "(applications refused), 2 label (every application served; only labelled firms eligible), 3 demand "
              "(every application served), 4 capacity (label or assistance capacity reached), 5 eligible firms "
              "(fewer than the capacity)",
              "1", {D::time, D::policy}, first_steps(rec.limited_by, n, uP));
    for (const auto word : kPolicyLimitNames)
        r.variables.back().flag_meanings += (r.variables.back().flag_meanings.empty() ? "" : " ") + std::string(word);
    add_real(r, "programme_cost",
             "what the policy cost during the step: grants paid or co-investment committed, cost per firm labelled or "
             "assisted, and administration (for loans, its share of the amount lent)",
             "MAD", {D::time, D::policy}, first_steps(rec.cost, n, uP));
    add_count(r, "firms_obliged", "firms above an audit mandate's threshold in the step's year (end of step)", "1",
              {D::time, D::policy}, first_steps(rec.obliged, n, uP));
}

}  // namespace greenshift
