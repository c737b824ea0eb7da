#include "io/scenario_loader.hpp"

#include "core/leontief.hpp"
#include "io/input_error.hpp"
#include "io/memory_check.hpp"
#include "io/observations_loader.hpp"
#include "io/scenario_yaml.hpp"
#include "io/yaml_reader.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <string_view>

namespace greenshift {

namespace {

using yaml::Node;
using Kind = yaml::Node::Kind;
using Keys = yaml::Names;

// ---- the schema's keys (docs/scenarios.md); used for strict checks and for --set ----

constexpr std::string_view kTopKeys[] = {"schema",  "name",         "description", "run",
                                         "electricity", "fuels", "sectors", "technologies",
                                         "decision", "policies", "input_output", "references"};
constexpr std::string_view kRunKeys[] = {"start_year", "end_year", "steps_per_year", "seed"};
constexpr std::string_view kElectricityKeys[] = {"price", "emission_factor"};
constexpr std::string_view kFuelKeys[] = {"price", "emission_factor"};
constexpr std::string_view kSectorKeys[] = {
    "firms",          "output_median", "output_sigma", "electricity_intensity",
    "heat_intensity", "intensity_sigma", "fuel_mix",   "output_growth",
    "hurdle_rate",    "credit_access", "high_growth_share", "nonenergy_cost",
    "technical_potential", "installed_base"};
constexpr std::string_view kBySizeSectorKeys[] = {"output_median", "output_sigma", "hurdle_rate", "credit_access",
                                                  "electricity_intensity", "heat_intensity"};
// Sector keys that map each technology to a share by size class.
constexpr std::string_view kPerTechnologySectorKeys[] = {"technical_potential", "installed_base"};
constexpr auto kSizeKeys = [] {
    std::array<std::string_view, kSizeClasses> keys{};
    for (std::size_t c = 0; c < keys.size(); ++c) keys[c] = kSizeClassNames[c];
    return keys;
}();
constexpr std::string_view kTechKeys[] = {
    "acts_on", "unit",          "savings_fraction", "yield",          "extra_electricity",
    "capex",   "opex",          "lifetime",         "learning_rate",  "world_capacity",
    "local_content", "bass_p",  "bass_q",           "suppliers",      "transaction_cost",
    "installed_base_max_age", "max_capacity"};
constexpr std::string_view kIOKeys[] = {"sectors", "coefficients", "transactions", "total_output", "value_added", "jobs"};
constexpr std::string_view kDecisionKeys[] = {"rule",     "max_rate", "midpoint",         "steepness",
                                              "mms_curve", "speed",   "no_credit_premium"};
constexpr std::string_view kEligibleKeys[] = {"size_classes", "sectors", "technologies",
                                              "labelled_only", "min_project_capex"};
constexpr std::string_view kPolicyCommonKeys[] = {"type", "start_year", "end_year", "eligible"};

// The keys of each instrument besides the common ones.
Keys policy_type_keys(PolicyType type) {
    static constexpr std::string_view grant[] = {"rate",  "cap_per_firm", "cap_scope",       "annual_budget",
                                                 "order", "requires",     "admin_cost_share"};
    static constexpr std::string_view fund[] = {"rate",  "cap_per_firm",       "cap_scope",         "annual_budget",
                                                "order", "requires",           "local_content_lift", "local_content_max",
                                                "admin_cost_share"};
    static constexpr std::string_view loan[] = {"loan_share", "interest",       "tenor",           "cap_per_firm",
                                                "cap_scope",  "annual_lending", "order",           "admin_cost_share"};
    static constexpr std::string_view carbon[] = {"price", "applies_to"};
    static constexpr std::string_view assistance[] = {"capacity", "awareness_lift", "cost_per_firm", "admin_cost_share"};
    static constexpr std::string_view label[] = {"capacity", "cost_per_firm", "admin_cost_share"};
    static constexpr std::string_view audit[] = {"threshold_toe", "period", "compliance"};
    switch (type) {
    case PolicyType::capex_grant: return grant;
    case PolicyType::green_investment_fund: return fund;
    case PolicyType::concessional_loan: return loan;
    case PolicyType::carbon_price: return carbon;
    case PolicyType::technical_assistance: return assistance;
    case PolicyType::tpme_label: return label;
    case PolicyType::audit_mandate: return audit;
    }
    return {};
}

std::optional<PolicyType> policy_type_named(std::string_view name) {
    const auto it = std::find(kPolicyTypeNames.begin(), kPolicyTypeNames.end(), name);
    if (it == kPolicyTypeNames.end()) return std::nullopt;
    return static_cast<PolicyType>(it - kPolicyTypeNames.begin());
}

std::vector<std::string_view> policy_keys(PolicyType type) {
    std::vector<std::string_view> keys(std::begin(kPolicyCommonKeys), std::end(kPolicyCommonKeys));
    const Keys own = policy_type_keys(type);
    keys.insert(keys.end(), own.begin(), own.end());
    return keys;
}

constexpr std::uint64_t kMaxFirms = 1ull << 32;  // exclusive: firm indices are 32-bit
constexpr int kMinYear = 1900, kMaxYear = 2200;
constexpr std::size_t kMaxSectors = 1000, kMaxTechnologies = 64, kMaxPolicies = 256, kMaxIOSectors = 200;

using yaml::join;
using yaml::join_path;
using yaml::list;
using yaml::kAny;
using yaml::kNonNeg;
using yaml::kPositive;
using yaml::kUnit;
using yaml::kUnitOpenLow;
using yaml::Range;
using yaml::suggestion;
using yaml::to_strings;

// ---- the converter: tree -> Scenario, every value checked ----

class ScenarioReader : public yaml::Reader {
public:
    using yaml::Reader::Reader;

    Scenario read(const Node& root, const std::string& default_name) const;

    // A value over years: a constant, or {year: value} with years strictly increasing.
    Path path_value(const Node& n, const std::string& path, const Range& values,
                    const Range& years = Range{kMinYear, kMaxYear}, bool scalar_ok = true,
                    const std::string& key_name = "year") const {
        if (n.kind == Kind::scalar && scalar_ok) return Path::constant(real(n, path, values));
        if (n.kind != Kind::map || n.entries.empty())
            bad(n, path, scalar_ok ? "expected a number or a map {year: value}" : "expected a map {" + key_name + ": value}",
                "e.g. {2017: 1.0, 2030: 1.4}");
        Path p;
        for (const auto& e : n.entries) {
            Node key;
            key.kind = Kind::scalar;
            key.text = e.key;
            key.source = n.source;
            key.line = e.line;
            key.column = e.column;
            const double y = real(key, path, years);
            if (!p.years.empty() && y <= p.years.back())
                bad(key, path, key_name + "s must be strictly increasing as written",
                    "the previous " + key_name + " is " + round_trip_text(p.years.back()));
            p.years.push_back(y);
            p.values.push_back(real(e.value, join(path, e.key), values));
        }
        return p;
    }

    // A value per size class: one number for all four, or a map with all four keys.
    std::array<double, kSizeClasses> by_size(const Node& n, const std::string& path, const Range& range) const {
        std::array<double, kSizeClasses> out{};
        if (n.kind == Kind::scalar) {
            out.fill(real(n, path, range));
            return out;
        }
        if (n.kind != Kind::map)
            bad(n, path, "expected a number or a map {micro, small, medium, large}",
                "allowed: " + range.text());
        check_keys(n, path, "'" + path + "'", kSizeKeys);
        for (std::size_t c = 0; c < kSizeKeys.size(); ++c)
            out[c] = real(require(n, path, kSizeKeys[c], "all four size classes are needed in the map form"),
                          join(path, kSizeKeys[c]), range);
        return out;
    }

