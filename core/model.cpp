// The model's step (docs/model.md, "A step"): do_step runs one method per Phase, in
// the order and with the numbers of the docs, on the state of
// core/detail/model_state.hpp.
#include "core/model.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>

#include "core/bass_scan.hpp"
#include "core/detail/model_state.hpp"
#include "core/finance.hpp"
#include "core/grant_allocation.hpp"
#include "core/learning.hpp"
#include "core/philox_batch.hpp"
#include "core/rng.hpp"
#include "core/selection.hpp"

namespace greenshift {

namespace {

constexpr double kKwhPerToe = 11630.0;  // 1 toe = 41.868 GJ = 11.63 MWh
constexpr double kBigIndex = 1e9;       // profitability index of a project that costs nothing
constexpr std::uint64_t kDrawChunk = 256;  // firms per batch of Philox calls in the firm pass

// An eligibility list; empty = every value is eligible.
bool contains(const std::vector<int>& list, int v) {
    return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
}

// The test u01(w) < p on a raw 32-bit word w: (w + 0.5) 2^-32 < p exactly when
// w < ceil(p 2^32 - 0.5) (both sides exact in double).
std::uint64_t word_threshold(double p) { return static_cast<std::uint64_t>(std::ceil(std::ldexp(p, 32) - 0.5)); }

}  // namespace

using detail::BudgetQueue;
using detail::Flow;
using detail::Loan;
using detail::Pending;
using detail::Project;
using detail::StepTables;
using detail::Unit;
using detail::Vintage;

Model::State::State(Scenario scenario, Communicator* communicator, PopulationCache* populations)
    : sc(std::move(scenario)) {
    comm = communicator ? communicator : &single;
    S = static_cast<int>(sc.sectors.size());
    T = static_cast<int>(sc.technologies.size());
    P = static_cast<int>(sc.policies.size());
    spy = sc.run.steps_per_year;
    dt = sc.run.dt();
    steps = sc.run.steps();
    bass = sc.decision.rule == DecisionRule::bass;
    if (S == 0 || T == 0) throw std::invalid_argument("scenario has no sector or no technology");
    // applications store the technology in a byte and the programme in 16 bits
    if (T > 255 || P > 0xFFFF) throw std::invalid_argument("too many technologies or policies for the model");

    firms_total = sc.total_firms();
    blocks = (firms_total + kFirmBlock - 1) / kFirmBlock;
    own = block_range(blocks, comm->rank(), comm->size());
    {
        const std::uint64_t first = own.first * kFirmBlock;
        const std::uint64_t last = own.last > own.first ? block_end(own.last - 1) : first;
        f = populations ? populations->firms(sc, first, last - first) : generate_firms(sc, first, last - first);
    }
    // adopted_step holds step + offset; kInfeasible and kNotAdopted stay above it
    if (steps + f.step_offset >= kInfeasible) throw std::invalid_argument("too many steps for the firm state");
    offsets = firm_offsets(sc);
    sum_cells();
    growth.assign(static_cast<std::size_t>(S), 1.0);
    reference_cost();

    adopters.assign(SZK(), 0);
    aware.assign(SZK(), 0);
    capacity.assign(SZK(), 0.0);
    displaced.assign(SZK(), 0.0);
    extra_elec.assign(SZK(), 0.0);
    opex_yr.assign(SZK(), 0.0);
    capital_yr.assign(SZK(), 0.0);
    vintage.assign(static_cast<std::size_t>(steps) * SZK(), Vintage{});
    // Feasible firms per (sector, technology): round(potential x n) in each size class,
    // as generate_firms makes them; the peers of the Bass imitation term.
    feasible_sk.assign(static_cast<std::size_t>(S) * static_cast<std::size_t>(T), 0);
    for (int s = 0; s < S; ++s)
        for (int k = 0; k < T; ++k)
            for (int z = 0; z < kSizeClasses; ++z) {
                const auto n = static_cast<double>(n_sz[sz(s, z)]);
                feasible_sk[static_cast<std::size_t>(s) * static_cast<std::size_t>(T) + static_cast<std::size_t>(k)] +=
                    static_cast<std::int64_t>(std::min(n, std::floor(sc.sectors[static_cast<std::size_t>(s)].potential(k, z) * n + 0.5)));
            }
    cumulative.assign(static_cast<std::size_t>(T), 0.0);
    local_content.resize(static_cast<std::size_t>(T));
    for (int k = 0; k < T; ++k) local_content[static_cast<std::size_t>(k)] = sc.technologies[static_cast<std::size_t>(k)].local_content;
    remaining.assign(static_cast<std::size_t>(P), 0.0);
    available.assign(static_cast<std::size_t>(P), 0.0);
    obliged.assign(static_cast<std::size_t>(P), 0);
    firm_used.resize(static_cast<std::size_t>(P));
    audit_first.resize(static_cast<std::size_t>(P));
    for (int p = 0; p < P; ++p) {
        const Policy& pol = sc.policies[static_cast<std::size_t>(p)];
        if (pol.cap_scope == CapScope::firm && pol.cap_per_firm > 0) {
            firm_used[static_cast<std::size_t>(p)].assign(f.count, 0.0);
            firm_caps = true;
        }
        if (pol.type == PolicyType::audit_mandate && !pol.compliance.years.empty())
            audit_first[static_cast<std::size_t>(p)].assign(f.count, kNever);
    }

    lay_out_blocks();
    rec.allocate(static_cast<std::size_t>(steps), SZK(), SZ(), static_cast<std::size_t>(T),
                 static_cast<std::size_t>(P));
    if (f.step_offset > 0) install_base();
}

// Firms, output and output x intensity factor per (sector, size). The sums are taken
// in block order: per-block partials, gathered from every rank, then added block by
// block.
void Model::State::sum_cells() {
    n_sz.assign(SZ(), 0);
    out0_sz.assign(SZ(), 0.0);
    x_sz.assign(SZ(), 0.0);
    for (std::size_t c = 0; c < SZ(); ++c) n_sz[c] = static_cast<std::int64_t>(offsets[c + 1] - offsets[c]);
    const std::uint64_t mine = own.last - own.first;
    std::vector<double> part(mine * 2 * SZ(), 0.0);
#pragma omp parallel for schedule(static)
    for (std::int64_t b = static_cast<std::int64_t>(own.first); b < static_cast<std::int64_t>(own.last); ++b) {
        const auto ub = static_cast<std::uint64_t>(b);
        double* o = &part[(ub - own.first) * 2 * SZ()];
        double* x = o + SZ();
        for (std::uint64_t i = ub * kFirmBlock; i < block_end(ub); ++i) {
            const std::uint64_t li = i - f.first;
            const std::size_t c = sz(f.sector[li], f.size_class[li]);
            o[c] += static_cast<double>(f.output[li]);
            x[c] += static_cast<double>(f.output[li]) * static_cast<double>(f.intensity[li]);
        }
    }
    const std::vector<double> all = split() ? gather(part.data(), part.size()) : std::move(part);
    for (std::uint64_t b = 0; b < blocks; ++b)
        for (std::size_t c = 0; c < SZ(); ++c) {
            out0_sz[c] += all[b * 2 * SZ() + c];
            x_sz[c] += all[b * 2 * SZ() + SZ() + c];
        }
}

// Reference annual cost per (sector, size): start-year prices, no green equipment.
void Model::State::reference_cost() {
    ref_cost_sz.assign(SZ(), 0.0);
    const double y0 = sc.run.step_year(0);
    for (int s = 0; s < S; ++s) {
        const Sector& sec = sc.sectors[static_cast<std::size_t>(s)];
        double pf = 0;
        for (const auto& fs : sec.fuel_mix) pf += fs.share * sc.fuels[static_cast<std::size_t>(fs.fuel)].price.at(y0);
        const double pe = sc.electricity_price.at(y0);
        for (int z = 0; z < kSizeClasses; ++z) {
            const std::size_t c = sz(s, z);
            ref_cost_sz[c] = sec.nonenergy_cost * out0_sz[c] +
                             x_sz[c] * (sec.electricity_intensity[static_cast<std::size_t>(z)] * pe +
                                        sec.heat_intensity[static_cast<std::size_t>(z)] * pf);
        }
    }
}

// The cells each block of the run covers, and the per-step scratch of the blocks
// held here.
void Model::State::lay_out_blocks() {
    const std::uint64_t mine = own.last - own.first;  // scratch only for the blocks held here
    cell_lo.resize(blocks);
    cell_n.resize(blocks);
    for (std::uint64_t b = 0; b < blocks; ++b) {
        // (sector, size) cell of a firm: the last offset at or below it
        auto cell_of = [&](std::uint64_t firm) {
            const auto it = std::upper_bound(offsets.begin(), offsets.end(), firm);
            return static_cast<std::uint32_t>(it - offsets.begin() - 1);
        };
        const std::uint32_t lo = cell_of(b * kFirmBlock), hi = cell_of(block_end(b) - 1);
        cell_lo[b] = lo * static_cast<std::uint32_t>(T);
        cell_n[b] = (hi - lo + 1) * static_cast<std::uint32_t>(T);
    }
    flow_at.resize(mine + 1, 0);
    for (std::uint64_t j = 0; j < mine; ++j) flow_at[j + 1] = flow_at[j] + cell_n[own.first + j];
    flows.assign(flow_at[mine], Flow{});
    block_apps.resize(mine);
    block_pending.resize(mine);
    block_policy.assign(mine * static_cast<std::size_t>(P), detail::PolicyFlow{});
    if (bass) bass_open.resize(mine * static_cast<std::size_t>(T));
    block_keys.resize(mine);
    block_eligible.resize(mine);
}

void Model::State::Rec::allocate(std::size_t steps, std::size_t nszk, std::size_t nsz, std::size_t techs,
                                 std::size_t policies) {
    for (auto* v : {&adopters, &aware, &new_adopters}) v->assign(steps * nszk, 0);
    for (auto* v : {&capacity, &displaced, &inv_total, &inv_private, &grant, &fund, &loan, &loan_value, &local_demand})
        v->assign(steps * nszk, 0.0);
    for (auto* v : {&output, &elec, &fuel, &energy_cost, &carbon_cost, &co2, &total_cost}) v->assign(steps * nsz, 0.0);
    for (auto* v : {&capex, &local_content}) v->assign(steps * techs, 0.0);
    for (auto* v : {&elec_price, &grid_ef, &carbon_price}) v->assign(steps, 0.0);
    for (auto* v : {&labelled, &assisted, &audited}) v->assign(steps, 0);
    for (auto* v : {&budget_available, &budget_used, &cost}) v->assign(steps * policies, 0.0);
    for (auto* v : {&served, &unserved, &obliged, &limited_by}) v->assign(steps * policies, 0);
}

// The installed base (generate_firms equipped its firms, with their ages): what it
// adds to the stocks at the start, and, by the step at which it reaches its
// lifetime, what retires. Sized like an adoption at the start (start-year demand and
// capex, the firm's own money). Summed block by block in block order, every block's
// firms in firm order, so the sums are the same for any thread count and any split
// over ranks. Not counted in the domestic capacity that drives learning: it was
// installed before the run.
void Model::State::install_base() {
    const auto uT = static_cast<std::size_t>(T);
    int longest = 0;
    for (const auto& k : sc.technologies) longest = std::max(longest, k.lifetime * spy);
    // slots: retiring at step r < R, then one for equipment that outlives the run
    const auto R = static_cast<std::size_t>(std::min(steps, longest));
    const std::uint64_t mine = own.last - own.first;
    std::vector<std::size_t> at(mine + 1, 0);  // where each own block's slots start
    for (std::uint64_t j = 0; j < mine; ++j) at[j + 1] = at[j] + (R + 1) * cell_n[own.first + j];
    std::vector<Flow> part(at[mine]);
#pragma omp parallel for schedule(static)
    for (std::int64_t b = static_cast<std::int64_t>(own.first); b < static_cast<std::int64_t>(own.last); ++b) {
        const auto ub = static_cast<std::uint64_t>(b);
        Flow* const slots = part.data() + at[ub - own.first];
        for (std::uint64_t i = ub * kFirmBlock; i < block_end(ub); ++i) {
            const std::uint64_t li = i - f.first;
            const int s = f.sector[li], z = f.size_class[li];
            const Sector& sec = sc.sectors[static_cast<std::size_t>(s)];
            const double scale = static_cast<double>(f.output[li]) * static_cast<double>(f.intensity[li]);
            const bool credit = f.flags[li] & firm_flag::credit;
            for (int k = 0; k < T; ++k) {
                const std::uint16_t a = f.adopted_step[f.at(li, k)];
                if (a >= f.step_offset) continue;  // not equipped (kNotAdopted, kInfeasible)
                const Technology& tech = sc.technologies[static_cast<std::size_t>(k)];
                const bool heat = tech.acts_on == Carrier::heat;
                double kwh = tech.savings_fraction * scale *
                             (heat ? sec.heat_intensity : sec.electricity_intensity)[static_cast<std::size_t>(z)];
                if (tech.max_capacity > 0) kwh = std::min(kwh, tech.max_capacity * tech.yield);
                const double capex = kwh * tech.capex / tech.yield + tech.transaction_cost;
                const double h = sec.hurdle_rate[static_cast<std::size_t>(z)] + (credit ? 0.0 : sc.decision.no_credit_premium);
                // in service for lifetime steps from its installation, a - offset steps before the start
                const int retire = tech.lifetime * spy - f.step_offset + a;
                const std::size_t slot = std::min(static_cast<std::size_t>(std::max(retire, 0)), R);
                Flow& fl = slots[slot * cell_n[ub] + (szk(s, z, k) - cell_lo[ub])];
                fl.adopt(kwh, capex, 0.0, 0.0, capex / finance::annuity_factor(h, tech.lifetime));
            }
        }
    }
    const std::vector<Flow> all = split() ? gather(part.data(), part.size()) : std::move(part);
    std::vector<Flow> total((R + 1) * SZK());
    {
        const Flow* in = all.data();
        for (std::uint64_t b = split() ? 0 : own.first; b < (split() ? blocks : own.last); ++b)
            for (std::size_t r = 0; r <= R; ++r)
                for (std::uint32_t j = 0; j < cell_n[b]; ++j) total[r * SZK() + cell_lo[b] + j].add(*in++);
    }
    initial_vintage.assign(R * SZK(), Vintage{});
    for (std::size_t r = 0; r <= R; ++r)
        for (std::size_t c = 0; c < SZK(); ++c) {
            const Flow& fl = total[r * SZK() + c];
            if (fl.adopters == 0) continue;
            const Technology& tech = sc.technologies[c % uT];
            Vintage v;
            v.count = fl.adopters;
            v.capacity = fl.kwh / tech.yield;
            v.displaced = fl.kwh;
            v.extra = fl.kwh * tech.extra_electricity;
            v.opex = v.capacity * tech.opex;
            v.capital = fl.capital_yr;
            adopters[c] += v.count;
            aware[c] += v.count;
            capacity[c] += v.capacity;
            displaced[c] += v.displaced;
            extra_elec[c] += v.extra;
            opex_yr[c] += v.opex;
            capital_yr[c] += v.capital;
            if (r < R) initial_vintage[r * SZK() + c] = v;
        }
}

// One step: the phases of docs/model.md ("A step") in order, each timed.
void Model::State::do_step() {
    auto mark = std::chrono::steady_clock::now();
    auto lap = [&](Phase phase) {
        const auto now = std::chrono::steady_clock::now();
        phase_seconds[static_cast<std::size_t>(phase)] += std::chrono::duration<double>(now - mark).count();
        mark = now;
    };
    retire();
    lap(Phase::retire);
    const StepTables tab = tables();
    std::fill(flows.begin(), flows.end(), Flow{});  // the step's flows: audits and the firm pass add to them
    lap(Phase::tables);
    if (tab.new_year) {
        yearly(tab.year);
        lap(Phase::yearly);
    }
    firm_pass(tab);
    lap(Phase::firm_pass);
    const BudgetQueue queue = budgets(tab);
    lap(Phase::budgets);
    settle(tab, queue);
    lap(Phase::settle);
    record(tab);
    lap(Phase::record);
    ++t;
}

// 1. Retirement: equipment that reached the end of its life leaves the stocks (not
//    in bass mode: the closed form it is checked against has no retirement).
void Model::State::retire() {
    if (bass) return;
    const std::size_t nszk = SZK();
    // the installed base, by the step it reaches its lifetime
    if (static_cast<std::size_t>(t) * nszk < initial_vintage.size())
        for (std::size_t c = 0; c < nszk; ++c) {
            const Vintage& v = initial_vintage[static_cast<std::size_t>(t) * nszk + c];
            if (v.count == 0) continue;
            adopters[c] -= v.count;
            capacity[c] -= v.capacity;
            displaced[c] -= v.displaced;
            extra_elec[c] -= v.extra;
            opex_yr[c] -= v.opex;
            capital_yr[c] -= v.capital;
        }
    for (int k = 0; k < T; ++k) {
        const int life = sc.technologies[static_cast<std::size_t>(k)].lifetime * spy;
        if (t - life < 0) continue;
        const auto vt = static_cast<std::size_t>(t - life);
        for (int s = 0; s < S; ++s)
            for (int z = 0; z < kSizeClasses; ++z) {
                const std::size_t c = szk(s, z, k);
                const Vintage& v = vintage[vt * nszk + c];
                adopters[c] -= v.count;
                capacity[c] -= v.capacity;
                displaced[c] -= v.displaced;
                extra_elec[c] -= v.extra;
                opex_yr[c] -= v.opex;
                capital_yr[c] -= v.capital;
            }
    }
}

// 2. Prices and learning, and from them the step's tables: what the later phases
//    read about this step, computed once here.
StepTables Model::State::tables() const {
    StepTables tab;
    tab.y = sc.run.step_year(t);
    tab.year = sc.run.start_year + t / spy;
    tab.new_year = t % spy == 0;
    tab.decision = &sc.decision;
    tab.dt = dt;
    tables_prices(tab);
    tables_economics(tab);
    tables_instruments(tab);
    tables_draws(tab);
    return tab;
}

// Exogenous paths, carbon price, learning.
void Model::State::tables_prices(StepTables& tab) const {
    const double y = tab.y;
    tab.pe = sc.electricity_price.at(y);
    tab.efe = sc.grid_emission_factor.at(y) / 1000.0;  // tCO2 per kWh
    for (const auto& pol : sc.policies) {
        if (pol.type != PolicyType::carbon_price || !pol.active(tab.year)) continue;
        const double c = pol.price.at(y);
        if (pol.on_electricity) tab.carbon_e += c;
        if (pol.on_heat) tab.carbon_h += c;
    }
    tab.pf.assign(static_cast<std::size_t>(S), 0.0);
    tab.eff.assign(static_cast<std::size_t>(S), 0.0);
    for (int s = 0; s < S; ++s) {
        double p = 0, e = 0;
        for (const auto& fs : sc.sectors[static_cast<std::size_t>(s)].fuel_mix) {
            const Fuel& fu = sc.fuels[static_cast<std::size_t>(fs.fuel)];
            p += fs.share * fu.price.at(y);
            e += fs.share * fu.emission_factor / 1000.0;
        }
        tab.pf[static_cast<std::size_t>(s)] = p;
        tab.eff[static_cast<std::size_t>(s)] = e;
    }
    tab.capex.assign(static_cast<std::size_t>(T), 0.0);
    for (int k = 0; k < T; ++k) {
        const Technology& tech = sc.technologies[static_cast<std::size_t>(k)];
        const double w0 = tech.world_capacity.at(sc.run.step_year(0));
        tab.capex[static_cast<std::size_t>(k)] =
            wright_cost(tech.capex, w0, tech.world_capacity.at(y) + cumulative[static_cast<std::size_t>(k)],
                        tech.learning_rate);
    }
}

// What a kWh displaced is worth and costs, per (sector, size, technology): the
// intensity is the size class's; annuity factors per (sector, size, technology,
// credit): the hurdle rate rises for firms without credit.
void Model::State::tables_economics(StepTables& tab) const {
    tab.unit.assign(SZK(), Unit{});
    for (int s = 0; s < S; ++s) {
        const Sector& sec = sc.sectors[static_cast<std::size_t>(s)];
        const double g = growth[static_cast<std::size_t>(s)];
        const double pf = tab.pf[static_cast<std::size_t>(s)], eff = tab.eff[static_cast<std::size_t>(s)];
        for (int k = 0; k < T; ++k) {
            const Technology& tech = sc.technologies[static_cast<std::size_t>(k)];
            const bool heat = tech.acts_on == Carrier::heat;
            const double value = heat ? pf + tab.carbon_h * eff : tab.pe + tab.carbon_e * tab.efe;
            const double extra_cost = tech.extra_electricity * (tab.pe + tab.carbon_e * tab.efe);
            const double co2 = (heat ? eff : tab.efe) - tech.extra_electricity * tab.efe;
            for (int z = 0; z < kSizeClasses; ++z) {
                Unit& u = tab.unit[szk(s, z, k)];
                u.saving = value - extra_cost - tech.opex / tech.yield;
                u.cost = tab.capex[static_cast<std::size_t>(k)] / tech.yield;
                u.co2 = co2;
                u.demand = g * (heat ? sec.heat_intensity : sec.electricity_intensity)[static_cast<std::size_t>(z)];
                u.fixed = tech.transaction_cost;
                u.max_kwh = tech.max_capacity > 0 ? tech.max_capacity * tech.yield : std::numeric_limits<double>::infinity();
            }
        }
    }
    tab.af.assign(SZK() * 2, 0.0);
    for (int s = 0; s < S; ++s)
        for (int z = 0; z < kSizeClasses; ++z)
            for (int k = 0; k < T; ++k)
                for (int cr = 0; cr < 2; ++cr) {
                    const double h = sc.sectors[static_cast<std::size_t>(s)].hurdle_rate[static_cast<std::size_t>(z)] +
                                     (cr ? 0.0 : sc.decision.no_credit_premium);
                    tab.af[szk(s, z, k) * 2 + static_cast<std::size_t>(cr)] =
                        finance::annuity_factor(h, sc.technologies[static_cast<std::size_t>(k)].lifetime);
                }
}

// The active instruments that enter the firm's economics, and the ones a (sector,
// size, technology) cell is eligible for on its fixed criteria; what depends on the
// firm (label, project size, credit) is checked in the firm pass. Offsets into flat
// lists, so the hot loop scans only what can apply.
void Model::State::tables_instruments(StepTables& tab) const {
    for (int p = 0; p < P; ++p) {
        const Policy& pol = sc.policies[static_cast<std::size_t>(p)];
        if (!pol.active(tab.year)) continue;
        if (is_budgeted(pol.type)) tab.programmes.push_back(p);
        if (pol.has_envelope()) tab.credit_lines.push_back(p);
        if (pol.type == PolicyType::technical_assistance) tab.ta_lift = std::max(tab.ta_lift, pol.awareness_lift);
        if (pol.type == PolicyType::concessional_loan) {
            Loan l{&pol, p, std::vector<double>(SZ())};
            for (int s = 0; s < S; ++s)
                for (int z = 0; z < kSizeClasses; ++z)
                    l.value[sz(s, z)] = finance::concessional_loan_value(
                        sc.sectors[static_cast<std::size_t>(s)].hurdle_rate[static_cast<std::size_t>(z)],
                        pol.interest, pol.tenor);
            tab.loans.push_back(std::move(l));
        }
    }
    tab.is_grant.assign(static_cast<std::size_t>(P), 0);
    for (int p = 0; p < P; ++p)
        tab.is_grant[static_cast<std::size_t>(p)] =
            sc.policies[static_cast<std::size_t>(p)].type == PolicyType::capex_grant;

    tab.prog_begin.assign(SZK() + 1, 0);
    tab.loan_begin.assign(SZK() + 1, 0);
    auto statically_eligible = [&](const Eligibility& e, int s, int z, int k) {
        return contains(e.size_classes, z) && contains(e.sectors, s) && contains(e.technologies, k);
    };
    for (int s = 0; s < S; ++s)
        for (int z = 0; z < kSizeClasses; ++z)
            for (int k = 0; k < T; ++k) {
                const std::size_t c = szk(s, z, k);
                for (int p : tab.programmes)
                    if (statically_eligible(sc.policies[static_cast<std::size_t>(p)].eligible, s, z, k))
                        tab.prog_list.push_back(static_cast<std::uint16_t>(p));
                for (std::size_t l = 0; l < tab.loans.size(); ++l)
                    if (statically_eligible(tab.loans[l].pol->eligible, s, z, k))
                        tab.loan_list.push_back(static_cast<std::uint16_t>(l));
                tab.prog_begin[c + 1] = static_cast<std::uint32_t>(tab.prog_list.size());
                tab.loan_begin[c + 1] = static_cast<std::uint32_t>(tab.loan_list.size());
            }
}

// What the firm pass compares its draws with: the probability over the step of
// becoming aware (in bass mode, of adopting), [sector, technology][assisted], and
// the ceiling of the decision curves, as thresholds on the raw 32-bit words, so the
// firm loop does no transcendental math; and each technology's life in steps.
void Model::State::tables_draws(StepTables& tab) const {
    const auto uT = static_cast<std::size_t>(T);
    tab.aware_thr.assign(static_cast<std::size_t>(S) * uT, {});
    for (int s = 0; s < S; ++s) {
        for (int k = 0; k < T; ++k) {
            // peers: the firms for which the technology is feasible (all, by default)
            const std::int64_t firms = feasible_sk[static_cast<std::size_t>(s) * uT + static_cast<std::size_t>(k)];
            std::int64_t a = 0;
            for (int z = 0; z < kSizeClasses; ++z) a += adopters[szk(s, z, k)];
            const double share = firms > 0 ? static_cast<double>(a) / static_cast<double>(firms) : 0.0;
            const Technology& tech = sc.technologies[static_cast<std::size_t>(k)];
            const double h = tech.bass_p + tech.bass_q * share;
            tab.aware_thr[static_cast<std::size_t>(s) * uT + static_cast<std::size_t>(k)] = {
                word_threshold(finance::hazard_probability(h, dt)),
                word_threshold(finance::hazard_probability(h + tab.ta_lift, dt))};
        }
    }
    // No curve exceeds its maximum (logistic: max_rate; max-market-share: speed x
    // the curve's top): a draw at or above that step probability cannot adopt or
    // apply whatever the economics, so the economics are skipped.
    const Decision& dec = sc.decision;
    double curve_max = dec.max_rate;
    if (dec.rule == DecisionRule::max_market_share) {
        double top = 0;
        for (double v : dec.mms_curve.values) top = std::max(top, v);
        curve_max = dec.speed * top;
    }
    tab.ceiling_thr = word_threshold(finance::step_probability(curve_max, dt));
    tab.life_steps.assign(uT, 0);
    for (int k = 0; k < T; ++k)
        tab.life_steps[static_cast<std::size_t>(k)] = sc.technologies[static_cast<std::size_t>(k)].lifetime * spy;
}

// Annual adoption probability of an aware firm, from its economics, over the step.
double StepTables::adoption_probability(double outlay, double annual_saving, double af_h, double loan_gain) const {
    const Decision& dec = *decision;
    double annual;
    if (dec.rule == DecisionRule::max_market_share) {
        const double pb = finance::simple_payback(outlay, annual_saving);
        annual = dec.speed * (std::isfinite(pb) ? dec.mms_curve.at(pb) : 0.0);
    } else {
        const double npv = annual_saving * af_h - outlay + loan_gain;
        const double pi = outlay > 0 ? npv / outlay : kBigIndex;
        annual = dec.max_rate / (1.0 + std::exp(-dec.steepness * (pi - dec.midpoint)));
    }
    return finance::step_probability(annual, dt);
}

// The active loan of policy `policy` (a credit line whose application was served).
const Loan* StepTables::loan_of(int policy) const {
    for (const Loan& l : loans)
        if (l.index == policy) return &l;
    return nullptr;
}

// The first concessional loan open to a firm with credit in `cell` ((sector, size)
// `size_cell`), for a project of `project_capex`, among those that raise its NPV (a
// rate below its hurdle rate); nullptr if none.
const Loan* StepTables::first_loan(std::size_t cell, std::size_t size_cell, bool labelled, double project_capex) const {
    for (std::uint32_t j = loan_begin[cell]; j < loan_begin[cell + 1]; ++j) {
        const Loan& l = loans[loan_list[j]];
        const Eligibility& e = l.pol->eligible;
        if ((!e.labelled_only || labelled) && project_capex >= e.min_project_capex && l.value[size_cell] > 0) return &l;
    }
    return nullptr;
}

// 3. Once a year, at its first step: budgets reset, the fund's lift to local
//    content, then labels and technical assistance (policy by policy), then audits.
void Model::State::yearly(int year) {
    for (int p = 0; p < P; ++p) {
        const Policy& pol = sc.policies[static_cast<std::size_t>(p)];
        const auto up = static_cast<std::size_t>(p);
        available[up] = !pol.active(year)       ? 0.0
                        : is_budgeted(pol.type) ? pol.annual_budget
                        : pol.has_envelope()    ? pol.annual_lending
                                                : 0.0;
        remaining[up] = available[up];
        if (pol.type == PolicyType::green_investment_fund && pol.active(year) && pol.local_content_lift > 0) {
            for (int k = 0; k < T; ++k) {
                if (!contains(pol.eligible.technologies, k)) continue;
                auto& lc = local_content[static_cast<std::size_t>(k)];
                lc = std::max(lc, std::min(pol.local_content_max, lc + pol.local_content_lift));
            }
        }
    }
    for (int p = 0; p < P; ++p) {
        const Policy& pol = sc.policies[static_cast<std::size_t>(p)];
        if (!pol.active(year)) continue;
        if (pol.type == PolicyType::tpme_label || pol.type == PolicyType::technical_assistance) select(p, year);
    }
    for (int p = 0; p < P; ++p) {
        const Policy& pol = sc.policies[static_cast<std::size_t>(p)];
        obliged[static_cast<std::size_t>(p)] = 0;
        if (pol.type != PolicyType::audit_mandate || !pol.active(year)) continue;
        audit(p, year, (year - pol.start_year) % pol.period == 0);
    }
}

// A label or assistance policy picks up to `capacity` of its eligible firms: those
// with the smallest random keys, so the choice does not depend on threads or ranks.
void Model::State::select(int p, int year) {
    const Policy& pol = sc.policies[static_cast<std::size_t>(p)];
    const bool label = pol.type == PolicyType::tpme_label;
    const std::uint8_t mark = label ? firm_flag::labelled : firm_flag::assisted;
    select_candidates(p, year);
    // Keys are uniform 64-bit words, so the `capacity` smallest of the m
    // candidates lie below about capacity/m of the range: gather only the keys
    // under a cut-off set a few standard deviations above that. If fewer than `capacity` pass, gather
    // them all; either way the selection is exact. (One process: ranks would need
    // the global count first.)
    std::uint64_t cutoff = ~std::uint64_t{0};
    std::uint64_t m = 0;
    for (auto e : block_eligible) m += e;
    if (!split() && pol.capacity > 0 && m > 2 * pol.capacity) {
        const double want = static_cast<double>(pol.capacity) + 6.0 * std::sqrt(static_cast<double>(pol.capacity)) + 64.0;
        if (want < static_cast<double>(m)) cutoff = static_cast<std::uint64_t>(std::ldexp(want / static_cast<double>(m), 64));
    }
    std::vector<KeyedFirm> all;
    for (int attempt = 0; attempt < 2; ++attempt) {
        all.clear();
        for (const auto& keys : block_keys)
            for (const KeyedFirm& k : keys)
                if (k.key < cutoff) all.push_back(k);
        if (all.size() >= std::min<std::uint64_t>(pol.capacity, m)) break;
        cutoff = ~std::uint64_t{0};  // too few under the cut-off: take every key
    }
    if (split()) all = gather(all.data(), all.size());
    const std::size_t n = select_smallest(all, pol.capacity);
    for (std::size_t j = 0; j < n; ++j)
        if (all[j].firm >= f.first && all[j].firm < f.first + f.count) f.flags[all[j].firm - f.first] |= mark;
    (label ? labelled : assisted) += static_cast<std::int64_t>(n);
    const std::size_t at = static_cast<std::size_t>(t) * static_cast<std::size_t>(P) + static_cast<std::size_t>(p);
    rec.served[at] += static_cast<std::int64_t>(n);
    rec.limited_by[at] = static_cast<std::int64_t>(n >= pol.capacity ? PolicyLimit::capacity : PolicyLimit::eligible);
}

// The candidates of a label or assistance policy, block by block: each eligible firm
// not yet marked, with its random key; only a block's `capacity` smallest keys are
// kept, as only they can be among the run's smallest ((key, firm) is a total order).
void Model::State::select_candidates(int p, int year) {
    const Policy& pol = sc.policies[static_cast<std::size_t>(p)];
    const std::uint32_t year_index = static_cast<std::uint32_t>(year - sc.run.start_year);
    const bool label = pol.type == PolicyType::tpme_label;
    const Purpose purpose = label ? Purpose::label : Purpose::assist;
    const std::uint8_t mark = label ? firm_flag::labelled : firm_flag::assisted;
    // eligibility by (sector, size class), looked up once per firm
    std::vector<std::uint8_t> cell_ok(SZ());
    for (int s = 0; s < S; ++s)
        for (int z = 0; z < kSizeClasses; ++z)
            cell_ok[sz(s, z)] = contains(pol.eligible.size_classes, z) && contains(pol.eligible.sectors, s);
#pragma omp parallel for schedule(static)
    for (std::int64_t b = static_cast<std::int64_t>(own.first); b < static_cast<std::int64_t>(own.last); ++b) {
        const auto ub = static_cast<std::uint64_t>(b);
        auto& keys = block_keys[ub - own.first];
        keys.clear();
        block_eligible[ub - own.first] = 0;
        // blocks with no eligible cell are skipped whole
        const std::size_t c_lo = cell_lo[ub] / static_cast<std::size_t>(T);
        const std::size_t c_hi = c_lo + cell_n[ub] / static_cast<std::size_t>(T);
        if (std::find(cell_ok.begin() + static_cast<std::ptrdiff_t>(c_lo),
                      cell_ok.begin() + static_cast<std::ptrdiff_t>(c_hi), 1) ==
            cell_ok.begin() + static_cast<std::ptrdiff_t>(c_hi))
            continue;
        for (std::uint64_t i = ub * kFirmBlock; i < block_end(ub); ++i) {
            const std::uint64_t li = i - f.first;
            const std::uint8_t fl = f.flags[li];
            if (fl & mark) continue;
            if (label && !(fl & firm_flag::high_growth)) continue;
            if (pol.eligible.labelled_only && !(fl & firm_flag::labelled)) continue;
            if (!cell_ok[sz(f.sector[li], f.size_class[li])]) continue;
            const auto w = philox_words(sc.run.seed, sc.run.run_index, static_cast<std::uint32_t>(i),
                                        year_index, purpose_word(purpose, static_cast<std::uint32_t>(p)));
            keys.push_back({key64(w[0], w[1]), static_cast<std::uint32_t>(i)});
        }
        block_eligible[ub - own.first] = keys.size();
        if (keys.size() > pol.capacity) {
            const auto cut = keys.begin() + static_cast<std::ptrdiff_t>(pol.capacity);
            std::nth_element(keys.begin(), cut, keys.end());
            keys.erase(cut, keys.end());
        }
    }
}

// An audit mandate, every year it is active: the eligible firms above the threshold
// are obliged. Without a compliance curve they are all audited in the start year and
// every `period` years after (`audit_year`); with one, a firm has its first audit in
// the first year in which the curve passes the point it drew (once, from the seed),
// and again every `period` years after that. An audit makes the firm aware of every
// technology that is feasible for it.
void Model::State::audit(int p, int year, bool audit_year) {
    const Policy& pol = sc.policies[static_cast<std::size_t>(p)];
    const double threshold = pol.threshold_toe * kKwhPerToe;
    const bool curve = !pol.compliance.years.empty();
    const double share = curve ? pol.compliance.at(year) : 1.0;
    const auto since_start = static_cast<std::uint16_t>(year - sc.run.start_year);
    std::uint16_t* const first_audit = curve ? audit_first[static_cast<std::size_t>(p)].data() : nullptr;
    // per (sector, size): eligible, and the kWh per MAD of output (both carriers)
    std::vector<std::uint8_t> cell_ok(SZ());
    std::vector<double> kwh_per_mad(SZ());
    for (int s = 0; s < S; ++s)
        for (int z = 0; z < kSizeClasses; ++z) {
            const Sector& sec = sc.sectors[static_cast<std::size_t>(s)];
            cell_ok[sz(s, z)] = contains(pol.eligible.size_classes, z) && contains(pol.eligible.sectors, s);
            kwh_per_mad[sz(s, z)] =
                sec.electricity_intensity[static_cast<std::size_t>(z)] + sec.heat_intensity[static_cast<std::size_t>(z)];
        }
    std::int64_t count = 0, above = 0;
#pragma omp parallel for schedule(static) reduction(+ : count, above)
    for (std::int64_t b = static_cast<std::int64_t>(own.first); b < static_cast<std::int64_t>(own.last); ++b) {
        const auto ub = static_cast<std::uint64_t>(b);
        Flow* const flow = block_flows(ub);
        for (std::uint64_t i = ub * kFirmBlock; i < block_end(ub); ++i) {
            const std::uint64_t li = i - f.first;
            const int s = f.sector[li], z = f.size_class[li];
            const std::size_t c = sz(s, z);
            if (!cell_ok[c]) continue;
            if (pol.eligible.labelled_only && !(f.flags[li] & firm_flag::labelled)) continue;
            const double energy = static_cast<double>(f.output[li]) * static_cast<double>(f.intensity[li]) *
                                  growth[static_cast<std::size_t>(s)] * kwh_per_mad[c];
            if (energy < threshold) continue;
            ++above;
            bool audited = audit_year;
            if (curve) {
                if (first_audit[li] == kNever) {
                    const auto w = philox_words(sc.run.seed, sc.run.run_index, static_cast<std::uint32_t>(i), kInitStep,
                                                purpose_word(Purpose::audit, static_cast<std::uint32_t>(p)));
                    audited = u01(w[0]) < share;
                    if (audited) first_audit[li] = since_start;
                } else {
                    audited = (since_start - first_audit[li]) % pol.period == 0;
                }
            }
            if (!audited) continue;
            ++count;
            for (int k = 0; k < T; ++k) {
                if (f.adopted_step[f.at(li, k)] == kInfeasible || !contains(pol.eligible.technologies, k)) continue;
                auto& st = f.status[f.at(li, k)];
                if (!(st & tech_status::aware)) {
                    st |= tech_status::aware;
                    ++flow[szk(s, z, k)].aware;
                }
            }
        }
    }
    if (split()) {
        const std::array<std::int64_t, 2> mine{count, above};
        const auto all = gather(mine.data(), 2);
        count = above = 0;
        for (std::size_t r = 0; r < all.size(); r += 2) {
            count += all[r];
            above += all[r + 1];
        }
    }
    obliged[static_cast<std::size_t>(p)] = above;
    rec.audited[static_cast<std::size_t>(t)] += count;
    rec.served[static_cast<std::size_t>(t) * static_cast<std::size_t>(P) + static_cast<std::size_t>(p)] += count;
}

// 4. Firm pass, block by block in parallel: each firm reads its own state and
//    the step's tables, writes only its own state and its block's flows and lists.
void Model::State::firm_pass(const StepTables& tab) {
#pragma omp parallel for schedule(dynamic, 4)
    for (std::int64_t b = static_cast<std::int64_t>(own.first); b < static_cast<std::int64_t>(own.last); ++b) {
        const auto ub = static_cast<std::uint64_t>(b);
        const std::size_t slot = ub - own.first;
        block_apps[slot].clear();
        block_pending[slot].clear();
        if (bass) bass_pass(ub, block_flows(ub), tab);
        else firm_block(ub, tab);
    }
    if (bass) bass_open_built = true;
}

// The firm pass over block `b`: for each firm and technology not in service,
// awareness, then (under the ceiling) the economics and the decision. One Philox
// call serves two technologies (awareness and decision uniforms for each).
void Model::State::firm_block(std::uint64_t b, const StepTables& tab) {
    const std::size_t slot = b - own.first;
    auto& apps = block_apps[slot];
    auto& pending = block_pending[slot];
    Flow* const flow = block_flows(b);
    // Locals, so that writes through the byte columns do not force the compiler
    // to reload the model's members in the inner loop.
    const int nT = T;
    const int tnow = t + f.step_offset;  // as adopted_step counts
    detail::PolicyFlow* const policy_flow = block_policy.data() + slot * static_cast<std::size_t>(P);
    // what a firm asks this step of the programmes that cap per firm (firm_caps only)
    thread_local std::vector<double> asked;
    asked.assign(firm_caps ? static_cast<std::size_t>(P) : 0, 0.0);
    std::uint16_t* const adopted_col = f.adopted_step.data();
    std::uint8_t* const status_col = f.status.data();
    const std::uint64_t first = f.first;
    const std::uint16_t* const sector_col = f.sector.data();
    const std::uint8_t* const size_col = f.size_class.data();
    const std::uint8_t* const flags_col = f.flags.data();
    const float* const output_col = f.output.data();
    const float* const intensity_col = f.intensity.data();
    const int* const life = tab.life_steps.data();
    const std::array<std::uint64_t, 2>* const athr = tab.aware_thr.data();
    const std::uint64_t ceiling_thr = tab.ceiling_thr;
    const std::uint64_t seed = sc.run.seed;
    const std::uint32_t run = sc.run.run_index;
    const auto uT = static_cast<std::size_t>(T);
    // The draws of (firm, pair of technologies) come from batched Philox calls,
    // a chunk of firms at a time, once the chunk has a firm with something to decide.
    thread_local std::vector<std::uint32_t> draws;
    const std::size_t pairs = (uT + 1) / 2;
    draws.resize(pairs * kDrawChunk * 4);
    std::uint64_t chunk = ~std::uint64_t{0};  // first firm of the chunk whose draws are held
    for (std::uint64_t i = b * kFirmBlock; i < block_end(b); ++i) {
        const std::uint64_t li = i - first;
        std::uint16_t* const adopted = adopted_col + li * static_cast<std::uint64_t>(nT);
        // Firms with every technology in service have nothing to decide: check
        // that before loading anything else about them.
        bool busy = true;
        for (int k = 0; k < nT && busy; ++k)
            busy = adopted[k] != kNotAdopted && tnow - adopted[k] < life[k];
        if (busy) continue;
        if (chunk == ~std::uint64_t{0} || i - chunk >= kDrawChunk) {
            chunk = i - (i - b * kFirmBlock) % kDrawChunk;
            const std::uint64_t n = std::min(kDrawChunk, block_end(b) - chunk);
            for (std::size_t m = 0; m < pairs; ++m)
                philox_fill(seed, run, static_cast<std::uint32_t>(chunk), static_cast<std::uint32_t>(tnow),
                            purpose_word(Purpose::firm_step, static_cast<std::uint32_t>(m)), n,
                            &draws[m * kDrawChunk * 4]);
        }
        const std::uint8_t fl = flags_col[li];
        if (firm_caps) std::fill(asked.begin(), asked.end(), 0.0);
        const FirmView firm{static_cast<std::uint32_t>(i), li, sector_col[li], size_col[li],
                            (fl & firm_flag::credit) ? 1 : 0, (fl & firm_flag::labelled) != 0,
                            static_cast<double>(output_col[li]) * static_cast<double>(intensity_col[li])};
        const std::size_t helped = (fl & firm_flag::assisted) ? 1 : 0;
        const std::uint32_t* const my_draws = &draws[(i - chunk) * 4];
        const std::size_t cell0 = szk(firm.sector, firm.size, 0);
        for (int k = 0; k < nT; ++k) {
            const std::size_t idx = li * static_cast<std::size_t>(nT) + static_cast<std::size_t>(k);
            if (adopted[k] != kNotAdopted) {
                if (tnow - adopted[k] < life[k]) continue;
                adopted[k] = kNotAdopted;  // retired; the firm may re-equip
            }
            // technologies 2m and 2m+1 share the draw of pair m
            const std::uint32_t* const w =
                my_draws + static_cast<std::size_t>(k / 2) * kDrawChunk * 4 + static_cast<std::size_t>(k % 2) * 2;
            const std::size_t sk = static_cast<std::size_t>(firm.sector) * uT + static_cast<std::size_t>(k);
            const std::size_t cell = cell0 + static_cast<std::size_t>(k);
            std::uint8_t& st = status_col[idx];
            if (!(st & tech_status::aware)) {
                if (w[0] >= athr[sk][helped]) continue;
                st |= tech_status::aware;
                ++flow[cell].aware;
            }
            if (w[1] >= ceiling_thr) continue;
            decide(tab, firm, k, u01(w[1]), adopted[k], flow[cell], apps, pending, policy_flow, asked);
        }
    }
}

// Economics and decision of an aware firm for technology k, with its decision
// uniform u (under the ceiling). It applies to the first programme it is eligible
// for under which it would adopt (settled in step 6), or else adopts without
// support if u < P(no support), or does neither. Its loan is the first concessional
// loan open to it that raises its NPV: part of every option when the loan has no
// lending envelope; when it has one (a credit line), the firm applies for it too,
// with the programme (a package) or alone, and the option without it is its own.
inline void Model::State::decide(const StepTables& tab, const FirmView& firm, int k, double u, std::uint16_t& adopted,
                          Flow& flow, std::vector<Application>& apps, std::vector<Pending>& pending,
                          detail::PolicyFlow* policy_flow, std::vector<double>& asked) {
    const std::size_t cell = szk(firm.sector, firm.size, k);
    const std::size_t size_cell = sz(firm.sector, firm.size);
    const Technology& tech = sc.technologies[static_cast<std::size_t>(k)];
    const Unit& un = tab.unit[cell];
    const Project project = size_project(tech.savings_fraction, firm.scale, un);
    if (project.kwh <= 0) return;
    const double saving = project.kwh * un.saving;
    const double af_h = tab.af[cell * 2 + static_cast<std::size_t>(firm.credit)];
    const Loan* const loan = firm.credit ? tab.first_loan(cell, size_cell, firm.labelled, project.capex) : nullptr;
    const bool credit_line = loan && loan->pol->has_envelope();
    // What is left of a cap: the cap itself per project, or what the firm has not
    // yet received (or asked this step) when it holds for all its projects.
    auto cap_left = [&](const Policy& pol, int p) {
        if (pol.cap_scope == CapScope::project || pol.cap_per_firm <= 0) return pol.cap_per_firm;
        const auto up = static_cast<std::size_t>(p);
        return std::max(0.0, pol.cap_per_firm - firm_used[up][firm.local] - asked[up]);
    };
    // Probability of adopting with `support` (and the loan, if `borrow`, lending at
    // most `most`), and the financing it implies.
    struct Terms {
        double probability, loan, gain, capital_yr;
    };
    auto terms = [&](double support, bool borrow, double most = std::numeric_limits<double>::infinity()) {
        const double outlay = project.capex - support;
        double lent = 0, gain = 0;
        if (borrow) {
            lent = loan->pol->loan_share * outlay;
            const double cap = cap_left(*loan->pol, loan->index);
            if (cap > 0) lent = std::min(lent, cap);
            else if (loan->pol->cap_scope == CapScope::firm && loan->pol->cap_per_firm > 0) lent = 0;
            lent = std::min(lent, most);
            gain = lent * loan->value[size_cell];
        }
        return Terms{tab.adoption_probability(outlay, saving, af_h, gain), lent, gain, (outlay - gain) / af_h};
    };
    auto ask = [&](int p, double amount) {
        if (firm_caps && !firm_used[static_cast<std::size_t>(p)].empty()) asked[static_cast<std::size_t>(p)] += amount;
    };
    const auto now = static_cast<std::uint16_t>(t + f.step_offset);
    const Terms plain = terms(0.0, loan != nullptr && !credit_line);
    // the lottery keys: their own draw, needed only by applicants
    auto application = [&](int p, double amount, std::uint32_t key_hi, std::uint32_t key_lo) {
        Application app;
        app.firm = firm.id;
        app.tech = static_cast<std::uint8_t>(k);
        app.programme = static_cast<std::uint16_t>(p);
        app.support = amount;
        app.co2_per_mad = amount > 0 ? project.kwh * un.co2 * tech.lifetime / amount : std::numeric_limits<double>::infinity();
        app.key = key64(key_hi, key_lo);
        return app;
    };
    auto lottery = [&] {
        return philox_words(sc.run.seed, sc.run.run_index, firm.id, static_cast<std::uint32_t>(t),
                            purpose_word(Purpose::lottery, static_cast<std::uint32_t>(k)));
    };
    for (std::uint32_t j = tab.prog_begin[cell]; j < tab.prog_begin[cell + 1]; ++j) {
        const int p = tab.prog_list[j];
        const Policy& pol = sc.policies[static_cast<std::size_t>(p)];
        if (pol.eligible.labelled_only && !firm.labelled) continue;
        if (project.capex < pol.eligible.min_project_capex) continue;
        if (pol.requires_loan >= 0 && (loan == nullptr || loan->index != pol.requires_loan)) continue;
        double support = pol.rate * project.capex;
        const double cap = cap_left(pol, p);
        if (cap > 0) support = std::min(support, cap);
        else if (pol.cap_scope == CapScope::firm && pol.cap_per_firm > 0) continue;  // the firm's cap is used up
        const Terms with = terms(support, loan != nullptr);
        if (u >= with.probability) continue;
        const auto lw = lottery();
        Pending pend;
        pend.loan = with.loan;
        pend.capital_yr = with.capital_yr;
        ask(p, support);
        if (!credit_line) {
            pend.refused_loan = plain.loan;
            pend.refused_capital_yr = plain.capital_yr;
            pend.adopt_if_refused = u < plain.probability;
            apps.push_back(application(p, support, lw[0], lw[1]));
            pending.push_back(pend);
            if (loan) ask(loan->index, std::max(with.loan, plain.loan));
            return;
        }
        // a package: the programme's application, then the credit line's
        const Terms grant_only = terms(support, false);
        const bool keep = pol.requires_loan < 0 && u < grant_only.probability;
        Application head = application(p, support, lw[0], lw[1]);
        head.package = true;
        head.keep_without_loan = keep;
        pend.role = Pending::Role::package_head;
        pend.refused_loan = 0;
        pend.refused_capital_yr = grant_only.capital_yr;
        pend.adopt_if_refused = keep;
        // the loan alone, if the grant is refused: at most what the line allotted
        const Terms loan_alone = terms(0.0, true, with.loan);
        Pending tail;
        tail.role = Pending::Role::package_tail;
        tail.loan = loan_alone.loan;
        tail.capital_yr = loan_alone.capital_yr;
        tail.adopt_if_served = u < loan_alone.probability;
        tail.refused_loan = 0;
        tail.refused_capital_yr = plain.capital_yr;
        tail.adopt_if_refused = u < plain.probability;
        apps.push_back(head);
        pending.push_back(pend);
        apps.push_back(application(loan->index, with.loan, lw[2], lw[3]));
        pending.push_back(tail);
        ask(loan->index, with.loan);
        return;
    }
    if (credit_line) {
        const Terms with = terms(0.0, true);
        if (u < with.probability && with.loan > 0) {
            const auto lw = lottery();
            Pending pend;
            pend.role = Pending::Role::loan_only;
            pend.loan = with.loan;
            pend.capital_yr = with.capital_yr;
            pend.refused_loan = 0;
            pend.refused_capital_yr = plain.capital_yr;
            pend.adopt_if_refused = u < plain.probability;
            apps.push_back(application(loan->index, with.loan, lw[2], lw[3]));
            pending.push_back(pend);
            ask(loan->index, with.loan);
            return;
        }
    }
    if (u < plain.probability) {
        adopted = now;
        flow.adopt(project.kwh, project.capex, plain.loan, plain.gain, plain.capital_yr);
        if (plain.loan > 0) take_loan(loan, firm.local, plain.loan, policy_flow);
    }
}

// A loan taken: the lending of its policy over the step, and what the firm has
// received when the cap holds for all its projects.
void Model::State::take_loan(const Loan* loan, std::uint64_t local, double lent, detail::PolicyFlow* policy_flow) {
    const auto up = static_cast<std::size_t>(loan->index);
    policy_flow[up].lent += lent;
    if (!firm_used[up].empty()) firm_used[up][local] += lent;
}

// Step 4 in bass mode, one block: each firm that has not adopted a technology adopts
// it with the step probability of its sector (and assistance). Only the block's open
// firms are visited, in firm order; the j-th of them takes word j % 4 of Philox call
// j / 4 (counter: the block's first quad + j / 4), so each call serves four firms and
// the draws depend on the block, never on the threads or ranks.
void Model::State::bass_pass(std::uint64_t b, Flow* flow, const StepTables& tab) {
    const std::vector<Unit>& unit = tab.unit;
    const std::vector<std::array<std::uint64_t, 2>>& threshold = tab.aware_thr;
    const bool lift = tab.ta_lift > 0;
    const std::uint64_t begin = b * kFirmBlock - f.first;  // local index of the block's first firm
    const auto n_firms = static_cast<std::uint32_t>(block_end(b) - b * kFirmBlock);
    const auto uT = static_cast<std::size_t>(T);
    const std::size_t slot = b - own.first;
    thread_local std::vector<std::uint32_t> words;
    thread_local std::vector<std::uint16_t> chosen_buf;
    words.resize(kFirmBlock);
    chosen_buf.resize(kFirmBlock + 8);
    const int s_first = f.sector[begin], s_last = f.sector[begin + n_firms - 1];
    const bool one_cell = cell_n[b] == static_cast<std::uint32_t>(T);  // one (sector, size class)
    for (int k = 0; k < T; ++k) {
        auto& open = bass_open[slot * uT + static_cast<std::size_t>(k)];
        if (!bass_open_built) {
            open.clear();
            for (std::uint32_t i = 0; i < n_firms; ++i)
                if (f.adopted_step[f.at(begin + i, k)] == kNotAdopted) open.push_back(static_cast<std::uint16_t>(i));
        }
        const std::size_t n = open.size();
        if (n == 0) continue;
        philox_fill(sc.run.seed, sc.run.run_index, static_cast<std::uint32_t>(b * (kFirmBlock / 4)),
                    static_cast<std::uint32_t>(t), purpose_word(Purpose::bass_quad, static_cast<std::uint32_t>(k)),
                    (n + 3) / 4, words.data());
        const Technology& tech = sc.technologies[static_cast<std::size_t>(k)];
        // First the draws: the open list keeps the firms that do not adopt, the
        // adopters go to `chosen` (both in firm order); then the adopters' updates,
        // with every column in a local so that the byte writes do not force reloads.
        std::size_t keep = 0, n_chosen = 0;
        std::uint16_t* const ids = open.data();
        std::uint16_t* const chosen = chosen_buf.data();
        const std::uint32_t* const u = words.data();
        if (!lift && s_first == s_last) {
            // one threshold for the whole block
            const auto split = split_by_draw(
                ids, u, n, threshold[static_cast<std::size_t>(s_first) * uT + static_cast<std::size_t>(k)][0], chosen);
            keep = split.kept;
            n_chosen = split.chosen;
        } else {
            for (std::size_t j = 0; j < n; ++j) {
                const std::uint16_t i = ids[j];
                const std::uint64_t li = begin + i;
                const std::size_t helped = lift && (f.flags[li] & firm_flag::assisted) ? 1 : 0;
                const std::size_t sk = static_cast<std::size_t>(f.sector[li]) * uT + static_cast<std::size_t>(k);
                const bool adopts = u[j] < threshold[sk][helped];
                ids[keep] = i;
                chosen[n_chosen] = i;
                keep += adopts ? 0 : 1;
                n_chosen += adopts ? 1 : 0;
            }
        }
        const std::uint16_t* const sector = f.sector.data() + begin;
        const std::uint8_t* const size = f.size_class.data() + begin;
        const float* const output = f.output.data() + begin;
        const float* const intensity = f.intensity.data() + begin;
        std::uint16_t* const adopted = f.adopted_step.data() + begin * uT + static_cast<std::size_t>(k);
        std::uint8_t* const status = f.status.data() + begin * uT + static_cast<std::size_t>(k);
        const auto now = static_cast<std::uint16_t>(t + f.step_offset);
        const double sf = tech.savings_fraction;
        // Adopters are scattered over the block, each a handful of cache misses:
        // ask for the lines of an adopter a few places ahead while this one is done.
        constexpr std::size_t kAhead = 12;
        for (std::size_t j = 0; j < n_chosen; ++j) {
            if (j + kAhead < n_chosen) {
                const std::size_t a = chosen[j + kAhead];
                if (!one_cell) {
                    __builtin_prefetch(&sector[a]);
                    __builtin_prefetch(&size[a]);
                }
                __builtin_prefetch(&output[a]);
                __builtin_prefetch(&intensity[a]);
                __builtin_prefetch(&adopted[a * uT], 1);
                __builtin_prefetch(&status[a * uT], 1);
            }
            const std::size_t i = chosen[j];
            const int s = one_cell ? s_first : sector[i];
            const std::size_t cell = one_cell ? cell_lo[b] + static_cast<std::size_t>(k)
                                              : (static_cast<std::size_t>(s) * kSizeClasses + size[i]) * uT + static_cast<std::size_t>(k);
            Flow& c = flow[cell];
            adopted[i * uT] = now;
            if (!(status[i * uT] & tech_status::aware)) {
                status[i * uT] |= tech_status::aware;
                ++c.aware;
            }
            // not size_project: its product rounds in another order, and bass outputs would move
            const double kwh =
                std::min(sf * static_cast<double>(output[i]) * static_cast<double>(intensity[i]) * unit[cell].demand,
                         unit[cell].max_kwh);
            c.adopt(kwh, kwh * unit[cell].cost + unit[cell].fixed, 0.0, 0.0, 0.0);
        }
        open.resize(keep);
    }
}

// 5. Budgets bind: applications gathered in firm order, served programme by programme.
//    Across ranks: every rank contributes its blocks' applications (in block
//    order) and receives everyone's in rank order = block order, so all ranks
//    hold the same list and make the same allocation.
//    In one process the applications stay in their blocks' lists.
//    Credit lines (loans with a lending envelope) are served first; a package whose
//    loan was refused then withdraws its application to the grant, unless the firm
//    would invest with the grant alone; then grants and the fund.
BudgetQueue Model::State::budgets(const StepTables& tab) {
    BudgetQueue queue;
    std::vector<std::span<Application>> lists;
    const bool any = !tab.programmes.empty() || !tab.credit_lines.empty();
    if (split() && any) {
        std::vector<Application> mine;
        for (const auto& v : block_apps) mine.insert(mine.end(), v.begin(), v.end());
        queue.all = gather(mine.data(), mine.size(), &queue.own_at);
        lists.emplace_back(queue.all);
    } else {
        for (auto& v : block_apps) lists.emplace_back(v);
    }
    // Programmes are independent (each its applications and its budget): one thread
    // per programme.
    const auto ts = static_cast<std::size_t>(t), uP = static_cast<std::size_t>(P);
    auto serve = [&](const std::vector<int>& programmes) {
        std::vector<AllocationOutcome> outcomes(programmes.size());
#pragma omp parallel for schedule(dynamic, 1) if (programmes.size() > 1)
        for (std::size_t j = 0; j < programmes.size(); ++j) {
            const auto up = static_cast<std::size_t>(programmes[j]);
            outcomes[j] = allocate_budget(lists, static_cast<std::uint16_t>(up), sc.policies[up].order, remaining[up]);
        }
        for (std::size_t j = 0; j < programmes.size(); ++j) {
            const auto up = static_cast<std::size_t>(programmes[j]);
            const AllocationOutcome& out = outcomes[j];
            remaining[up] -= out.spent;
            rec.budget_used[ts * uP + up] = out.spent;
            rec.served[ts * uP + up] += static_cast<std::int64_t>(out.served);
            rec.unserved[ts * uP + up] = static_cast<std::int64_t>(out.unserved);
            const PolicyLimit limit = out.unserved > 0                             ? PolicyLimit::budget
                                      : sc.policies[up].eligible.labelled_only ? PolicyLimit::label
                                                                               : PolicyLimit::demand;
            rec.limited_by[ts * uP + up] = static_cast<std::int64_t>(limit);
        }
    };
    if (!tab.credit_lines.empty()) {
        serve(tab.credit_lines);
        for (auto& list : lists)
            for (std::size_t i = 0; i + 1 < list.size(); ++i)
                if (list[i].package && !list[i + 1].served && !list[i].keep_without_loan) list[i].programme = kWithdrawn;
    }
    serve(tab.programmes);
    for (std::size_t up = 0; up < uP; ++up) rec.budget_available[ts * uP + up] = available[up];
    return queue;
}

// 6. Settlement of the applications, in their blocks (in parallel): a served
//    applicant adopts with its support, a refused one decides without
//    (adopt_if_refused); a package by what each of its two applications got. Then
//    what the step's loans lent, per policy.
void Model::State::settle(const StepTables& tab, const BudgetQueue& queue) {
    if (!tab.programmes.empty() || !tab.credit_lines.empty()) {
        // split runs: where each own block's applications start in `queue.all`
        std::vector<std::size_t> app_at(block_apps.size(), queue.own_at);
        for (std::size_t slot = 1; slot < block_apps.size(); ++slot) app_at[slot] = app_at[slot - 1] + block_apps[slot - 1].size();
#pragma omp parallel for schedule(dynamic, 4)
        for (std::int64_t b = static_cast<std::int64_t>(own.first); b < static_cast<std::int64_t>(own.last); ++b) {
            const auto ub = static_cast<std::uint64_t>(b);
            settle_block(ub, tab, queue, app_at[ub - own.first]);
        }
    }
    sum_policy_flows();
}

void Model::State::settle_block(std::uint64_t b, const StepTables& tab, const BudgetQueue& queue, std::size_t first_app) {
    const std::size_t slot = b - own.first;
    Flow* const flow = block_flows(b);
    detail::PolicyFlow* const policy_flow = block_policy.data() + slot * static_cast<std::size_t>(P);
    const auto& pending = block_pending[slot];
    const auto now = static_cast<std::uint16_t>(t + f.step_offset);
    auto app_at = [&](std::size_t j) -> const Application& {
        return split() ? queue.all[first_app + j] : block_apps[slot][j];
    };
    for (std::size_t j = 0; j < pending.size(); ++j) {
        const Application& app = app_at(j);
        const Pending& pend = pending[j];
        const std::uint64_t li = app.firm - f.first;
        // what the project gets: support from the programme (or none), a loan
        double support = 0, lent = 0, capital = 0;
        int programme = -1, line = -1;
        bool adopts = false;
        switch (pend.role) {
        case Pending::Role::single:
            adopts = app.served || pend.adopt_if_refused;
            if (app.served) {
                support = app.support;
                programme = app.programme;
                lent = pend.loan;
                capital = pend.capital_yr;
            } else {
                lent = pend.refused_loan;
                capital = pend.refused_capital_yr;
            }
            break;
        case Pending::Role::loan_only:
            adopts = app.served || pend.adopt_if_refused;
            lent = app.served ? pend.loan : 0.0;
            capital = app.served ? pend.capital_yr : pend.refused_capital_yr;
            line = app.served ? app.programme : -1;
            break;
        case Pending::Role::package_head: {
            const Application& loan_app = app_at(j + 1);
            const Pending& tail = pending[j + 1];
            ++j;  // the package is settled whole
            const bool grant = app.served, borrowed = loan_app.served;
            if (grant && borrowed) {
                adopts = true;
                lent = pend.loan;
                capital = pend.capital_yr;
            } else if (grant) {  // kept without the loan
                adopts = true;
                capital = pend.refused_capital_yr;
            } else if (borrowed) {
                adopts = tail.adopt_if_served;
                lent = tail.loan;
                capital = tail.capital_yr;
                if (!adopts) {  // the line's allotment goes back to the envelope
                    auto& pf = policy_flow[loan_app.programme];
                    pf.returned += loan_app.support;
                    ++pf.returned_count;
                }
            } else {
                adopts = tail.adopt_if_refused;
                capital = tail.refused_capital_yr;
            }
            if (grant) {
                support = app.support;
                programme = app.programme;
            }
            if (borrowed && adopts) line = loan_app.programme;
            break;
        }
        case Pending::Role::package_tail: break;  // settled with its head
        }
        if (!adopts) continue;
        f.adopted_step[f.at(li, app.tech)] = now;
        const int s = f.sector[li];
        const std::size_t cell = szk(s, f.size_class[li], app.tech);
        Flow& c = flow[cell];
        // the project, as the firm pass sized it
        const Project project =
            size_project(sc.technologies[app.tech].savings_fraction,
                         static_cast<double>(f.output[li]) * static_cast<double>(f.intensity[li]), tab.unit[cell]);
        // the loan: a credit line's is `line`; a loan without an envelope is the firm's
        // first open one, as the firm pass found it (labels do not change within a step)
        const std::size_t size_cell = sz(s, f.size_class[li]);
        const Loan* loan = lent <= 0  ? nullptr
                           : line >= 0 ? tab.loan_of(line)
                                       : tab.first_loan(cell, size_cell, (f.flags[li] & firm_flag::labelled) != 0,
                                                        project.capex);
        c.adopt(project.kwh, project.capex, lent, loan ? lent * loan->value[size_cell] : 0.0, capital);
        if (programme >= 0) {
            (tab.is_grant[static_cast<std::size_t>(programme)] ? c.grant : c.fund) += support;
            if (!firm_used[static_cast<std::size_t>(programme)].empty())
                firm_used[static_cast<std::size_t>(programme)][li] += support;
        }
        if (loan) take_loan(loan, li, lent, policy_flow);
    }
}

// The blocks' per-policy sums, in block order (from every rank in a split run): the
// lending of each loan; for a credit line, its allotments not taken go back to its
// envelope and out of what it served.
void Model::State::sum_policy_flows() {
    if (P == 0) return;
    const auto uP = static_cast<std::size_t>(P), ts = static_cast<std::size_t>(t);
    const std::vector<detail::PolicyFlow> all = split() ? gather(block_policy.data(), block_policy.size()) : block_policy;
    std::vector<detail::PolicyFlow> total(uP);
    for (std::size_t b = 0; b < all.size() / uP; ++b)
        for (std::size_t p = 0; p < uP; ++p) {
            total[p].lent += all[b * uP + p].lent;
            total[p].returned += all[b * uP + p].returned;
            total[p].returned_count += all[b * uP + p].returned_count;
        }
    std::fill(block_policy.begin(), block_policy.end(), detail::PolicyFlow{});
    for (std::size_t p = 0; p < uP; ++p) {
        const Policy& pol = sc.policies[p];
        if (total[p].returned_count > 0) {
            remaining[p] += total[p].returned;
            rec.budget_used[ts * uP + p] -= total[p].returned;
            rec.served[ts * uP + p] -= total[p].returned_count;
        }
        // what the programme costs this step: its transfers, per firm served, administration
        double cost = 0;
        switch (pol.type) {
        case PolicyType::capex_grant:
        case PolicyType::green_investment_fund: cost = rec.budget_used[ts * uP + p] * (1.0 + pol.admin_cost_share); break;
        case PolicyType::concessional_loan: cost = total[p].lent * pol.admin_cost_share; break;
        case PolicyType::technical_assistance:
        case PolicyType::tpme_label:
            cost = static_cast<double>(rec.served[ts * uP + p]) * pol.cost_per_firm * (1.0 + pol.admin_cost_share);
            break;
        default: break;
        }
        rec.cost[ts * uP + p] = cost;
    }
}

// 7. Update and record: the blocks' flows added in block order and applied to the
//    stocks; stocks at the end of the step and flows over it recorded; output grows
//    over the step.
void Model::State::record(const StepTables& tab) {
    add_flows(sum_flows());
    const std::size_t nszk = SZK(), base = static_cast<std::size_t>(t) * nszk;
    for (std::size_t c = 0; c < nszk; ++c) {
        rec.adopters[base + c] = adopters[c];
        rec.aware[base + c] = aware[c];
        rec.capacity[base + c] = capacity[c];
        rec.displaced[base + c] = displaced[c] * dt / 1000.0;  // MWh over the step
    }
    record_sectors(tab);
    const auto ts = static_cast<std::size_t>(t), uT = static_cast<std::size_t>(T);
    for (std::size_t k = 0; k < uT; ++k) {
        rec.capex[ts * uT + k] = tab.capex[k];
        rec.local_content[ts * uT + k] = local_content[k];
    }
    rec.elec_price[ts] = tab.pe;
    rec.grid_ef[ts] = tab.efe * 1000.0;
    rec.carbon_price[ts] = std::max(tab.carbon_e, tab.carbon_h);
    rec.labelled[ts] = labelled;
    rec.assisted[ts] = assisted;
    for (std::size_t p = 0; p < static_cast<std::size_t>(P); ++p) rec.obliged[ts * static_cast<std::size_t>(P) + p] = obliged[p];
    for (int s = 0; s < S; ++s)
        growth[static_cast<std::size_t>(s)] *=
            std::pow(1.0 + sc.sectors[static_cast<std::size_t>(s)].output_growth.at(tab.y), dt);
}

// The step's flows per (sector, size, technology): every block's, added in block
// order (from every rank in a split run).
std::vector<Flow> Model::State::sum_flows() {
    std::vector<Flow> total(SZK());
    const Flow* all = flows.data();
    std::vector<Flow> gathered;
    if (split()) {
        gathered = gather(flows.data(), flows.size());
        all = gathered.data();
    }
    for (std::uint64_t b = split() ? 0 : own.first; b < (split() ? blocks : own.last); ++b) {
        for (std::uint32_t j = 0; j < cell_n[b]; ++j) total[cell_lo[b] + j].add(all[j]);
        all += cell_n[b];
    }
    return total;
}

// The step's flows into the stocks, the step's vintage (to retire it later) and the
// flow records.
void Model::State::add_flows(const std::vector<Flow>& total) {
    const std::size_t nszk = SZK(), base = static_cast<std::size_t>(t) * nszk;
    const auto uT = static_cast<std::size_t>(T);
    for (std::size_t c = 0; c < nszk; ++c) {
        const Flow& fl = total[c];
        aware[c] += fl.aware;
        if (fl.adopters == 0) continue;
        const auto k = c % uT;
        const Technology& tech = sc.technologies[k];
        const double cap = fl.kwh / tech.yield;  // capacity, units of the technology
        const double opex = cap * tech.opex;
        const double extra = fl.kwh * tech.extra_electricity;
        adopters[c] += fl.adopters;
        capacity[c] += cap;
        displaced[c] += fl.kwh;
        extra_elec[c] += extra;
        opex_yr[c] += opex;
        capital_yr[c] += fl.capital_yr;
        cumulative[k] += cap;
        Vintage& v = vintage[base + c];
        v.count += fl.adopters;
        v.capacity += cap;
        v.displaced += fl.kwh;
        v.extra += extra;
        v.opex += opex;
        v.capital += fl.capital_yr;
        rec.new_adopters[base + c] = fl.adopters;
        rec.inv_total[base + c] = fl.capex;
        rec.inv_private[base + c] = fl.capex - fl.grant - fl.fund;
        rec.loan[base + c] = fl.loan;
        rec.loan_value[base + c] = fl.loan_value;
        rec.local_demand[base + c] = fl.capex * local_content[k];
        rec.grant[base + c] = fl.grant;
        rec.fund[base + c] = fl.fund;
    }
}

// Per (sector, size): output, energy bought (gross demand less what the equipment in
// service displaces, plus its extra electricity), its cost and CO2, carbon paid and
// the total production cost, over the step.
void Model::State::record_sectors(const StepTables& tab) {
    const std::size_t base = static_cast<std::size_t>(t) * SZ();
    for (int s = 0; s < S; ++s) {
        const Sector& sec = sc.sectors[static_cast<std::size_t>(s)];
        const double g = growth[static_cast<std::size_t>(s)];
        for (int z = 0; z < kSizeClasses; ++z) {
            const std::size_t c2 = sz(s, z);
            double disp_e = 0, disp_h = 0, extra = 0, equip = 0;
            for (int k = 0; k < T; ++k) {
                const std::size_t c = szk(s, z, k);
                if (sc.technologies[static_cast<std::size_t>(k)].acts_on == Carrier::heat) disp_h += displaced[c];
                else disp_e += displaced[c];
                extra += extra_elec[c];
                equip += opex_yr[c] + capital_yr[c];
            }
            const double out = out0_sz[c2] * g;
            const double elec =
                std::max(0.0, x_sz[c2] * g * sec.electricity_intensity[static_cast<std::size_t>(z)] - disp_e + extra);
            const double fuel = std::max(0.0, x_sz[c2] * g * sec.heat_intensity[static_cast<std::size_t>(z)] - disp_h);
            const double co2_e = elec * tab.efe, co2_h = fuel * tab.eff[static_cast<std::size_t>(s)];
            const double energy_cost = elec * tab.pe + fuel * tab.pf[static_cast<std::size_t>(s)];
            const double carbon = co2_e * tab.carbon_e + co2_h * tab.carbon_h;
            rec.output[base + c2] = out * dt;
            rec.elec[base + c2] = elec * dt / 1000.0;
            rec.fuel[base + c2] = fuel * dt / 1000.0;
            rec.energy_cost[base + c2] = energy_cost * dt;
            rec.carbon_cost[base + c2] = carbon * dt;
            rec.co2[base + c2] = (co2_e + co2_h) * dt;
            rec.total_cost[base + c2] = (sec.nonenergy_cost * out + energy_cost + carbon + equip) * dt;
        }
    }
}

Model::Model(Scenario scenario, Communicator* communicator, PopulationCache* populations)
    : state_(std::make_unique<State>(std::move(scenario), communicator, populations)) {}
Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;
const Scenario& Model::scenario() const { return state_->sc; }
const FirmArrays& Model::firms() const { return state_->f; }
int Model::steps() const { return state_->steps; }
int Model::steps_done() const { return state_->t; }
void Model::step() {
    if (done()) throw std::logic_error("Model::step called after the last step");
    state_->do_step();
}
RunResult Model::result() const { return state_->result(); }
std::vector<PhaseTime> Model::phase_times() const {
    static constexpr bool parallel[kPhases] = {false, false, true, true, true, true, false};
    std::vector<PhaseTime> out;
    for (std::size_t j = 0; j < kPhases; ++j)
        out.push_back({std::string(kPhaseNames[j]), state_->phase_seconds[j], parallel[j]});
    return out;
}

RunResult simulate(const Scenario& scenario, const std::function<void(int, int)>& progress,
                   Communicator* communicator) {
    const auto t0 = std::chrono::steady_clock::now();
    Model m(scenario, communicator);
    while (!m.done()) {
        m.step();
        if (progress) progress(m.steps_done(), m.steps());
    }
    RunResult r = m.result();
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

}  // namespace greenshift
