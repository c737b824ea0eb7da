// The validated, frozen description of one run: economy, technologies, exogenous
// paths, policies and decision rule. Plain structs; the io layer fills them from
// YAML and checks every value, the model only reads them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/observations.hpp"

namespace greenshift {

inline constexpr int kSizeClasses = 4;
enum class SizeClass : std::uint8_t { micro = 0, small = 1, medium = 2, large = 3 };
inline constexpr std::array<const char*, kSizeClasses> kSizeClassNames{"micro", "small", "medium",
                                                                       "large"};
// TPME (très petites, petites et moyennes entreprises) = micro, small, medium.
constexpr bool is_tpme(int size_class) { return size_class < 3; }

enum class Carrier : std::uint8_t { electricity = 0, heat = 1 };
inline constexpr std::array<std::string_view, 2> kCarrierNames{"electricity", "heat"};
static_assert(kCarrierNames.size() == static_cast<std::size_t>(Carrier::heat) + 1);

// A piecewise-linear function of the (decimal) year, constant beyond its first and
// last points. A single point is a constant.
struct Path {
    std::vector<double> years;   // strictly increasing
    std::vector<double> values;  // same length as years, at least one point
    double at(double year) const;
    static Path constant(double v) { return Path{{0.0}, {v}}; }
};

struct RunSettings {
    int start_year = 2017;
    int end_year = 2040;       // inclusive: the last simulated step lies in this year
    int steps_per_year = 1;    // one of 1, 2, 3, 4, 6, 12
    std::uint64_t seed = 20161107;  // COP22 opening day: a fixed default, never the clock
    std::uint32_t run_index = 0;    // part of every random-number counter (batches set it)
    // The key of the draws that make the firms (their output, intensity, credit,
    // high-growth mark); empty: `seed`. Not a scenario key: a batch with
    // `population: fixed` sets it, so that its runs share one firm population while
    // their decisions differ.
    std::optional<std::uint64_t> population_seed;

    int steps() const { return (end_year - start_year + 1) * steps_per_year; }
    double dt() const { return 1.0 / steps_per_year; }
    double step_year(int step) const { return start_year + step * dt(); }  // start of step
};

struct Fuel {
    std::string name;
    Path price;             // MAD per kWh (thermal)
    double emission_factor = 0;  // tCO2 per MWh (thermal), scope 1
};

struct FuelShare {
    int fuel = 0;      // index into Scenario::fuels
    double share = 0;  // of the sector's heat/fuel demand; shares sum to 1
};

struct Sector {
    std::string name;
    std::array<std::uint64_t, kSizeClasses> firms{};         // count per size class
    std::array<double, kSizeClasses> output_median{};        // MAD/yr, log-normal median
    std::array<double, kSizeClasses> output_sigma{1, 1, 1, 1};  // log-normal sigma (log units)
    std::array<double, kSizeClasses> electricity_intensity{};  // kWh per MAD of output
    std::array<double, kSizeClasses> heat_intensity{};         // kWh (thermal) per MAD of output
    double intensity_sigma = 0.3;      // firm-to-firm log-normal spread of both intensities
    std::vector<FuelShare> fuel_mix;   // heat/fuel carriers
    Path output_growth = Path::constant(0.0);  // fraction per year
    std::array<double, kSizeClasses> hurdle_rate{};    // per year
    std::array<double, kSizeClasses> credit_access{1, 1, 1, 1};  // share of firms with credit
    double high_growth_share = 0.1;    // share of TPME that are high-growth (label candidates)
    double nonenergy_cost = 0.85;      // MAD of non-energy cost per MAD of output
    // Per technology (an index into Scenario::technologies) and size class: the share
    // of the cell's firms for which the technology is technically feasible, and the
    // share equipped with it at the start (never above the potential). Empty: every
    // firm feasible, none equipped.
    std::vector<std::array<double, kSizeClasses>> technical_potential;
    std::vector<std::array<double, kSizeClasses>> installed_base;

