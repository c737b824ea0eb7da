// The inside of a Model (core/model.hpp): the run's state between steps and the
// records it keeps, shared by the files that implement it — core/model.cpp (the
// step, phase by phase) and core/model_result.cpp (the recorded variables).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "core/communicator.hpp"
#include "core/firms.hpp"
#include "core/grant_allocation.hpp"
#include "core/model.hpp"
#include "core/results.hpp"
#include "core/scenario.hpp"
#include "core/selection.hpp"

namespace greenshift {
namespace detail {

// What a block of firms adds to the stocks of one (sector, size, technology) cell
// over a step. Each block adds its own firms in firm order, then its settled
// applications in queue order; the blocks' flows are then added in block order, so
// the sums are the same for any thread count and any split over ranks.
struct Flow {
    std::int64_t adopters = 0;  // adoptions
    std::int64_t aware = 0;     // firms newly aware
    double kwh = 0;             // energy displaced per year
    double capex = 0;           // MAD
    double grant = 0;           // capex grants, MAD
    double fund = 0;            // green-fund co-investment, MAD
    double loan = 0;            // concessional loans, MAD
    double loan_value = 0;      // their grant-equivalent to the borrowers, MAD
    double capital_yr = 0;      // annualised cost of the firms' own outlay, MAD/yr
    void add(const Flow& o) {
        adopters += o.adopters;
        aware += o.aware;
        kwh += o.kwh;
        capex += o.capex;
        grant += o.grant;
        fund += o.fund;
        loan += o.loan;
        loan_value += o.loan_value;
        capital_yr += o.capital_yr;
    }
    void adopt(double kwh_, double capex_, double loan_, double loan_value_, double capital_yr_) {
        adopters += 1;
        kwh += kwh_;
        capex += capex_;
        loan += loan_;
        loan_value += loan_value_;
        capital_yr += capital_yr_;
    }
};

// An application to a budgeted programme, beside its `Application`: the financing
// if served; if refused, the firm decides again without support (same project, its
// own loan and capital cost). The project itself (energy displaced, capex) is
// recomputed from the firm's columns when the application is settled.
//
// A project that asks a credit line (a loan with a lending envelope) for its loan
// applies to it as well: a `package` is the application to the grant (or fund)
// followed by the application to the credit line, and each outcome has its terms:
//   head (the grant's):  both served -> loan, capital_yr; the grant alone (the loan
//                        refused) -> refused_capital_yr, if adopt_if_refused;
//   tail (the loan's):   the loan alone (the grant refused) -> loan, capital_yr, if
//                        adopt_if_served; neither -> refused_*, if adopt_if_refused.
// A project that asks only the credit line applies alone (role loan_only).
struct Pending {
    enum class Role : std::uint8_t { single, package_head, package_tail, loan_only };
    double loan = 0, capital_yr = 0;                  // if served
    double refused_loan = 0, refused_capital_yr = 0;  // if refused
    bool adopt_if_refused = false;
    bool adopt_if_served = true;  // package tail: with the loan alone
    Role role = Role::single;
};
static_assert(sizeof(Pending) == 40);

// What a kWh displaced is worth and costs in a (sector, size, technology), this step.
struct Unit {
    double saving;   // MAD per kWh/yr displaced, net of opex and extra electricity
    double cost;     // capex per kWh/yr displaced
    double co2;      // tCO2 avoided per kWh/yr displaced
    double demand;   // kWh/yr of the carrier per MAD of output x intensity factor, at this step
    double fixed;    // MAD per project whatever its size (transaction cost)
    double max_kwh;  // the largest project, kWh/yr displaced (max_capacity x yield; +inf: none)
};

// What the adoptions of one step and cell add to the stocks, kept to be removed
// again when the equipment retires.
struct Vintage {
    std::int64_t count = 0;
    double capacity = 0, displaced = 0, extra = 0, opex = 0, capital = 0;
};

// A firm's project for a technology: the energy it displaces and its capex. Sized
// by the firm pass to decide, and again from the firm's columns when its application
// is settled (the queue does not carry it); both must give the same bits.
struct Project {
    double kwh;    // energy displaced, kWh/yr
    double capex;  // MAD
};
// `scale` is the firm's output x intensity factor.
inline Project size_project(double savings_fraction, double scale, const Unit& u) {
    const double kwh = std::min(savings_fraction * scale * u.demand, u.max_kwh);
    return {kwh, kwh * u.cost + u.fixed};
}

// An active concessional loan and what it is worth to a firm with credit.
struct Loan {
    const Policy* pol;
    int index;                  // into Scenario::policies
    std::vector<double> value;  // per (sector, size): 1 - PV(payments)
};

// The tables of step 2: everything the later phases read about this step, computed
// once and read-only afterwards.
struct StepTables {
    double y = 0;           // decimal year at the start of the step
    int year = 0;           // its calendar year
    bool new_year = false;  // the first step of its year
    double pe = 0;          // electricity price, MAD/kWh
    double efe = 0;         // grid emission factor, tCO2/kWh
    double carbon_e = 0, carbon_h = 0;  // carbon price on each carrier, MAD/tCO2
    std::vector<double> pf, eff;        // per sector: mix-weighted fuel price (MAD/kWh), factor (tCO2/kWh)
    std::vector<double> capex;          // per technology, after learning
    std::vector<Unit> unit;             // [sector, size, technology]
    std::vector<double> af;             // annuity factor at the hurdle rate, [sector, size, technology][credit]
    // instruments
    std::vector<Loan> loans;            // active concessional loans
    std::vector<int> programmes;        // active budgeted programmes (grants, fund)
    std::vector<int> credit_lines;      // active concessional loans with a lending envelope
    std::vector<std::uint8_t> is_grant;  // per policy: a capex grant (else fund co-investment)
    double ta_lift = 0;                 // largest awareness lift of the active technical assistance
    // the programmes and loans a (sector, size, technology) cell c may use:
    // prog_list[prog_begin[c] .. prog_begin[c + 1]), the same for loans
    std::vector<std::uint32_t> prog_begin, loan_begin;
    std::vector<std::uint16_t> prog_list, loan_list;
    // draws: awareness (bass mode: adoption) thresholds on a 32-bit word,
    // [sector, technology][assisted]; the decision ceiling; lives in steps
    std::vector<std::array<std::uint64_t, 2>> aware_thr;
    std::uint64_t ceiling_thr = 0;
    std::vector<int> life_steps;
    const Decision* decision = nullptr;
    double dt = 1;