    // A list of names that must each be one of `names`, without repeats.
    std::vector<int> name_list(const Node& n, const std::string& path, const std::vector<std::string>& names,
                               const std::string& what) const {
        if (n.kind != Kind::sequence) bad(n, path, "expected a list of " + what + " names", "e.g. [" + (names.empty() ? std::string("a") : names.front()) + "]");
        if (n.items.empty())
            bad(n, path, "an empty list would match nothing", "leave the key out to mean all");
        std::vector<int> out;
        for (std::size_t i = 0; i < n.items.size(); ++i) {
            const Node& item = n.items[i];
            const std::string ip = path + "[" + std::to_string(i) + "]";
            if (item.kind != Kind::scalar) bad(item, ip, "expected a " + what + " name", yaml::allowed_list(names));
            const auto it = std::find(names.begin(), names.end(), item.text);
            if (it == names.end())
                bad(item, ip, "unknown " + what, suggestion(item.text, names));
            const int idx = static_cast<int>(it - names.begin());
            if (std::find(out.begin(), out.end(), idx) != out.end())
                bad(item, ip, "listed twice", "name each " + what + " once");
            out.push_back(idx);
        }
        return out;
    }

private:
    // A section of named entries (fuels, sectors, technologies, policies) holds
    // `min` to `max` of them.
    void check_count(const Node& section, const std::string& key, std::size_t min, std::size_t max) const {
        const std::size_t n = section.entries.size();
        if (n < min || n > max)
            fail(section, key + ": got " + std::to_string(n) + " " + key + "; allowed: " +
                              (min > 0 ? std::to_string(min) + " to " : std::string("at most ")) + std::to_string(max));
    }
    // An entry of such a section: its key a name, its value a map of `keys`; `what`
    // names one entry ("sector").
    const Node& named_entry(const Node& section, const yaml::Entry& e, const std::string& key, const std::string& what,
                            const std::string& expected, Keys keys) const {
        check_name(section, e, key, what);
        const std::string p = join(key, e.key);
        const Node& m = expect_map(e.value, p, expected);
        check_keys(m, p, what + " '" + e.key + "'", keys);
        return m;
    }