    double potential(int tech, int size_class) const {
        return technical_potential.empty() ? 1.0
                                           : technical_potential[static_cast<std::size_t>(tech)][static_cast<std::size_t>(size_class)];
    }
    double base(int tech, int size_class) const {
        return installed_base.empty() ? 0.0 : installed_base[static_cast<std::size_t>(tech)][static_cast<std::size_t>(size_class)];
    }

    std::uint64_t total_firms() const {
        std::uint64_t n = 0;
        for (auto c : firms) n += c;
        return n;
    }
};

struct Technology {
    std::string name;
    std::string unit = "kW";       // unit of installed capacity
    Carrier acts_on = Carrier::electricity;
    double savings_fraction = 0;   // share of the firm's demand on that carrier it displaces
    double yield = 1;              // kWh displaced per year per unit of capacity
    double extra_electricity = 0;  // kWh of electricity used per kWh of heat displaced
    double capex = 0;              // MAD per unit of capacity, at the start year
    double opex = 0;               // MAD per unit of capacity per year
    int lifetime = 20;             // years
    double learning_rate = 0;      // cost drop per doubling of cumulative capacity
    Path world_capacity = Path::constant(1.0);  // cumulative capacity, units
    double local_content = 0;      // share of capex spent with local suppliers
    double bass_p = 0.01;          // innovation coefficient, per year
    double bass_q = 0.3;           // imitation coefficient, per year
    double transaction_cost = 0;   // MAD per project whatever its size: audit, engineering, permits
    double max_capacity = 0;       // the largest project, units of capacity (roof area, collector field); 0 = none
    int installed_base_max_age = 0;  // years; the installed base's oldest equipment; 0 = lifetime
    int base_max_age() const { return installed_base_max_age > 0 ? installed_base_max_age : lifetime; }
    // Where the local share of its capex is spent: (input-output sector, share),
    // shares summing to 1. Empty when the scenario has no input-output table.
    std::vector<std::pair<int, double>> suppliers;
};

// An inter-sector (input-output) table for the green-tech supplier ecosystem:
// investment x local content is final demand on the supplier sectors, and
// x = (I - A)^-1 y gives direct and indirect output, value added and jobs.
struct InputOutput {
    std::vector<std::string> sectors;   // its own sector list (may differ from firm sectors)
    std::vector<double> coefficients;   // A, n x n row-major: input from i per MAD of output of j
    std::vector<double> value_added;    // MAD of value added per MAD of output, per sector
    std::vector<double> jobs;           // jobs (full-time, for a year) per million MAD of output
    bool enabled() const { return !sectors.empty(); }
};

enum class DecisionRule : std::uint8_t { logistic, max_market_share, bass };
inline constexpr std::array<std::string_view, 3> kDecisionRuleNames{"logistic", "max_market_share", "bass"};
static_assert(kDecisionRuleNames.size() == static_cast<std::size_t>(DecisionRule::bass) + 1);

struct Decision {
    DecisionRule rule = DecisionRule::logistic;
    // logistic: annual adoption probability of an aware firm
    //   = max_rate / (1 + exp(-steepness * (PI - midpoint))), PI = NPV / own outlay
    double max_rate = 0.3;
    double midpoint = 0.5;
    double steepness = 4.0;
    // max_market_share: annual probability = speed * mms(payback), mms piecewise
    // linear in simple payback (years)
    Path mms_curve{{0, 2, 5, 10, 20}, {1.0, 0.6, 0.3, 0.1, 0.0}};  // x = payback years, y = share
    double speed = 0.3;
    double no_credit_premium = 0.05;  // added to the hurdle rate of firms without credit
};

// Who a policy applies to. Empty lists mean "all".
struct Eligibility {
    std::vector<int> size_classes;   // indices 0..3
    std::vector<int> sectors;        // indices into Scenario::sectors
    std::vector<int> technologies;   // indices into Scenario::technologies
    bool labelled_only = false;
    double min_project_capex = 0;    // MAD; projects below this are not eligible
};

enum class PolicyType : std::uint8_t {
    capex_grant,
    green_investment_fund,
    concessional_loan,
    carbon_price,
    technical_assistance,
    tpme_label,
    audit_mandate,
};
// As the scenario file and the outputs' policy_type name them.
inline constexpr std::array<std::string_view, 7> kPolicyTypeNames{
    "capex_grant", "green_investment_fund", "concessional_loan", "carbon_price",
    "technical_assistance", "tpme_label", "audit_mandate"};
static_assert(kPolicyTypeNames.size() == static_cast<std::size_t>(PolicyType::audit_mandate) + 1);

// The programmes that pay a share of the capex out of an annual budget.
constexpr bool is_budgeted(PolicyType t) {
    return t == PolicyType::capex_grant || t == PolicyType::green_investment_fund;
}

enum class AllocationOrder : std::uint8_t { lottery, co2_per_dirham };
inline constexpr std::array<std::string_view, 2> kAllocationOrderNames{"lottery", "co2_per_dirham"};
static_assert(kAllocationOrderNames.size() == static_cast<std::size_t>(AllocationOrder::co2_per_dirham) + 1);

// Whether a programme's cap holds for each project or for all of a firm's projects.
enum class CapScope : std::uint8_t { project, firm };
inline constexpr std::array<std::string_view, 2> kCapScopeNames{"project", "firm"};
static_assert(kCapScopeNames.size() == static_cast<std::size_t>(CapScope::firm) + 1);

struct Policy {
    std::string name;
    PolicyType type = PolicyType::capex_grant;
    int start_year = 0;   // first year active
    int end_year = 0;     // last year active (inclusive)
    Eligibility eligible;