    double adoption_probability(double outlay, double annual_saving, double af_h, double loan_gain) const;
    const Loan* first_loan(std::size_t cell, std::size_t size_cell, bool labelled, double project_capex) const;
    const Loan* loan_of(int policy) const;
};

// Step 5's queue in a split run: every rank's applications in rank order (in one
// process the applications stay in their blocks' lists and this is empty).
struct BudgetQueue {
    std::vector<Application> all;
    std::size_t own_at = 0;  // where this rank's applications start in `all`
};

// What the firm pass knows of the firm it is on.
struct FirmView {
    std::uint32_t id;  // firm number
    std::uint64_t local;  // its index in the arrays held here
    int sector, size;
    int credit;        // 1 with access to credit
    bool labelled;
    double scale;      // output x intensity factor
};

// Per-policy sums of a block over a step: what its loans lent, and what credit lines
// allotted to it but its firms did not take (a package whose grant was refused).
struct PolicyFlow {
    double lent = 0;
    double returned = 0;
    std::int64_t returned_count = 0;
};

// Flat byte packing of trivially copyable records, for the exchange between ranks.
template <class T>
void pack(std::vector<std::byte>& out, const T* data, std::size_t n) {
    static_assert(std::is_trivially_copyable_v<T>);
    const std::uint64_t count = n;
    const std::size_t at = out.size();
    out.resize(at + sizeof count + n * sizeof(T));
    std::memcpy(out.data() + at, &count, sizeof count);
    if (n > 0) std::memcpy(out.data() + at + sizeof count, static_cast<const void*>(data), n * sizeof(T));
}
template <class T>
void unpack(const std::byte*& in, std::vector<T>& out) {
    std::uint64_t count = 0;
    std::memcpy(&count, in, sizeof count);
    in += sizeof count;
    const std::size_t old = out.size();
    out.resize(old + count);
    if (count > 0) std::memcpy(static_cast<void*>(out.data() + old), in, count * sizeof(T));
    in += count * sizeof(T);
}

}  // namespace detail

struct Model::State {
    using Flow = detail::Flow;
    using Pending = detail::Pending;
    using Unit = detail::Unit;
    using Vintage = detail::Vintage;
    using StepTables = detail::StepTables;
    using BudgetQueue = detail::BudgetQueue;
    using FirmView = detail::FirmView;