    void read_run(const Node& root, Scenario& s) const;
    void read_electricity(const Node& root, Scenario& s) const;
    void read_fuels(const Node& root, Scenario& s) const;
    void read_sectors(const Node& root, Scenario& s) const;
    void read_technologies(const Node& root, Scenario& s) const;
    void read_potentials(const Node& root, Scenario& s) const;
    void read_input_output(const Node& root, Scenario& s) const;
    // A map {name: share} over `names` whose shares sum to 1, as (index, share) in the
    // file's order; `what` names an entry in errors ("fuel", "io sector").
    std::vector<std::pair<int, double>> shares(const Node& n, const std::string& p, const std::vector<std::string>& names,
                                               const std::string& what, const std::string& example,
                                               const std::string& no_names, const std::string& unknown_tail) const;
    std::vector<double> io_vector(const Node& m, const std::string& p, std::string_view key, const std::vector<std::string>& names,
                                  const Range& range, const std::string& what) const;
    std::vector<double> io_matrix(const Node& n, const std::string& p, const std::vector<std::string>& names) const;
    void read_decision(const Node& root, Scenario& s) const;
    void read_policies(const Node& root, Scenario& s) const;
    Policy read_policy(const yaml::Entry& e, const Scenario& s) const;
    Eligibility read_eligibility(const Node& m, const std::string& p, const std::string& name, PolicyType type,
                                 const Scenario& s) const;
    void read_instrument(const Node& m, const std::string& p, Policy& pol) const;
    void read_suppliers(const Node& m, const std::string& p, const Scenario& s, Technology& t) const;
    static int node_line(const Node& map, std::string_view key) {
        for (const auto& e : map.entries)
            if (e.key == key) return e.line;
        return map.line;
    }
    static int node_column(const Node& map, std::string_view key) {
        for (const auto& e : map.entries)
            if (e.key == key) return e.column;
        return map.column;
    }
};

Scenario ScenarioReader::read(const Node& root, const std::string& default_name) const {
    // A batch file where a scenario is expected (validate, run): say which command
    // reads it, rather than that `scenario` is not a scenario key.
    if (root.find("scenario") != nullptr && root.find("variants") != nullptr)
        fail_at(root.source, node_line(root, "scenario"), node_column(root, "scenario"),
                "scenario: this is a batch file (a base scenario and its variants), not a scenario; run it with "
                "`greenshift batch FILE -o OUT.h5` (docs/batches.md)");
    check_keys(root, "", "the top level", kTopKeys);
    Scenario s;
    if (const Node* n = root.find("schema")) whole(*n, "schema", 1, 1, " (this program reads schema 1)");
    s.name = default_name;
    if (const Node* n = root.find("name")) s.name = string(*n, "name");
    if (const Node* n = root.find("description")) s.description = string(*n, "description");
    read_run(root, s);
    read_electricity(root, s);
    read_fuels(root, s);
    read_sectors(root, s);
    read_input_output(root, s);  // before the technologies: their suppliers name io sectors
    read_technologies(root, s);
    read_potentials(root, s);  // after the technologies: they are named per technology
    read_decision(root, s);
    read_policies(root, s);
    if (const Node* n = root.find("references")) s.references = read_observations(*this, *n, "references", s);
    return s;
}

void ScenarioReader::read_run(const Node& root, Scenario& s) const {
    const Node& run = expect_map(require(root, "", "run", "start_year, end_year"), "run", "a map");
    check_keys(run, "run", "run", kRunKeys);
    RunSettings& r = s.run;
    r.start_year = integer(require(run, "run", "start_year", "first simulated year"), "run.start_year", kMinYear, kMaxYear);
    r.end_year = integer(require(run, "run", "end_year", "last simulated year"), "run.end_year", r.start_year,
                         r.start_year + 200, " (run.start_year to 200 years later)");
    if (const Node* n = run.find("steps_per_year")) {
        r.steps_per_year = integer(*n, "run.steps_per_year", 1, 12);
        if (12 % r.steps_per_year != 0)
            bad(*n, "run.steps_per_year", "steps must divide the year into whole months", "allowed: 1, 2, 3, 4, 6 or 12");
    }
    if (const Node* n = run.find("seed"))
        r.seed = whole(*n, "run.seed", 0, std::numeric_limits<std::uint64_t>::max());
}

void ScenarioReader::read_electricity(const Node& root, Scenario& s) const {
    const Node& el = expect_map(require(root, "", "electricity", "price and emission_factor"), "electricity", "a map");
    check_keys(el, "electricity", "electricity", kElectricityKeys);
    s.electricity_price = path_value(require(el, "electricity", "price", "MAD/kWh"), "electricity.price", kNonNeg);
    s.grid_emission_factor =
        path_value(require(el, "electricity", "emission_factor", "tCO2/MWh"), "electricity.emission_factor", kNonNeg);
}

void ScenarioReader::read_fuels(const Node& root, Scenario& s) const {
    const Node* fuels = root.find("fuels");
    // Left out or empty means none; sectors with heat then fail on their fuel_mix.
    if (!fuels || fuels->kind == Kind::null) return;
    expect_map(*fuels, "fuels", "a map of fuel names");
    for (const auto& e : fuels->entries) {
        const std::string p = join("fuels", e.key);
        const Node& f = named_entry(*fuels, e, "fuels", "fuel", "a map with price and emission_factor", kFuelKeys);
        Fuel fuel;
        fuel.name = e.key;
        fuel.price = path_value(require(f, p, "price", "MAD per kWh thermal"), join(p, "price"), kNonNeg);
        fuel.emission_factor = real(require(f, p, "emission_factor", "tCO2 per MWh thermal"), join(p, "emission_factor"), kNonNeg);
        s.fuels.push_back(std::move(fuel));
    }
}

void ScenarioReader::read_sectors(const Node& root, Scenario& s) const {
    const Node& sectors = expect_map(require(root, "", "sectors", "the industrial ecosystems"), "sectors", "a map of sector names");
    check_count(sectors, "sectors", 1, kMaxSectors);
    std::vector<std::string> fuel_names;
    for (const auto& f : s.fuels) fuel_names.push_back(f.name);
    std::uint64_t total = 0;
    for (const auto& e : sectors.entries) {
        const std::string p = join("sectors", e.key);
        const Node& m = named_entry(sectors, e, "sectors", "sector", "a map of sector keys", kSectorKeys);
        Sector sec;
        sec.name = e.key;

        const std::string fp = join(p, "firms");
        const Node& firms = expect_map(require(m, p, "firms", "firm counts by size class"), fp, "a map {micro, small, medium, large}");
        check_keys(firms, fp, "'" + fp + "'", kSizeKeys);
        for (std::size_t c = 0; c < kSizeKeys.size(); ++c)
            if (const Node* n = firms.find(kSizeKeys[c])) sec.firms[c] = whole(*n, join(fp, kSizeKeys[c]), 0, kMaxFirms - 1);
        if (sec.total_firms() == 0)
            fail(firms, fp + ": the sector has no firms, got a total of 0; allowed: at least one firm in some size class");
        total += sec.total_firms();  // < 1000 * 4 * 2^32: cannot wrap
        if (total >= kMaxFirms)
            fail(firms, fp + ": the scenario reaches " + std::to_string(total) +
                            " firms with this sector; allowed: fewer than 4294967296 firms in total");

        sec.output_median = by_size(require(m, p, "output_median", "MAD/yr by size class"), join(p, "output_median"), kPositive);
        if (const Node* n = m.find("output_sigma")) sec.output_sigma = by_size(*n, join(p, "output_sigma"), Range{0, 5});
        sec.electricity_intensity = by_size(require(m, p, "electricity_intensity", "kWh per MAD of output"),
                                            join(p, "electricity_intensity"), kNonNeg);
        if (const Node* n = m.find("heat_intensity")) sec.heat_intensity = by_size(*n, join(p, "heat_intensity"), kNonNeg);
        if (const Node* n = m.find("intensity_sigma")) sec.intensity_sigma = real(*n, join(p, "intensity_sigma"), Range{0, 3});

        const Node* mix = m.find("fuel_mix");
        if (!mix && *std::max_element(sec.heat_intensity.begin(), sec.heat_intensity.end()) > 0)
            fail(m, p + ": missing required key 'fuel_mix' (needed because heat_intensity > 0)");
        if (mix) {
            for (const auto& [fuel, share] : shares(*mix, join(p, "fuel_mix"), fuel_names, "fuel",
                                                    "e.g. {natural_gas: 0.6, fuel_oil: 0.4}",
                                                    "no fuels are defined (add a top-level fuels: map)", ""))
                sec.fuel_mix.push_back(FuelShare{fuel, share});
        }

        if (const Node* n = m.find("output_growth"))
            sec.output_growth = path_value(*n, join(p, "output_growth"), Range{-0.5, 1});
        sec.hurdle_rate = by_size(require(m, p, "hurdle_rate", "per year by size class"), join(p, "hurdle_rate"), kUnitOpenLow);
        if (const Node* n = m.find("credit_access")) sec.credit_access = by_size(*n, join(p, "credit_access"), kUnit);
        if (const Node* n = m.find("high_growth_share")) sec.high_growth_share = real(*n, join(p, "high_growth_share"), kUnit);
        if (const Node* n = m.find("nonenergy_cost")) sec.nonenergy_cost = real(*n, join(p, "nonenergy_cost"), Range{0, 10});
        s.sectors.push_back(std::move(sec));
    }
}

void ScenarioReader::read_technologies(const Node& root, Scenario& s) const {
    const Node& techs = expect_map(require(root, "", "technologies", "what firms can adopt"), "technologies", "a map of technology names");
    check_count(techs, "technologies", 1, kMaxTechnologies);
    for (const auto& e : techs.entries) {
        const std::string p = join("technologies", e.key);
        const Node& m = named_entry(techs, e, "technologies", "technology", "a map of technology keys", kTechKeys);
        Technology t;
        t.name = e.key;
        t.acts_on = static_cast<Carrier>(choice(require(m, p, "acts_on", "electricity or heat"), join(p, "acts_on"), kCarrierNames));
        if (const Node* n = m.find("unit")) t.unit = string(*n, join(p, "unit"));
        t.savings_fraction = real(require(m, p, "savings_fraction", "share of the demand displaced"), join(p, "savings_fraction"), kUnitOpenLow);
        t.yield = real(require(m, p, "yield", "kWh displaced per year per unit"), join(p, "yield"), kPositive);
        if (const Node* n = m.find("extra_electricity")) {
            if (t.acts_on != Carrier::heat)
                bad(*n, join(p, "extra_electricity"), "only a technology with acts_on: heat uses extra electricity",
                    "remove the key, or set acts_on: heat");
            t.extra_electricity = real(*n, join(p, "extra_electricity"), kNonNeg);
        }
        t.capex = real(require(m, p, "capex", "MAD per unit"), join(p, "capex"), kPositive);
        if (const Node* n = m.find("opex")) t.opex = real(*n, join(p, "opex"), kNonNeg);
        t.lifetime = integer(require(m, p, "lifetime", "years"), join(p, "lifetime"), 1, 100);
        if (const Node* n = m.find("learning_rate")) t.learning_rate = real(*n, join(p, "learning_rate"), Range{0, 1, false, true});
        if (const Node* n = m.find("world_capacity")) t.world_capacity = path_value(*n, join(p, "world_capacity"), kPositive);
        else if (t.learning_rate > 0)
            fail(m, p + ": missing required key 'world_capacity' (needed because learning_rate > 0)");
        if (const Node* n = m.find("local_content")) t.local_content = real(*n, join(p, "local_content"), kUnit);
        if (const Node* n = m.find("bass_p")) t.bass_p = real(*n, join(p, "bass_p"), kUnit);
        if (const Node* n = m.find("bass_q")) t.bass_q = real(*n, join(p, "bass_q"), Range{0, 10});
        if (const Node* n = m.find("transaction_cost")) t.transaction_cost = real(*n, join(p, "transaction_cost"), kNonNeg);
        if (const Node* n = m.find("max_capacity")) t.max_capacity = real(*n, join(p, "max_capacity"), kPositive);
        if (const Node* n = m.find("installed_base_max_age"))
            t.installed_base_max_age = integer(*n, join(p, "installed_base_max_age"), 1, t.lifetime,
                                               " (1 year to the technology's lifetime)");
        read_suppliers(m, p, s, t);
        s.technologies.push_back(std::move(t));
    }
    // Savings on one carrier add up across technologies; past 1 a firm adopting
    // them all would buy negative energy.
    for (int c = 0; c < 2; ++c) {
        double sum = 0;
        std::string terms;
        const yaml::Entry* last = nullptr;
        for (std::size_t i = 0; i < s.technologies.size(); ++i) {
            const auto& t = s.technologies[i];
            if (static_cast<int>(t.acts_on) != c) continue;
            sum += t.savings_fraction;
            terms += (terms.empty() ? "" : " + ") + t.name + " " + round_trip_text(t.savings_fraction);
            last = &techs.entries[i];
        }
        if (last && sum > 1.0 + 1e-9) {
            const Node& at = *last->value.find("savings_fraction");
            fail(at, "technologies: savings_fraction on " + std::string(kCarrierNames[static_cast<std::size_t>(c)]) + " sums to " + round_trip_text(sum) +
                         " (" + terms + "); allowed: at most 1 per carrier, or a firm adopting them all "
                         "would buy negative energy");
        }
    }
}

// Each sector's technical potential and installed base: a map technology -> share by
// size class; the technologies left out are feasible for every firm and equipped
// nowhere. The installed base must fit inside the potential, cell by cell.
void ScenarioReader::read_potentials(const Node& root, Scenario& s) const {
    const Node& sectors = *root.find("sectors");
    std::vector<std::string> techs;
    for (const auto& t : s.technologies) techs.push_back(t.name);
    for (std::size_t i = 0; i < sectors.entries.size(); ++i) {
        const yaml::Entry& e = sectors.entries[i];
        Sector& sec = s.sectors[i];
        const std::string p = join("sectors", e.key);
        for (const std::string_view key : kPerTechnologySectorKeys) {
            const Node* n = e.value.find(key);
            if (!n) continue;
            const std::string kp = join(p, key);
            if (n->kind != Kind::map || n->entries.empty())
                bad(*n, kp, "expected a map {technology: share}", "a share, or a map {micro, small, medium, large}, per technology");
            auto& table = key == "technical_potential" ? sec.technical_potential : sec.installed_base;
            table.assign(techs.size(), key == "technical_potential" ? std::array<double, kSizeClasses>{1, 1, 1, 1}
                                                                    : std::array<double, kSizeClasses>{});
            for (const auto& te : n->entries) {
                const auto it = std::find(techs.begin(), techs.end(), te.key);
                if (it == techs.end())
                    fail_at(n->source, te.line, te.column,
                            join(kp, te.key) + ": unknown technology '" + te.key + "'; " + suggestion(te.key, techs));
                table[static_cast<std::size_t>(it - techs.begin())] = by_size(te.value, join(kp, te.key), kUnit);
            }
        }
        if (sec.installed_base.empty()) continue;
        const Node& base = *e.value.find("installed_base");
        for (const auto& te : base.entries) {
            const int k = static_cast<int>(std::find(techs.begin(), techs.end(), te.key) - techs.begin());
            for (int z = 0; z < kSizeClasses; ++z)
                if (sec.base(k, z) > sec.potential(k, z))
                    bad(te.value, join(join(p, "installed_base"), te.key),
                        std::string("the ") + kSizeClassNames[static_cast<std::size_t>(z)] + " installed base " +
                            round_trip_text(sec.base(k, z)) + " exceeds the technical potential " +
                            round_trip_text(sec.potential(k, z)),
                        "allowed: at most the technical_potential of the same technology and size class");
        }
    }
}

// Where a technology's local capex is spent, by io sector: required for every
// technology when the scenario has an input_output table, refused otherwise.
void ScenarioReader::read_suppliers(const Node& m, const std::string& p, const Scenario& s, Technology& t) const {
    const Node* n = m.find("suppliers");
    const std::string sp = join(p, "suppliers");
    const auto& names = s.input_output.sectors;
    if (!s.input_output.enabled()) {
        if (n) bad(*n, sp, "supplier shares need an input-output table", "add a top-level input_output: section, or remove the key");
        return;
    }
    if (!n) fail(m, p + ": missing required key 'suppliers' (needed because the scenario has an input_output table; "
                        "a map {io_sector: share} of where the local share of the capex is spent)");
    t.suppliers = shares(*n, sp, names, "io sector", "e.g. {electrical_equipment: 0.6, construction: 0.4}", "",
                         " (the sectors of input_output.sectors)");
}

std::vector<std::pair<int, double>> ScenarioReader::shares(const Node& n, const std::string& p, const std::vector<std::string>& names,
                                                   const std::string& what, const std::string& example,
                                                   const std::string& no_names, const std::string& unknown_tail) const {
    std::string key = what;  // "io sector" -> {io_sector: share}
    std::replace(key.begin(), key.end(), ' ', '_');
    if (n.kind != Kind::map || n.entries.empty()) bad(n, p, "expected a map {" + key + ": share}", example);
    std::vector<std::pair<int, double>> out;
    double sum = 0;
    std::string terms;
    for (const auto& e : n.entries) {
        const auto it = std::find(names.begin(), names.end(), e.key);
        if (it == names.end())
            fail_at(n.source, e.line, e.column,
                    join(p, e.key) + ": unknown " + what + " '" + e.key + "'; " +
                        (names.empty() && !no_names.empty() ? no_names : suggestion(e.key, names)) + unknown_tail);
        const double share = real(e.value, join(p, e.key), kUnit);
        sum += share;
        terms += (terms.empty() ? "" : " + ") + e.key + " " + round_trip_text(share);
        out.emplace_back(static_cast<int>(it - names.begin()), share);
    }
    if (std::fabs(sum - 1.0) > 1e-6)
        fail(n, p + ": shares do not sum to 1, got " + round_trip_text(sum) + " (" + terms + "); allowed: a sum of 1 within 1e-6");
    return out;
}

// A per-sector map of the input-output table: every io sector once, nothing else.
std::vector<double> ScenarioReader::io_vector(const Node& m, const std::string& p, std::string_view key,
                                      const std::vector<std::string>& names, const Range& range,
                                      const std::string& what) const {
    const std::string kp = join(p, key);
    const Node& n = require(m, p, key, what);
    if (n.kind != Kind::map) bad(n, kp, "expected a map {io_sector: value}", "one entry per sector of input_output.sectors");
    std::vector<double> out(names.size(), 0.0);
    std::vector<bool> seen(names.size(), false);
    for (const auto& e : n.entries) {
        const auto it = std::find(names.begin(), names.end(), e.key);
        if (it == names.end())
            fail_at(n.source, e.line, e.column,
                    join(kp, e.key) + ": unknown io sector '" + e.key + "'; " + suggestion(e.key, names));
        const auto j = static_cast<std::size_t>(it - names.begin());
        out[j] = real(e.value, join(kp, e.key), range);
        seen[j] = true;
    }
    for (std::size_t j = 0; j < names.size(); ++j)
        if (!seen[j]) fail(n, kp + ": missing io sector '" + names[j] + "'; allowed: one value for every sector of input_output.sectors");
    return out;
}

// Row sector -> column sector -> value; missing entries are 0.
std::vector<double> ScenarioReader::io_matrix(const Node& n, const std::string& p, const std::vector<std::string>& names) const {
    const std::size_t N = names.size();
    std::vector<double> out(N * N, 0.0);
    if (n.kind == Kind::null) return out;  // `coefficients:` left empty: every entry 0
    if (n.kind != Kind::map) bad(n, p, "expected a map {row_sector: {column_sector: value}}", "missing entries are 0");
    for (const auto& row : n.entries) {
        const auto ri = std::find(names.begin(), names.end(), row.key);
        const std::string rp = join(p, row.key);
        if (ri == names.end())
            fail_at(n.source, row.line, row.column, rp + ": unknown io sector '" + row.key + "'; " + suggestion(row.key, names));
        if (row.value.kind == Kind::null) continue;  // an empty row: all zeros
        if (row.value.kind != Kind::map) bad(row.value, rp, "expected a map {column_sector: value}", "missing entries are 0");
        for (const auto& col : row.value.entries) {
            const auto ci = std::find(names.begin(), names.end(), col.key);
            if (ci == names.end())
                fail_at(row.value.source, col.line, col.column,
                        join(rp, col.key) + ": unknown io sector '" + col.key + "'; " + suggestion(col.key, names));
            out[static_cast<std::size_t>(ri - names.begin()) * N + static_cast<std::size_t>(ci - names.begin())] =
                real(col.value, join(rp, col.key), kNonNeg);
        }
    }
    return out;
}

void ScenarioReader::read_input_output(const Node& root, Scenario& s) const {
    const Node* node = root.find("input_output");
    if (!node) return;
    const std::string p = "input_output";
    const Node& m = expect_map(*node, p, "a map with sectors, coefficients (or transactions and total_output), "
                                         "value_added and jobs");
    check_keys(m, p, "input_output", kIOKeys);
    InputOutput& io = s.input_output;

    const Node& sec = require(m, p, "sectors", "list of io sector names");
    if (sec.kind != Kind::sequence || sec.items.empty() || sec.items.size() > kMaxIOSectors)
        bad(sec, join(p, "sectors"), "expected a list of 1 to " + std::to_string(kMaxIOSectors) + " sector names",
            "e.g. [agri_food, construction, services]");
    for (std::size_t i = 0; i < sec.items.size(); ++i) {
        const Node& item = sec.items[i];
        const std::string ip = join(p, "sectors") + "[" + std::to_string(i) + "]";
        if (item.kind != Kind::scalar || !yaml::is_name(item.text))
            bad(item, ip, "invalid io sector name", std::string(yaml::kNameRule));
        if (std::find(io.sectors.begin(), io.sectors.end(), item.text) != io.sectors.end())
            bad(item, ip, "listed twice", "name each io sector once");
        io.sectors.push_back(item.text);
    }
    const std::size_t N = io.sectors.size();

    const Node* coef = m.find("coefficients");
    const Node* trans = m.find("transactions");
    const Node* total = m.find("total_output");
    if (coef && trans)
        fail_at(m.source, node_line(m, "transactions"), node_column(m, "transactions"),
                p + ".transactions: give either coefficients or transactions (with total_output), not both");
    if (!coef && !trans)
        fail(m, p + ": missing required key 'coefficients' (technical coefficients a_ij) or 'transactions' "
                    "(with 'total_output', from which a_ij = z_ij / x_j)");
    if (coef && total) bad(*total, join(p, "total_output"), "total_output goes with transactions only", "remove it, or give transactions instead of coefficients");
    try {
        if (coef) {
            io.coefficients = io_matrix(*coef, join(p, "coefficients"), io.sectors);
        } else {
            if (!total) fail(m, p + ": missing required key 'total_output' (needed with transactions: MAD of output per sector)");
            const std::vector<double> z = io_matrix(*trans, join(p, "transactions"), io.sectors);
            const std::vector<double> x = io_vector(m, p, "total_output", io.sectors, kPositive, "MAD of output per sector");
            io.coefficients = Leontief::coefficients_from_transactions(N, z, x);
        }
        (void)Leontief(N, io.coefficients);  // the productivity check, at load time
    } catch (const LeontiefError& e) {
        fail_at(root.source, node_line(root, "input_output"), node_column(root, "input_output"), p + ": " + e.what());
    }
    io.value_added = io_vector(m, p, "value_added", io.sectors, kUnit, "MAD of value added per MAD of output, per sector");
    io.jobs = io_vector(m, p, "jobs", io.sectors, kNonNeg, "jobs per million MAD of output per year, per sector");
    // Output = intermediate inputs + imports + value added: a sector's inputs from the
    // table and its value added cannot exceed its output.
    for (std::size_t j = 0; j < N; ++j) {
        double inputs = 0;
        for (std::size_t i = 0; i < N; ++i) inputs += io.coefficients[i * N + j];
        if (inputs + io.value_added[j] > 1.0 + 1e-9)
            fail(*m.find("value_added"), p + ".value_added." + io.sectors[j] + ": value added " + round_trip_text(io.value_added[j]) +
                                             " plus the sector's input coefficients " + round_trip_text(inputs) + " exceed 1 MAD per MAD of output; "
                                             "allowed: inputs + value added <= 1 (the rest is imports)");
    }
}

void ScenarioReader::read_decision(const Node& root, Scenario& s) const {
    Decision& d = s.decision;
    const Node* dn = root.find("decision");
    if (!dn || dn->kind == Kind::null) return;
    const Node& m = expect_map(*dn, "decision", "a map");
    check_keys(m, "decision", "decision", kDecisionKeys);
    if (const Node* n = m.find("rule")) d.rule = static_cast<DecisionRule>(choice(*n, "decision.rule", kDecisionRuleNames));
    if (const Node* n = m.find("max_rate")) d.max_rate = real(*n, "decision.max_rate", kUnitOpenLow);
    if (const Node* n = m.find("midpoint")) d.midpoint = real(*n, "decision.midpoint", kAny);
    if (const Node* n = m.find("steepness")) d.steepness = real(*n, "decision.steepness", kPositive);
    if (const Node* n = m.find("mms_curve"))
        d.mms_curve = path_value(*n, "decision.mms_curve", kUnit, kNonNeg, false, "payback year");
    if (const Node* n = m.find("speed")) d.speed = real(*n, "decision.speed", kUnitOpenLow);
    if (const Node* n = m.find("no_credit_premium")) d.no_credit_premium = real(*n, "decision.no_credit_premium", kUnit);
}

void ScenarioReader::read_policies(const Node& root, Scenario& s) const {
    const Node* pn = root.find("policies");
    if (!pn || pn->kind == Kind::null) return;
    const Node& policies = expect_map(*pn, "policies", "a map of policy names");
    check_count(policies, "policies", 0, kMaxPolicies);
    for (const auto& e : policies.entries) {
        check_name(policies, e, "policies", "policy");
        s.policies.push_back(read_policy(e, s));
    }
    // `requires` names a concessional loan, which may come later in the file
    std::vector<std::string> loans;
    for (const auto& pol : s.policies)
        if (pol.type == PolicyType::concessional_loan) loans.push_back(pol.name);
    for (std::size_t i = 0; i < policies.entries.size(); ++i) {
        const Node* n = policies.entries[i].value.find("requires");
        if (!n) continue;
        const std::string rp = join(join("policies", policies.entries[i].key), "requires");
        const std::string loan = string(*n, rp);
        const auto it = std::find_if(s.policies.begin(), s.policies.end(), [&](const Policy& x) { return x.name == loan; });
        if (it == s.policies.end() || it->type != PolicyType::concessional_loan)
            bad(*n, rp, it == s.policies.end() ? "no such policy" : "not a concessional_loan policy",
                loans.empty() ? std::string("the scenario has no concessional_loan policy") : suggestion(loan, loans));
        s.policies[i].requires_loan = static_cast<int>(it - s.policies.begin());
    }
}

Policy ScenarioReader::read_policy(const yaml::Entry& e, const Scenario& s) const {
    const std::string p = join("policies", e.key);
    const Node& m = expect_map(e.value, p, "a map of policy keys");
    Policy pol;
    pol.name = e.key;
    pol.type = static_cast<PolicyType>(
        choice(require(m, p, "type", "which instrument: " + list(kPolicyTypeNames)), join(p, "type"), kPolicyTypeNames));
    const std::string type_name(kPolicyTypeNames[static_cast<std::size_t>(pol.type)]);

    const auto keys = policy_keys(pol.type);
    for (const auto& ke : m.entries) {
        if (std::find(keys.begin(), keys.end(), ke.key) != keys.end()) continue;
        std::vector<std::string_view> owners;
        for (std::size_t k = 0; k < kPolicyTypeNames.size(); ++k) {
            const Keys own = policy_type_keys(static_cast<PolicyType>(k));
            if (std::find(own.begin(), own.end(), ke.key) != own.end()) owners.push_back(kPolicyTypeNames[k]);
        }
        if (!owners.empty())
            fail_at(m.source, ke.line, ke.column,
                    join(p, ke.key) + ": '" + ke.key + "' is not a key of a " + type_name +
                        " policy (it is one of " + list(owners) + "); its keys are: " + list(keys));
        fail_at(m.source, ke.line, ke.column,
                join(p, ke.key) + ": unknown key '" + ke.key + "' in policy '" + e.key + "'; " +
                    suggestion(ke.key, to_strings(keys)));
    }

    const std::string horizon = " (the run's years, run.start_year to run.end_year)";
    pol.start_year = s.run.start_year;
    pol.end_year = s.run.end_year;
    if (const Node* n = m.find("start_year"))
        pol.start_year = integer(*n, join(p, "start_year"), s.run.start_year, s.run.end_year, horizon);
    if (const Node* n = m.find("end_year"))
        pol.end_year = integer(*n, join(p, "end_year"), pol.start_year, s.run.end_year,
                               " (the policy's start_year to run.end_year)");

    pol.eligible = read_eligibility(m, p, e.key, pol.type, s);
    read_instrument(m, p, pol);
    return pol;
}

Eligibility ScenarioReader::read_eligibility(const Node& m, const std::string& p, const std::string& name,
                                             PolicyType type, const Scenario& s) const {
    Eligibility out;
    const bool label = type == PolicyType::tpme_label;
    if (label) out.size_classes = {0, 1, 2};  // TPME by definition
    const Node* en = m.find("eligible");
    if (!en) return out;
    const std::string ep = join(p, "eligible");
    const Node& el = expect_map(*en, ep, "a map of eligibility keys");
    check_keys(el, ep, "the eligibility of policy '" + name + "'", kEligibleKeys);
    std::vector<std::string> sizes = to_strings(kSizeKeys), sectors, techs;
    for (const auto& x : s.sectors) sectors.push_back(x.name);
    for (const auto& x : s.technologies) techs.push_back(x.name);
    if (const Node* n = el.find("size_classes")) {
        out.size_classes = name_list(*n, join(ep, "size_classes"), sizes, "size class");
        if (label)
            for (std::size_t i = 0; i < n->items.size(); ++i)
                if (!is_tpme(out.size_classes[i]))
                    bad(n->items[i], join(ep, "size_classes") + "[" + std::to_string(i) + "]",
                        "the TPME label is for very small, small and medium firms only",
                        "allowed: micro, small, medium");
    }
    if (const Node* n = el.find("sectors")) out.sectors = name_list(*n, join(ep, "sectors"), sectors, "sector");
    if (const Node* n = el.find("technologies"))
        out.technologies = name_list(*n, join(ep, "technologies"), techs, "technology");
    if (const Node* n = el.find("labelled_only")) out.labelled_only = boolean(*n, join(ep, "labelled_only"));
    if (const Node* n = el.find("min_project_capex"))
        out.min_project_capex = real(*n, join(ep, "min_project_capex"), kNonNeg);
    return out;
}

// The keys of the policy's instrument (policy_type_keys).
void ScenarioReader::read_instrument(const Node& m, const std::string& p, Policy& pol) const {
    const std::string type_name(kPolicyTypeNames[static_cast<std::size_t>(pol.type)]);
    const auto req = [&](std::string_view key, const std::string& what) -> const Node& {
        return require(m, p, key, what + " of a " + type_name + " policy");
    };
    const auto opt = [&](std::string_view key) { return m.find(key); };
    switch (pol.type) {
    case PolicyType::capex_grant:
    case PolicyType::green_investment_fund:
        pol.rate = real(req("rate", "share of capex paid"), join(p, "rate"), kUnitOpenLow);
        if (const Node* n = opt("cap_per_firm")) pol.cap_per_firm = real(*n, join(p, "cap_per_firm"), kNonNeg);
        if (const Node* n = opt("cap_scope")) pol.cap_scope = static_cast<CapScope>(choice(*n, join(p, "cap_scope"), kCapScopeNames));
        pol.annual_budget = real(req("annual_budget", "MAD per year"), join(p, "annual_budget"), kPositive);
        if (const Node* n = opt("order")) pol.order = static_cast<AllocationOrder>(choice(*n, join(p, "order"), kAllocationOrderNames));
        if (const Node* n = opt("admin_cost_share")) pol.admin_cost_share = real(*n, join(p, "admin_cost_share"), kUnit);
        if (pol.type == PolicyType::green_investment_fund) {
            if (const Node* n = opt("local_content_lift"))
                pol.local_content_lift = real(*n, join(p, "local_content_lift"), kUnit);
            if (const Node* n = opt("local_content_max"))
                pol.local_content_max = real(*n, join(p, "local_content_max"), kUnit);
        }
        break;
    case PolicyType::concessional_loan:
        pol.loan_share = real(req("loan_share", "share of the outlay lent"), join(p, "loan_share"), kUnitOpenLow);
        pol.interest = real(req("interest", "annual rate"), join(p, "interest"), kUnit);
        if (const Node* n = opt("tenor")) pol.tenor = integer(*n, join(p, "tenor"), 1, 50);
        if (const Node* n = opt("cap_per_firm")) pol.cap_per_firm = real(*n, join(p, "cap_per_firm"), kNonNeg);
        if (const Node* n = opt("cap_scope")) pol.cap_scope = static_cast<CapScope>(choice(*n, join(p, "cap_scope"), kCapScopeNames));
        if (const Node* n = opt("annual_lending")) pol.annual_lending = real(*n, join(p, "annual_lending"), kPositive);
        if (const Node* n = opt("order")) {
            if (pol.annual_lending == 0)
                bad(*n, join(p, "order"), "an order serves a lending envelope, and this loan has none",
                    "give annual_lending too, or remove the key");
            pol.order = static_cast<AllocationOrder>(choice(*n, join(p, "order"), kAllocationOrderNames));
        }
        if (const Node* n = opt("admin_cost_share")) pol.admin_cost_share = real(*n, join(p, "admin_cost_share"), kUnit);
        break;
    case PolicyType::carbon_price:
        pol.price = path_value(req("price", "MAD per tCO2"), join(p, "price"), kNonNeg);
        if (const Node* n = opt("applies_to")) {
            const auto on = name_list(*n, join(p, "applies_to"), to_strings(kCarrierNames), "carrier");
            pol.on_electricity = std::find(on.begin(), on.end(), 0) != on.end();
            pol.on_heat = std::find(on.begin(), on.end(), 1) != on.end();
        }
        break;
    case PolicyType::technical_assistance:
        pol.capacity = whole(req("capacity", "firms served per year"), join(p, "capacity"), 1, kMaxFirms - 1);
        pol.awareness_lift = real(req("awareness_lift", "per year"), join(p, "awareness_lift"), Range{0, 10});
        if (const Node* n = opt("cost_per_firm")) pol.cost_per_firm = real(*n, join(p, "cost_per_firm"), kNonNeg);
        if (const Node* n = opt("admin_cost_share")) pol.admin_cost_share = real(*n, join(p, "admin_cost_share"), kUnit);
        break;
    case PolicyType::tpme_label:
        pol.capacity = whole(req("capacity", "firms labelled per year"), join(p, "capacity"), 1, kMaxFirms - 1);
        if (const Node* n = opt("cost_per_firm")) pol.cost_per_firm = real(*n, join(p, "cost_per_firm"), kNonNeg);
        if (const Node* n = opt("admin_cost_share")) pol.admin_cost_share = real(*n, join(p, "admin_cost_share"), kUnit);
        break;
    case PolicyType::audit_mandate:
        pol.threshold_toe = real(req("threshold_toe", "toe per year"), join(p, "threshold_toe"), kPositive);
        if (const Node* n = opt("period")) pol.period = integer(*n, join(p, "period"), 1, 50);
        if (const Node* n = opt("compliance")) {
            const std::string cp = join(p, "compliance");
            pol.compliance = path_value(*n, cp, kUnit);
            for (std::size_t i = 1; i < pol.compliance.values.size(); ++i)
                if (pol.compliance.values[i] < pol.compliance.values[i - 1])
                    bad(n->entries[i].value, join(cp, n->entries[i].key),
                        "the share of firms that have complied cannot fall",
                        "allowed: at least " + round_trip_text(pol.compliance.values[i - 1]) + ", the year before's");
        }
        break;
    }
}

// ---- --set ----

// The keys the schema allows directly under `path` in `root`: what --set may
// create when the file leaves them out. Named maps offer the names already there.
std::vector<std::string> schema_children(const Node& root, const std::vector<std::string>& path) {
    const auto names = [&](std::string_view top) {
        std::vector<std::string> out;
        if (const Node* n = root.find(top))
            for (const auto& e : n->entries) out.push_back(e.key);
        return out;
    };
    const std::size_t d = path.size();
    if (d == 0) return to_strings(kTopKeys);
    const std::string& top = path[0];
    if (d == 1) {
        if (top == "run") return to_strings(kRunKeys);
        if (top == "electricity") return to_strings(kElectricityKeys);
        if (top == "decision") return to_strings(kDecisionKeys);
        if (top == "fuels" || top == "sectors" || top == "technologies" || top == "policies" || top == "references")
            return names(top);
        if (top == "input_output") return to_strings(kIOKeys);
        return {};
    }
    if (d == 2) {
        if (top == "fuels") return to_strings(kFuelKeys);
        if (top == "sectors") return to_strings(kSectorKeys);
        if (top == "technologies") return to_strings(kTechKeys);
        if (top == "references") return to_strings(observation_keys());
        if (top == "policies") {
            const Node* pol = root.find("policies");
            const Node* type = pol ? pol->find(path[1]) : nullptr;
            type = type ? type->find("type") : nullptr;
            if (const auto t = type ? policy_type_named(type->text) : std::nullopt) {
                const auto keys = policy_keys(*t);
                return {keys.begin(), keys.end()};
            }
            return to_strings(kPolicyCommonKeys);
        }
        return {};
    }
    if (d == 3 && top == "sectors") {
        if (path[2] == "firms" ||
            std::find(std::begin(kBySizeSectorKeys), std::end(kBySizeSectorKeys), path[2]) != std::end(kBySizeSectorKeys))
            return to_strings(kSizeKeys);
        if (path[2] == "fuel_mix") return names("fuels");
        if (std::find(std::begin(kPerTechnologySectorKeys), std::end(kPerTechnologySectorKeys), path[2]) !=
            std::end(kPerTechnologySectorKeys))
            return names("technologies");
    }
    if (d == 4 && top == "sectors" &&
        std::find(std::begin(kPerTechnologySectorKeys), std::end(kPerTechnologySectorKeys), path[2]) !=
            std::end(kPerTechnologySectorKeys))
        return to_strings(kSizeKeys);
    if (d == 3 && top == "policies" && path[2] == "eligible") return to_strings(kEligibleKeys);
    if (d == 3 && top == "references" && path[2] == "per") return to_strings(observation_aggregate_keys());
    return {};
}

// An error in the key path of a change (`--set`, `--unset`, a scale), not its value.
[[noreturn]] void raise_key(const yaml::Source& src, const std::string& message) {
    yaml::raise(src, 0, 0, message, InputChange::Part::key_path);
}

// The parts of a key path, refusing an empty one; `example` ends the message.
std::vector<std::string> key_parts(const yaml::Source& src, const std::string& key, const std::string& example) {
    std::vector<std::string> parts = yaml::split_key_path(key);
    for (const auto& part : parts)
        if (part.empty())
            raise_key(src, "empty part in the key path '" + key + "'; expected names joined by dots" + example);
    return parts;
}

// `-key.path`: the key and its value removed from the document (`--unset`).
void apply_unset(Node& root, const yaml::Source& src, const std::string& key) {
    const std::vector<std::string> path = key_parts(src, key, ", e.g. policies.grant");
    Node* cur = &root;
    std::vector<std::string> prefix;
    for (std::size_t i = 0; i < path.size(); ++i) {
        std::string here = "the top level";
        if (!prefix.empty()) here = std::string("'").append(join_path(prefix)).append("'");
        if (cur->kind != Kind::map)
            raise_key(src, "no key '" + path[i] + "' to remove under " + here + ", which is not a map");
        const auto it = std::find_if(cur->entries.begin(), cur->entries.end(),
                                     [&](const yaml::Entry& e) { return e.key == path[i]; });
        if (it == cur->entries.end()) {
            std::vector<std::string> present;
            for (const auto& e : cur->entries) present.push_back(e.key);
            raise_key(src,
                        "no key '" + path[i] + "' to remove under " + here + " in the file; " +
                            (present.empty() ? std::string("it has no keys") : suggestion(path[i], present)));
        }
        if (i + 1 == path.size()) {
            cur->entries.erase(it);
            return;
        }
        prefix.push_back(path[i]);
        cur = &it->value;
    }
}

}  // namespace

std::string override_label(const std::string& text) {
    return !text.empty() && text[0] == '-' ? "--unset " + text.substr(1) : "--set " + text;
}

namespace {

// The index-th of LoadOptions::overrides.
void apply_override(Node& root, std::vector<yaml::Source>& sources, const std::string& file, const std::string& text,
                    std::size_t index) {
    const int source = static_cast<int>(sources.size());
    sources.push_back(yaml::Source{file, override_label(text), {InputChange::Kind::override_text, index}});
    const yaml::Source& src = sources.back();
    if (!text.empty() && text[0] == '-') return apply_unset(root, src, text.substr(1));
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
        raise_key(src, "expected key.path=value, e.g. --set run.seed=7 or --set policies.grant.annual_budget=5e7");
    const std::vector<std::string> path = key_parts(src, text.substr(0, eq), ", e.g. run.seed");
    Node value = yaml::parse_value(std::string_view(text).substr(eq + 1), sources, source);

    Node* cur = &root;
    std::vector<std::string> prefix;
    for (std::size_t i = 0; i < path.size(); ++i) {
        std::string here = "the top level";
        if (!prefix.empty()) here = std::string("'").append(join_path(prefix)).append("'");
        if (cur->kind == Kind::null) cur->kind = Kind::map;  // e.g. `decision:` left empty
        if (cur->kind != Kind::map)
            raise_key(src, here + " is a single value, not a map; set it whole, e.g. --set " + join_path(prefix) + "=...");
        const auto children = schema_children(root, prefix);
        Node* child = cur->find(path[i]);
        if (!child) {
            if (std::find(children.begin(), children.end(), path[i]) == children.end()) {
                std::vector<std::string> candidates = children;
                for (const auto& e : cur->entries)
                    if (std::find(candidates.begin(), candidates.end(), e.key) == candidates.end()) candidates.push_back(e.key);
                raise_key(src,
                            "no key '" + path[i] + "' under " + here + " in the schema or the file; " +
                                (candidates.empty() ? std::string("set the whole value of ") + here + " instead"
                                                    : suggestion(path[i], candidates)));
            }
            yaml::Entry e;
            e.key = path[i];
            e.value.kind = Kind::map;
            e.value.source = source;
            cur->entries.push_back(std::move(e));
            child = &cur->entries.back().value;
        }
        prefix.push_back(path[i]);
        cur = child;
    }
    *cur = std::move(value);
}

// ---- scales (batches: `apply: scale`) ----

std::string scale_label(const Scale& scale) { return "scale " + scale.path + " by " + round_trip_text(scale.factor); }

// Multiplies every number at `path` (docs/batches.md). The scaled nodes take the
// scale's source, so a value pushed out of its range is reported as coming from the
// scale, with the scaled value, not from the line of the file that holds the original.
void apply_scale(Node& root, std::vector<yaml::Source>& sources, const std::string& file, const Scale& scale,
                 std::size_t index) {
    const int source = static_cast<int>(sources.size());
    sources.push_back(yaml::Source{file, scale_label(scale), {InputChange::Kind::scale, index}});
    const yaml::Source& src = sources.back();
    if (!std::isfinite(scale.factor)) yaml::raise(src, 0, 0, "the factor is not a finite number");
    const std::vector<std::string> path = key_parts(src, scale.path, "");
    if (path[0] == "run" || path[0] == "schema")
        raise_key(src, "'" + path[0] + "' holds the run's settings, not model quantities; they cannot be scaled");
    if (path[0] == "sectors" && path.size() >= 3 && path[2] == "fuel_mix")
        raise_key(src, "a fuel_mix holds shares that sum to 1; scaling them makes no sense (set the mix instead)");
    if (path[0] == "sectors" && path.size() >= 3 && path[2] == "firms")
        raise_key(src, "firm counts are whole numbers and fix the batch's firms; they cannot be scaled");

    const auto scale_number = [&](Node& n, const std::string& where) {
        double v = 0;
        if (yaml::parse_real(n, v) != yaml::NumStatus::ok)
            yaml::raise(src, 0, 0, where + ": scaling needs a number, got " + yaml::describe(n) +
                                       "; scale a number, a {year: value} path or a by-size map");
        const double scaled = v * scale.factor;
        if (!std::isfinite(scaled))
            yaml::raise(src, 0, 0, where + ": the scaled value is not a finite number (" + round_trip_text(v) + " x " + round_trip_text(scale.factor) + ")");
        n.text = round_trip_text(scaled);  // shortest text that reads back as exactly this double
        n.quoted = false;
        n.source = source;
    };
    std::size_t matched = 0;
    // Depth-first over the path; `*` visits every entry of a map.
    const auto visit = [&](auto&& self, Node& n, std::size_t i, const std::string& here) -> void {
        if (i == path.size()) {
            ++matched;
            if (n.kind == Kind::scalar) return scale_number(n, here);
            if (n.kind == Kind::map && !n.entries.empty()) {
                for (auto& e : n.entries) {
                    if (e.value.kind != Kind::scalar)
                        yaml::raise(src, 0, 0, join(here, e.key) + ": scaling needs a number, got " + yaml::describe(e.value) +
                                                   "; scale a number, a {year: value} path or a by-size map");
                    scale_number(e.value, join(here, e.key));
                }
                return;
            }
            yaml::raise(src, 0, 0, here + ": scaling needs a number, got " + yaml::describe(n) +
                                       "; scale a number, a {year: value} path or a by-size map");
        }
        const std::string where = here.empty() ? std::string("the top level") : "'" + here + "'";
        if (n.kind != Kind::map)
            raise_key(src, where + " is a single value, not a map; no '" + path[i] + "' under it");
        if (path[i] == "*") {
            for (auto& e : n.entries) self(self, e.value, i + 1, join(here, e.key));
            return;
        }
        Node* child = n.find(path[i]);
        if (!child) {
            std::vector<std::string> keys;
            for (const auto& e : n.entries) keys.push_back(e.key);
            raise_key(src, "no key '" + path[i] + "' under " + where +
                                       " in the file; scaling needs a value written in the file (" +
                                       (keys.empty() ? std::string("there is none") : suggestion(path[i], keys)) + ")");
        }
        self(self, *child, i + 1, join(here, path[i]));
    };
    visit(visit, root, 0, "");
    if (matched == 0) raise_key(src, "the path matches no value in the file");
}

std::string default_name(const std::string& display_name) {
    const std::string stem = std::filesystem::path(display_name).stem().string();
    return stem.empty() ? std::string("scenario") : stem;
}

}  // namespace

std::shared_ptr<const yaml::Node> parse_scenario_text(const std::string& text, const std::string& display_name) {
    const std::vector<yaml::Source> sources{yaml::Source{display_name, {}, {}}};
    return std::make_shared<const Node>(yaml::parse_document(text, sources, 0, yaml::kScenarioDocument));
}

Scenario load_scenario_text(const std::string& text, const std::string& display_name, const LoadOptions& options) {
    return load_scenario_tree(*parse_scenario_text(text, display_name), display_name, options);
}

Scenario load_scenario_tree(const yaml::Node& parsed, const std::string& display_name, const LoadOptions& options) {
    std::vector<yaml::Source> sources{yaml::Source{display_name, {}, {}}};
    Node root = parsed;
    for (std::size_t i = 0; i < options.overrides.size(); ++i)
        apply_override(root, sources, display_name, options.overrides[i], i);
    for (std::size_t i = 0; i < options.scales.size(); ++i) apply_scale(root, sources, display_name, options.scales[i], i);
    const ScenarioReader reader(sources);
    Scenario s = reader.read(root, default_name(display_name));

    const std::uint64_t limit = options.max_memory_bytes ? options.max_memory_bytes : available_memory_bytes();
    if (limit > 0) {
        try {
            check_fits_in_memory(s, limit, display_name);
        } catch (const InputError& e) {
            // The firm counts live under `sectors`: point at that key.
            for (const auto& entry : root.entries)
                if (entry.key == "sectors") reader.fail_at(root.source, entry.line, entry.column, e.message());
            throw;
        }
    }
    return s;
}

Scenario load_scenario_text(const std::string& text, const std::string& display_name,
                            const std::vector<std::string>& overrides) {
    return load_scenario_text(text, display_name, LoadOptions{overrides, 0, {}});
}

Scenario load_scenario(const std::string& path, const LoadOptions& options) {
    return load_scenario_text(yaml::read_yaml_file(path, path, yaml::kScenarioDocument), path, options);
}

Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
    return load_scenario(path, LoadOptions{overrides, 0, {}});
}

}  // namespace greenshift