    // capex_grant / green_investment_fund: support = rate * capex, capped per firm,
    // against an annual budget, applicants served in `order`
    double rate = 0;
    double cap_per_firm = 0;          // MAD; 0 = no cap
    CapScope cap_scope = CapScope::project;  // (also for concessional_loan)
    double annual_budget = 0;         // MAD per year
    AllocationOrder order = AllocationOrder::lottery;  // (also for a loan's lending envelope)
    int requires_loan = -1;           // the concessional_loan policy the support goes with; -1: none
    // green_investment_fund: local content lift per year and its ceiling
    double local_content_lift = 0;
    double local_content_max = 1;

    // concessional_loan: share of the firm's outlay lent at `interest` over `tenor`
    double loan_share = 0;
    double interest = 0;
    int tenor = 7;
    double annual_lending = 0;        // lending envelope per year, MAD; 0 = no envelope

    // carbon_price: MAD per tCO2; which carriers it applies to
    Path price = Path::constant(0.0);
    bool on_electricity = true;
    bool on_heat = true;

    // technical_assistance / tpme_label / audit_mandate
    std::uint64_t capacity = 0;       // firms served (or labelled) per year
    double awareness_lift = 0;        // added to the awareness hazard, per year
    double threshold_toe = 0;         // audit_mandate: firms using at least this
    int period = 5;                   // audit_mandate: years between audits
    // audit_mandate: share of the obliged firms audited at least once by a year; no
    // points = every obliged firm in the start year
    Path compliance{};

    // What a programme costs besides its transfers: per firm labelled or assisted,
    // and administration as a share of its spending (of the amount lent, for loans).
    double cost_per_firm = 0;         // MAD
    double admin_cost_share = 0;

    bool has_envelope() const { return type == PolicyType::concessional_loan && annual_lending > 0; }

    bool active(int year) const { return year >= start_year && year <= end_year; }
};

struct Scenario {
    std::string name;
    std::string description;
    RunSettings run;
    std::vector<Fuel> fuels;
    Path electricity_price = Path::constant(1.0);     // MAD per kWh
    Path grid_emission_factor = Path::constant(0.7);  // tCO2 per MWh, scope 2
    std::vector<Sector> sectors;
    std::vector<Technology> technologies;
    std::vector<Policy> policies;
    Decision decision;
    InputOutput input_output;  // optional
    std::vector<Observation> references;  // observed figures for the plausibility table

    std::uint64_t total_firms() const {
        std::uint64_t n = 0;
        for (const auto& s : sectors) n += s.total_firms();
        return n;
    }
};

// Resident bytes the model needs per firm (state and working buffers); the loader
// uses it to refuse scenarios that would not fit before anything is allocated.
std::uint64_t bytes_per_firm(const Scenario& s);

}  // namespace greenshift