    Scenario sc;
    FirmArrays f;
    std::vector<std::uint64_t> offsets;
    int S = 0, T = 0, P = 0, steps = 0, spy = 1;
    double dt = 1;
    int t = 0;
    bool bass = false;
    std::uint64_t blocks = 0;      // of the whole run
    std::uint64_t firms_total = 0;  // of the whole run
    Communicator* comm = nullptr;
    SingleProcess single;
    BlockRange own;                // the blocks this rank holds

    std::vector<std::int64_t> n_sz;
    std::vector<double> out0_sz, x_sz;  // sums of output and output x intensity factor
    std::vector<double> growth;         // per sector, output index at the current step
    std::vector<double> ref_cost_sz;    // annual cost at start prices, no equipment

    // stocks per (sector, size, technology)
    std::vector<std::int64_t> adopters, aware;
    std::vector<double> capacity, displaced, extra_elec, opex_yr, capital_yr;
    std::vector<Vintage> vintage;           // [step][szk]
    std::vector<Vintage> initial_vintage;   // [step][szk]: the installed base, by the step it retires
    std::vector<std::int64_t> feasible_sk;  // [sector, technology]: firms for which it is feasible
    std::vector<double> cumulative;         // per technology, domestic, never decreases
    std::vector<double> local_content;      // per technology
    std::vector<double> remaining;          // per policy, budget left this year
    std::vector<double> available;          // per policy, budget of the current year
    std::int64_t labelled = 0, assisted = 0;
    // Per policy, per firm held here: what a firm received from a programme whose cap
    // holds for all its projects (empty for the others); the year of a firm's first
    // audit under a compliance curve, as years since the start (kNever: none yet).
    std::vector<std::vector<double>> firm_used;
    std::vector<std::vector<std::uint16_t>> audit_first;
    static constexpr std::uint16_t kNever = 0xFFFF;
    std::vector<std::int64_t> obliged;      // per policy: firms above an audit mandate's threshold this year
    bool firm_caps = false;                 // some programme caps per firm

    // per-step scratch, one slot per block
    // Firms are numbered by (sector, size class), so a block's firms fall in a
    // contiguous range of cells: its flows cover only those, cells
    // [cell_lo[b], cell_lo[b] + cell_n[b]) of every block b of the run.
    std::vector<std::uint32_t> cell_lo, cell_n;
    std::vector<std::size_t> flow_at;  // own blocks: where their flows start in `flows`
    std::vector<Flow> flows;           // own blocks' flows over the current step
    std::vector<std::vector<Application>> block_apps;
    std::vector<std::vector<Pending>> block_pending;
    std::vector<detail::PolicyFlow> block_policy;  // own blocks x policies, over the current step
    // bass mode: per (own block, technology), the firms (index in the block) that
    // have not adopted yet, in firm order; built at the first step
    std::vector<std::vector<std::uint16_t>> bass_open;
    bool bass_open_built = false;
    Flow* block_flows(std::uint64_t b) { return flows.data() + flow_at[b - own.first] - cell_lo[b]; }
    std::vector<std::vector<KeyedFirm>> block_keys;
    std::vector<std::uint64_t> block_eligible;  // candidates per block before trimming

    // recorder, time-major
    struct Rec {
        std::vector<std::int64_t> adopters, aware, new_adopters;   // szk
        std::vector<double> capacity, displaced, inv_total, inv_private, grant, fund, loan, loan_value,
            local_demand;                                           // szk
        std::vector<double> output, elec, fuel, energy_cost, carbon_cost, co2, total_cost;  // sz
        std::vector<double> capex, local_content;                   // k
        std::vector<double> elec_price, grid_ef, carbon_price;      // t
        std::vector<std::int64_t> labelled, assisted, audited;      // t
        std::vector<double> budget_available, budget_used, cost;    // p
        std::vector<std::int64_t> served, unserved, obliged;        // p
        std::vector<std::int64_t> limited_by;                       // p: a PolicyLimit
        void allocate(std::size_t steps, std::size_t nszk, std::size_t nsz, std::size_t techs, std::size_t policies);
    } rec;

    std::size_t szk(int s, int z, int k) const {
        return (static_cast<std::size_t>(s) * kSizeClasses + static_cast<std::size_t>(z)) *
                   static_cast<std::size_t>(T) + static_cast<std::size_t>(k);
    }
    std::size_t sz(int s, int z) const {
        return static_cast<std::size_t>(s) * kSizeClasses + static_cast<std::size_t>(z);
    }
    std::size_t SZK() const { return static_cast<std::size_t>(S) * kSizeClasses * T; }
    std::size_t SZ() const { return static_cast<std::size_t>(S) * kSizeClasses; }

    State(Scenario scenario, Communicator* communicator, PopulationCache* populations);
    void sum_cells();       // n_sz, out0_sz, x_sz
    void reference_cost();  // ref_cost_sz
    void lay_out_blocks();  // cell_lo, cell_n and the blocks' scratch
    void install_base();    // the stocks and retirements of the installed base
    bool split() const { return comm->size() > 1; }
    std::uint64_t block_end(std::uint64_t b) const { return std::min((b + 1) * kFirmBlock, firms_total); }
    // Every rank's `n` records at `mine`, concatenated in rank order; `at`, if given,
    // receives where this rank's own records start.
    template <class T>
    std::vector<T> gather(const T* mine, std::size_t n, std::size_t* at = nullptr) {
        std::vector<std::byte> bytes;
        detail::pack(bytes, mine, n);
        std::vector<std::uint64_t> counts;
        const auto got = comm->all_gather(bytes, counts);
        std::vector<T> all;
        const std::byte* in = got.data();
        for (int r = 0; r < comm->size(); ++r) {
            if (at && r == comm->rank()) *at = all.size();
            detail::unpack(in, all);
        }
        return all;
    }
    std::array<double, kPhases> phase_seconds{};  // wall time per Phase, over the steps so far

    // The step (core/model.cpp): one method per Phase, numbered as in docs/model.md.
    void do_step();
    void retire();                                        // 1
    StepTables tables() const;                            // 2
    void tables_prices(StepTables& tab) const;
    void tables_economics(StepTables& tab) const;
    void tables_instruments(StepTables& tab) const;
    void tables_draws(StepTables& tab) const;
    void yearly(int year);                                // 3
    void select(int p, int year);
    void select_candidates(int p, int year);
    void audit(int p, int year, bool audit_year);
    void firm_pass(const StepTables& tab);                // 4
    void firm_block(std::uint64_t b, const StepTables& tab);
    void decide(const StepTables& tab, const FirmView& firm, int k, double u, std::uint16_t& adopted, Flow& flow,
                std::vector<Application>& apps, std::vector<Pending>& pending, detail::PolicyFlow* policy_flow,
                std::vector<double>& asked);
    void bass_pass(std::uint64_t b, Flow* flow, const StepTables& tab);
    BudgetQueue budgets(const StepTables& tab);           // 5
    void settle(const StepTables& tab, const BudgetQueue& queue);  // 6
    void settle_block(std::uint64_t b, const StepTables& tab, const BudgetQueue& queue, std::size_t first_app);
    void take_loan(const detail::Loan* loan, std::uint64_t local, double lent, detail::PolicyFlow* policy_flow);
    void sum_policy_flows();
    void record(const StepTables& tab);                   // 7
    std::vector<Flow> sum_flows();
    void add_flows(const std::vector<Flow>& total);
    void record_sectors(const StepTables& tab);

    // The result (core/model_result.cpp): coordinates, then the variables in the
    // order of the file.
    RunResult result() const;
    Coordinates coordinates() const;
    void add_technology_variables(RunResult& r) const;  // (time, sector[, size], technology)
    void add_sector_variables(RunResult& r) const;      // (time, sector[, size])
    void add_run_variables(RunResult& r) const;         // (time[, technology | policy])
};

}  // namespace greenshift
