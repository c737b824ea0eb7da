#include "apps/serve_study.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "batch/ensemble.hpp"
#include "batch/indicators.hpp"
#include "batch/expand.hpp"
#include "batch/runner.hpp"
#include "io/batch_loader.hpp"
#include "io/input_error.hpp"
#include "io/scenario_loader.hpp"
#include "io/scenario_yaml.hpp"
#include "io/scenario_yaml.hpp"

namespace greenshift::serve {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::uint64_t kNoMemoryLimit = std::numeric_limits<std::uint64_t>::max();
// Runs with more firms get every thread one at a time (as batch/runner does).
constexpr std::uint64_t kLargeRunFirms = 200000;

bool is_yaml_name(const fs::path& p) {
    const std::string e = p.extension().string();
    return e == ".yaml" || e == ".yml";
}

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A batch file names its base scenario at the top level; a scenario file never has
// that key.
bool is_batch_text(const std::string& text) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("scenario:", 0) == 0) return true;
    return false;
}

// The controls of one policy: the common ones, then its type's own keys.
std::vector<Control> policy_controls(const Policy& p) {
    const std::string at = "policies." + p.name + ".";
    std::vector<Control> c;
    const auto number = [&](const std::string& key, const std::string& label, const std::string& units, double v) {
        c.push_back({at + key, label, "number", units, v});
    };
    const auto integer = [&](const std::string& key, const std::string& label, const std::string& units,
                             std::int64_t v) { c.push_back({at + key, label, "integer", units, v}); };
    switch (p.type) {
        case PolicyType::capex_grant:
        case PolicyType::green_investment_fund:
            number("annual_budget", "annual budget", "MAD/yr", p.annual_budget);
            number("rate", p.type == PolicyType::capex_grant ? "grant rate" : "co-investment rate", "share of capex",
                   p.rate);
            number("cap_per_firm", "cap per firm", "MAD (0: none)", p.cap_per_firm);
            break;
        case PolicyType::concessional_loan:
            number("loan_share", "loan share", "share of the outlay", p.loan_share);
            number("interest", "interest", "per year", p.interest);
            integer("tenor", "tenor", "years", p.tenor);
            number("cap_per_firm", "cap per firm", "MAD (0: none)", p.cap_per_firm);
            break;
        case PolicyType::carbon_price:
            // A flat price only: a path over years is changed in the file.
            if (p.price.values.size() == 1) number("price", "carbon price", "MAD/tCO2", p.price.values[0]);
            break;
        case PolicyType::technical_assistance:
            integer("capacity", "firms per year", "firms/yr", static_cast<std::int64_t>(p.capacity));
            number("awareness_lift", "awareness lift", "per year", p.awareness_lift);
            break;
        case PolicyType::tpme_label:
            integer("capacity", "labels per year", "firms/yr", static_cast<std::int64_t>(p.capacity));
            break;
        case PolicyType::audit_mandate:
            number("threshold_toe", "threshold", "toe/yr", p.threshold_toe);
            integer("period", "period", "years", p.period);
            break;
    }
    integer("start_year", "start year", "", p.start_year);
    integer("end_year", "end year", "", p.end_year);
    json sizes = json::array();
    if (p.eligible.size_classes.empty())
        for (const char* n : kSizeClassNames) sizes.push_back(n);
    for (const int z : p.eligible.size_classes) sizes.push_back(kSizeClassNames.at(static_cast<std::size_t>(z)));
    c.push_back({at + "eligible.size_classes", "eligible size classes", "size_classes", "", sizes});
    return c;
}

// The economy's controls: factors on the price paths, applied to both variants.
std::vector<Control> economy_controls(const Scenario& s) {
    std::vector<Control> c = {{"electricity_price_scale", "electricity price", "scale", "x the path", 1.0}};
    if (!s.fuels.empty()) c.push_back({"fuel_price_scale", "fuel prices", "scale", "x every fuel's path", 1.0});
    return c;
}

Scenario load_entry(const ScenarioEntry& entry, const std::vector<std::string>& overrides, std::uint64_t max_memory) {
    LoadOptions o;
    o.overrides = overrides;
    o.max_memory_bytes = max_memory;
    return load_scenario_text(read_text(entry.path), entry.file, o);
}

// The policies a batch file of `folder` removes from the baseline of the variant
// that is `entry` as it is; empty when no batch file says.
std::vector<std::string> programme_from_batches(const ScenarioEntry& entry, const std::string& folder) {
    std::error_code ec;
    const fs::path target = fs::weakly_canonical(entry.path, ec);
    for (const auto& f : fs::directory_iterator(folder, ec)) {
        if (!f.is_regular_file(ec) || !is_yaml_name(f.path())) continue;
        if (!is_batch_text(read_text(f.path()))) continue;
        try {
            const BatchPlan plan = load_batch(f.path().string());
            if (fs::weakly_canonical(plan.scenario_file, ec) != target) continue;
            for (const Variant& v : plan.variants) {
                if (v.baseline < 0 || !v.overrides.empty()) continue;
                std::vector<std::string> removed;
                for (const std::string& o : plan.variants.at(static_cast<std::size_t>(v.baseline)).overrides)
                    if (o.rfind("-policies.", 0) == 0 && o.find('.', 10) == std::string::npos)
                        removed.push_back(o.substr(10));
                if (!removed.empty()) return removed;
            }
        } catch (const std::exception&) {
            continue;  // a broken batch file says nothing about the programme
        }
    }
    return {};
}

std::string path_yaml(const Path& p, double factor) {
    if (p.values.size() == 1) return round_trip_text(p.values[0] * factor);
    std::string out = "{";
    for (std::size_t i = 0; i < p.values.size(); ++i)
        out += (i ? ", " : "") + round_trip_text(p.years[i]) + ": " + round_trip_text(p.values[i] * factor);
    return out + "}";
}

// The file's policies map with a flat carbon price added, in YAML flow style (the
// file's scalars as written), for `--set policies=...`.
std::string policies_with_carbon_price(const ScenarioEntry& entry, double price) {
    YAML::Node doc = YAML::Load(read_text(entry.path));
    YAML::Node policies = doc["policies"] && doc["policies"].IsMap() ? YAML::Clone(doc["policies"])
                                                                     : YAML::Node(YAML::NodeType::Map);
    YAML::Node added(YAML::NodeType::Map);
    added["type"] = "carbon_price";
    added["price"] = round_trip_text(price);
    policies[kAddedCarbonPrice] = added;
    YAML::Emitter out;
    out.SetMapFormat(YAML::Flow);
    out.SetSeqFormat(YAML::Flow);
    out << policies;
    return out.c_str();
}

const Control* find_control(const std::vector<Control>& controls, const std::string& path) {
    for (const Control& c : controls)
        if (c.path == path) return &c;
    return nullptr;
}

// A JSON value as the YAML text of a --set value, for the kind of its control.
std::string value_text(const Control& c, const json& v) {
    const std::string where = "'" + c.path + "'";
    if (c.kind == "number" || c.kind == "scale") {
        if (!v.is_number()) throw RequestError(where + ": expected a number", 400);
        const double x = v.get<double>();
        if (!std::isfinite(x)) throw RequestError(where + ": expected a finite number", 400);
        return round_trip_text(x);
    }
    if (c.kind == "integer") {
        if (v.is_number_integer()) return v.is_number_unsigned() ? std::to_string(v.get<std::uint64_t>())
                                                                 : std::to_string(v.get<std::int64_t>());
        if (v.is_number_float()) return round_trip_text(v.get<double>());  // the loader refuses 1.5 itself
        throw RequestError(where + ": expected an integer", 400);
    }
    if (c.kind == "size_classes") {
        if (!v.is_array()) throw RequestError(where + ": expected a list of size classes", 400);
        if (v.size() > 8) throw RequestError(where + ": too many size classes", 400);
        std::string out = "[";
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (!v[i].is_string()) throw RequestError(where + ": expected size class names", 400);
            const std::string n = v[i].get<std::string>();
            if (std::find(kSizeClassNames.begin(), kSizeClassNames.end(), n) == kSizeClassNames.end())
                throw RequestError(where + ": unknown size class (allowed: micro, small, medium, large)", 400);
            out += (i ? ", " : "") + n;
        }
        return out + "]";
    }
    throw RequestError(where + ": not a control", 400);
}

std::string scenario_text_of(const ScenarioEntry& entry) { return read_text(entry.path); }

// --set texts of a variant: economy first, then the programme's changes.
std::vector<std::string> overrides_of(const StudyRequest& r, bool programme) {
    std::vector<std::string> o;
    if (!programme)
        for (const std::string& p : r.programme) o.push_back("-policies." + p);
    for (const auto& [k, v] : r.economy) o.push_back(k + "=" + v);
    if (programme)
        for (const auto& [k, v] : r.changes) o.push_back(k + "=" + v);
    return o;
}

// Which control an error of the loader is about: the one its --set label names.
std::string field_of(const std::string& message, const StudyRequest& r, const std::map<std::string, std::string>& economy_keys) {
    for (const auto& [k, v] : r.changes)
        if (message.find(override_label(k + "=" + v)) != std::string::npos) return k == "policies" ? "carbon_price" : k;
    for (const auto& [k, v] : r.economy)
        if (message.find(override_label(k + "=" + v)) != std::string::npos) {
            const auto it = economy_keys.find(k);
            return it == economy_keys.end() ? k : it->second;
        }
    return "";
}

// Statistics across replicates (rows) of per-year values (columns), as the batch
// file's /effect_statistics computes them.
json band_json(const std::vector<double>& rows, std::size_t R, std::size_t T) {
    static const std::vector<ensemble::Statistic> stats = {{"mean", -1}, {"p5", 0.05}, {"p95", 0.95}};
    const std::vector<double> s = ensemble::column_statistics(rows, R, T, stats);
    json out;
    for (std::size_t k = 0; k < stats.size(); ++k)
        out[stats[k].name] = std::vector<double>(s.begin() + static_cast<std::ptrdiff_t>(k * T),
                                                 s.begin() + static_cast<std::ptrdiff_t>((k + 1) * T));
    return out;
}

double value_at(const Variable& v, std::size_t i) {
    return v.is_count ? static_cast<double>(v.counts[i]) : v.values[i];
}
std::size_t size_of(const Variable& v) { return v.is_count ? v.counts.size() : v.values.size(); }

// Per-step totals of a variable whose first dimension is time (NaN when absent).
std::vector<double> per_step(const Variable* v, std::size_t T) {
    std::vector<double> out(T, 0.0);
    if (v == nullptr || T == 0) return std::vector<double>(T, std::nan(""));
    const std::size_t inner = size_of(*v) / T;
    for (std::size_t t = 0; t < T; ++t)
        for (std::size_t j = 0; j < inner; ++j) out[t] += value_at(*v, t * inner + j);
    return out;
}

const Variable* find_in(const std::vector<Variable>& vars, const std::string& name) {
    for (const Variable& v : vars)
        if (v.name == name) return &v;
    return nullptr;
}

}  // namespace

std::vector<ScenarioEntry> list_scenarios(const std::string& folder) {
    std::vector<ScenarioEntry> out;
    std::error_code ec;
    const fs::path root = fs::canonical(folder, ec);
    if (ec) throw InputError(folder, 0, 0, "cannot open the scenario folder: " + ec.message());
    std::vector<fs::path> files;
    for (const auto& f : fs::directory_iterator(root, ec)) {
        if (!is_yaml_name(f.path()) || !f.is_regular_file(ec)) continue;
        // A link that leads out of the folder is not served.
        const fs::path real = fs::canonical(f.path(), ec);
        if (ec || real.parent_path() != root) continue;
        files.push_back(f.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& p : files) {
        const std::string text = read_text(p);
        if (is_batch_text(text)) continue;
        ScenarioEntry e;
        e.file = p.filename().string();
        e.path = p.string();
        try {
            LoadOptions o;
            o.max_memory_bytes = kNoMemoryLimit;  // listed whatever its size; refused when run
            const Scenario s = load_scenario_text(text, e.file, o);
            e.name = s.name;
            e.description = s.description;
            e.firms = s.total_firms();
            e.steps = s.run.steps();
        } catch (const InputError& x) {
            e.error = x.what();
        }
        out.push_back(std::move(e));
    }
    return out;
}

json describe_scenario(const ScenarioEntry& entry, const std::string& folder, const Limits& limits) {
    if (!entry.error.empty()) throw RequestError(entry.error, 422);
    const Scenario s = load_entry(entry, {}, kNoMemoryLimit);
    std::vector<std::string> programme = programme_from_batches(entry, folder);
    if (programme.empty())
        for (const Policy& p : s.policies) programme.push_back(p.name);
    json policies = json::array();
    for (const Policy& p : s.policies) {
        json controls = json::array();
        for (const Control& c : policy_controls(p))
            controls.push_back({{"path", c.path}, {"label", c.label}, {"kind", c.kind}, {"units", c.units},
                                {"value", c.value}});
        policies.push_back({{"name", p.name},
                            {"type", std::string(kPolicyTypeNames.at(static_cast<std::size_t>(p.type)))},
                            {"programme", std::find(programme.begin(), programme.end(), p.name) != programme.end()},
                            {"controls", controls}});
    }
    const bool has_carbon_price = std::any_of(s.policies.begin(), s.policies.end(),
                                              [](const Policy& p) { return p.type == PolicyType::carbon_price; });
    if (!has_carbon_price)
        policies.push_back({{"name", kAddedCarbonPrice},
                            {"type", "carbon_price"},
                            {"added", true},
                            {"programme", false},
                            {"controls", json::array({{{"path", "carbon_price"},
                                                       {"label", "carbon price"},
                                                       {"kind", "number"},
                                                       {"units", "MAD/tCO2, every year"},
                                                       {"value", 0.0}}})}});
    json economy = json::array();
    for (const Control& c : economy_controls(s))
        economy.push_back({{"path", c.path}, {"label", c.label}, {"kind", c.kind}, {"units", c.units}, {"value", c.value}});
    return {{"file", entry.file},
            {"name", s.name},
            {"description", s.description},
            {"firms", s.total_firms()},
            {"years", {s.run.start_year, s.run.end_year}},
            {"seed", s.run.seed},
            {"seed_text", std::to_string(s.run.seed)},  // beyond 2^53 a JavaScript number is not the seed
            {"replicates", std::min<std::uint32_t>(20, limits.max_replicates)},
            {"max_replicates", limits.max_replicates},
            {"policies", policies},
            {"economy", economy}};
}

namespace {

// The parts of a study request after its scenario, seed and replicates, each checked
// against the scenario: which policies make the programme, the programme's changes,
// the price factors, an added carbon price.
void read_programme(const json& body, const Scenario& s, const ScenarioEntry& entry, const std::string& folder,
                    StudyRequest& r) {
    std::set<std::string> policy_names;
    for (const Policy& p : s.policies) policy_names.insert(p.name);
    if (!body.contains("programme")) {
        r.programme = programme_from_batches(entry, folder);
        if (r.programme.empty()) r.programme.assign(policy_names.begin(), policy_names.end());
        return;
    }
    const json& v = body["programme"];
    if (!v.is_array()) throw RequestError("'programme' must be a list of policy names", 400);
    std::set<std::string> seen;
    for (const json& n : v) {
        if (!n.is_string() || policy_names.count(n.get<std::string>()) == 0)
            throw RequestError("'programme': not a policy of " + r.scenario + ": " + n.dump(), 400);
        if (seen.insert(n.get<std::string>()).second) r.programme.push_back(n.get<std::string>());
    }
}

void read_changes(const json& body, const Scenario& s, StudyRequest& r) {
    if (!body.contains("changes")) return;
    const json& v = body["changes"];
    if (!v.is_object()) throw RequestError("'changes' must map key paths to values", 400);
    std::vector<Control> controls;
    for (const Policy& p : s.policies)
        for (Control& c : policy_controls(p)) controls.push_back(std::move(c));
    for (const auto& [k, x] : v.items()) {
        const Control* c = find_control(controls, k);
        if (c == nullptr) throw RequestError("'changes': no control '" + k + "' in " + r.scenario, 400);
        r.changes.emplace_back(k, value_text(*c, x));
    }
}

void read_economy(const json& body, const Scenario& s, StudyRequest& r) {
    if (!body.contains("economy")) return;
    const json& v = body["economy"];
    if (!v.is_object()) throw RequestError("'economy' must map economy controls to values", 400);
    const std::vector<Control> controls = economy_controls(s);
    for (const auto& [k, x] : v.items()) {
        const Control* c = find_control(controls, k);
        if (c == nullptr) throw RequestError("'economy': no control '" + k + "' in " + r.scenario, 400);
        (void)value_text(*c, x);
        const double f = x.get<double>();
        if (!(f > 0 && f <= 10))
            throw RequestError("'" + k + "': a factor in (0, 10]", 422, {{k, "a factor in (0, 10], got " + x.dump()}});
        if (f == 1.0) continue;  // the file as it is
        if (k == "electricity_price_scale") {
            r.economy.emplace_back("electricity.price", path_yaml(s.electricity_price, f));
        } else {
            for (const Fuel& fuel : s.fuels) r.economy.emplace_back("fuels." + fuel.name + ".price", path_yaml(fuel.price, f));
        }
    }
}

void read_carbon_price(const json& body, const Scenario& s, const ScenarioEntry& entry, StudyRequest& r) {
    if (!body.contains("carbon_price")) return;
    const json& v = body["carbon_price"];
    if (!v.is_number() || !std::isfinite(v.get<double>()))
        throw RequestError("'carbon_price' must be a number (MAD/tCO2)", 400);
    if (std::any_of(s.policies.begin(), s.policies.end(), [](const Policy& p) { return p.type == PolicyType::carbon_price; }))
        throw RequestError("'carbon_price': " + r.scenario + " has a carbon_price policy; change its price", 400);
    if (v.get<double>() == 0) return;
    r.carbon_price = v.get<double>();
    r.changes.insert(r.changes.begin(), {"policies", policies_with_carbon_price(entry, r.carbon_price)});
}

}  // namespace

StudyRequest parse_study_request(const json& body, const std::vector<ScenarioEntry>& scenarios,
                                 const std::string& folder, const Limits& limits) {
    if (!body.is_object()) throw RequestError("the request body must be a JSON object", 400);
    static const std::set<std::string> known = {"scenario", "replicates", "seed",   "programme", "changes",
                                                "economy",  "carbon_price", "client", "seq"};
    for (const auto& [k, v] : body.items())
        if (known.count(k) == 0)
            throw RequestError("unknown key '" + k + "'; allowed: scenario, replicates, seed, programme, changes, "
                               "economy, carbon_price, client, seq",
                               400);
    StudyRequest r;
    if (!body.contains("scenario") || !body["scenario"].is_string())
        throw RequestError("'scenario' must name a scenario file of the folder", 400);
    r.scenario = body["scenario"].get<std::string>();
    const auto entry = std::find_if(scenarios.begin(), scenarios.end(),
                                    [&](const ScenarioEntry& e) { return e.file == r.scenario; });
    if (entry == scenarios.end()) throw RequestError("no scenario '" + r.scenario + "' in the served folder", 404);
    if (!entry->error.empty()) throw RequestError(entry->error, 422);
    const Scenario s = load_entry(*entry, {}, kNoMemoryLimit);

    r.seed = s.run.seed;
    if (body.contains("seed")) {
        if (!body["seed"].is_number_unsigned()) throw RequestError("'seed' must be an integer from 0 to 2^64-1", 400);
        r.seed = body["seed"].get<std::uint64_t>();
    }
    r.replicates = std::min<std::uint32_t>(20, limits.max_replicates);
    if (body.contains("replicates")) {
        const json& v = body["replicates"];
        if (!v.is_number_integer() || v.get<std::int64_t>() < 1 ||
            v.get<std::int64_t>() > static_cast<std::int64_t>(limits.max_replicates))
            throw RequestError("'replicates' must be an integer from 1 to " + std::to_string(limits.max_replicates),
                               400, {{"replicates", "from 1 to " + std::to_string(limits.max_replicates)}});
        r.replicates = static_cast<std::uint32_t>(v.get<std::int64_t>());
    }

    read_programme(body, s, *entry, folder, r);
    read_changes(body, s, r);
    read_economy(body, s, r);
    read_carbon_price(body, s, *entry, r);
    return r;
}

std::string batch_yaml(const StudyRequest& r, const ScenarioEntry& entry) {
    std::ostringstream y;
    const fs::path abs = fs::absolute(entry.path);
    y << "# Written by greenshift serve: the programme of " << entry.file << " against its baseline\n"
      << "# (the same firms and random numbers). `greenshift batch` on this file gives the page's numbers.\n"
      << "schema: 1\n"
      << "name: serve_" << fs::path(entry.file).stem().string() << "\n"
      << "scenario: " << yaml_quoted(abs.string()) << "\n"
      << "seed: " << r.seed << "\n"
      << "replicates: " << r.replicates << "\n"
      << "variants:\n"
      << "  baseline:\n"
      << "    description: \"Without the programme's policies.\"\n";
    if (!r.programme.empty()) {
        y << "    unset:\n";
        for (const std::string& p : r.programme) y << "      - policies." << p << "\n";
    }
    if (!r.economy.empty()) {
        y << "    set:\n";
        for (const auto& [k, v] : r.economy) y << "      " << k << ": " << v << "\n";
    }
    y << "  programme:\n"
      << "    description: \"The programme as changed on the page.\"\n"
      << "    baseline: baseline\n";
    if (!r.economy.empty() || !r.changes.empty()) {
        y << "    set:\n";
        for (const auto& [k, v] : r.economy) y << "      " << k << ": " << v << "\n";
        for (const auto& [k, v] : r.changes) y << "      " << k << ": " << v << "\n";
    }
    return y.str();
}

std::string set_lines(const StudyRequest& r, const ScenarioEntry& entry) {
    const auto quote = [](const std::string& s) { return "'" + s + "'"; };
    std::string programme, baseline;
    for (const std::string& o : overrides_of(r, true)) programme += " \\\n    --set " + quote(o);
    for (const std::string& o : overrides_of(r, false))
        baseline += o[0] == '-' ? " \\\n    --unset " + o.substr(1) : " \\\n    --set " + quote(o);
    const std::uint64_t seed0 = run_seed(r.seed, 0, 0);
    std::ostringstream out;
    out << "# The programme and its baseline, replicate 0 of " << r.replicates << " (seed " << seed0
        << " = the batch's first run seed):\n"
        << "greenshift run " << entry.file << " -o programme.h5 --seed " << seed0 << programme << "\n"
        << "greenshift run " << entry.file << " -o baseline.h5 --seed " << seed0 << baseline << "\n"
        << "# Every replicate, with the statistics the page shows (the batch file is the page's download):\n"
        << "greenshift batch serve-batch.yaml -o serve-batch.h5 && greenshift summary serve-batch.h5\n";
    return out.str();
}

void validate_changes(const StudyRequest& r, const ScenarioEntry& entry, const Limits& limits) {
    const std::string text = scenario_text_of(entry);
    std::map<std::string, std::string> economy_keys;  // scenario path -> economy control
    for (const auto& [k, v] : r.economy)
        economy_keys[k] = k == "electricity.price" ? "electricity_price_scale" : "fuel_price_scale";
    std::map<std::string, std::string> fields;
    // The loader's message about `overrides`, empty when it accepts them.
    const auto refusal = [&](const std::vector<std::string>& overrides) -> std::string {
        LoadOptions o;
        o.overrides = overrides;
        o.max_memory_bytes = kNoMemoryLimit;
        try {
            (void)load_scenario_text(text, entry.file, o);
        } catch (const InputError& e) {
            return e.what();
        }
        return {};
    };
    // Together first: changes that only make sense together (a start and an end
    // year moved past each other) are fine. When refused, each change alone says
    // which fields are wrong; a refusal no single change causes goes to the field
    // the message names.
    for (const bool programme : {true, false}) {
        const std::string together = refusal(overrides_of(r, programme));
        if (together.empty()) continue;
        for (const auto& [k, v] : r.changes)
            if (const std::string m = refusal({k + "=" + v}); !m.empty()) fields[k == "policies" ? "carbon_price" : k] = m;
        for (const auto& [k, v] : r.economy)
            if (const std::string m = refusal({k + "=" + v}); !m.empty()) fields[economy_keys[k]] = m;
        if (fields.empty()) {
            std::string f = field_of(together, r, economy_keys);
            for (const auto& [k, v] : r.changes)
                if (f.empty() && together.find(" " + k + ":") != std::string::npos) f = k;
            fields[f.empty() ? "scenario" : f] = together;
        }
        break;
    }
    // The restated policies map of an added carbon price would fill the message;
    // beside the field it is shortened to the policy added.
    for (const auto& [k, v] : r.changes)
        if (k == "policies")
            for (auto& [f, m] : fields)
                for (std::size_t at = m.find(v); at != std::string::npos; at = m.find(v))
                    m.replace(at, v.size(), std::string("{..., ") + kAddedCarbonPrice +
                                                ": {type: carbon_price, price: " + round_trip_text(r.carbon_price) +
                                                "}}");
    if (!fields.empty()) {
        const std::string first = fields.begin()->second;
        throw RequestError(first, 422, fields);
    }
    LoadOptions o;
    o.overrides = overrides_of(r, true);
    o.max_memory_bytes = limits.max_memory_bytes;
    Scenario s;
    try {
        s = load_scenario_text(text, entry.file, o);
    } catch (const InputError& e) {
        throw RequestError(e.what(), 413);  // only the memory guard is left to refuse it
    }
    if (s.total_firms() > limits.max_firms)
        throw RequestError(entry.file + ": " + std::to_string(s.total_firms()) + " firms; greenshift serve runs at most " +
                               std::to_string(limits.max_firms) + " firms per run (--max-firms)",
                           413);
    const double firm_steps = 2.0 * r.replicates * static_cast<double>(s.total_firms()) * s.run.steps();
    if (firm_steps > static_cast<double>(limits.max_firm_steps))
        throw RequestError(entry.file + ": " + std::to_string(r.replicates) + " replicates of two runs of " +
                               std::to_string(s.total_firms()) + " firms x " + std::to_string(s.run.steps()) +
                               " steps exceed the " + std::to_string(limits.max_firm_steps) +
                               " firm-steps a request may take (--max-firm-steps); use fewer replicates",
                           413, {{"replicates", "too many for this scenario's size"}});
}

std::shared_ptr<const RunResult> RunCache::find(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = by_key_.find(key);
    if (it == by_key_.end()) return nullptr;
    entries_.splice(entries_.begin(), entries_, it->second);
    return it->second->run;
}

void RunCache::put(const std::string& key, std::shared_ptr<const RunResult> run) {
    std::size_t bytes = sizeof(RunResult);
    for (const Variable& v : run->variables) bytes += v.values.size() * sizeof(double) + v.counts.size() * sizeof(std::int64_t);
    std::lock_guard<std::mutex> lock(mutex_);
    if (by_key_.count(key) != 0 || bytes > max_bytes_) return;
    entries_.push_front({key, std::move(run), bytes});
    by_key_[key] = entries_.begin();
    bytes_ += bytes;
    while (bytes_ > max_bytes_) {
        bytes_ -= entries_.back().bytes;
        by_key_.erase(entries_.back().key);
        entries_.pop_back();
    }
}

std::string RunCache::key(const BatchPlan& plan, std::uint32_t variant, std::uint64_t seed) {
    std::string k = fnv1a64_hex(plan.scenario_text) + ":" + std::to_string(plan.scenario_text.size());
    for (const std::string& o : plan.variants.at(variant).overrides) k += "\n" + o;
    return k + "\nseed=" + std::to_string(seed);
}

namespace {

// Every run of `plan`, from `cache` or computed: small runs in parallel on `threads`
// threads, one each; runs over kLargeRunFirms one at a time with every thread (as
// batch/runner does). `of_variant`: each variant's scenario; a run's differs only by
// its seed. Throws Cancelled as soon as `cancelled` says so, between runs.
std::vector<std::shared_ptr<const RunResult>> compute_runs(const BatchPlan& plan, const std::vector<Scenario>& of_variant,
                                                           int threads, const std::function<bool()>& cancelled,
                                                           RunCache* cache, std::uint32_t& reused) {
    const std::size_t N = plan.runs.size();
    std::vector<std::shared_ptr<const RunResult>> results(N);
    std::atomic<bool> stop{false};
    std::atomic<std::uint32_t> found{0};
    const auto one = [&](std::size_t i, int run_threads) {
        if (stop.load() || cancelled()) {
            stop.store(true);
            return;
        }
        const RunSpec& run = plan.runs[i];
        const std::string key = cache != nullptr ? RunCache::key(plan, run.variant, run.seed) : std::string();
        if (cache != nullptr && (results[i] = cache->find(key))) {
            ++found;
            return;
        }
        Scenario s = of_variant[run.variant];
        s.run.seed = run.seed;
        s.run.run_index = 0;
        results[i] = std::make_shared<const RunResult>(compute_run(s, run_threads));
        if (cache != nullptr) cache->put(key, results[i]);
    };
    std::uint64_t firms = 0;
    for (const Scenario& s : of_variant) firms = std::max(firms, s.total_firms());
    if (firms > kLargeRunFirms || threads <= 1) {
        for (std::size_t i = 0; i < N; ++i) one(i, threads);
    } else {
        tbb::task_arena arena(threads);
        arena.execute([&] {
            tbb::parallel_for(tbb::blocked_range<std::size_t>(0, N, 1),
                              [&](const tbb::blocked_range<std::size_t>& range) {
                                  for (std::size_t i = range.begin(); i != range.end(); ++i) one(i, 1);
                              },
                              tbb::simple_partitioner());
        });
    }
    if (stop.load()) throw Cancelled();
    reused = found.load();
    return results;
}

// The summary table of the pairs (indicators per replicate, then their statistics,
// as the batch file's /effects/indicators and /summary), with each replicate's value.
json indicators_json(const std::vector<const RunResult*>& base, const std::vector<const RunResult*>& prog) {
    const std::size_t R = prog.size();
    const std::vector<indicators::Definition> defs = indicators::definitions(prog[0]->coords);
    const std::size_t I = defs.size();
    std::vector<double> rows;
    rows.reserve(R * I);
    for (std::size_t k = 0; k < R; ++k) {
        const std::vector<double> x = indicators::values(*prog[k], *base[k]);
        rows.insert(rows.end(), x.begin(), x.end());
    }
    const auto& sstats = ensemble::summary_statistics();
    std::vector<std::int64_t> valid;
    const std::vector<double> st = ensemble::column_statistics(rows, R, I, sstats, &valid);
    json indicators = json::array();
    for (std::size_t i = 0; i < I; ++i) {
        json row = {{"name", defs[i].name}, {"units", defs[i].units}, {"long_name", defs[i].long_name},
                    {"label", defs[i].label}, {"unit_words", defs[i].unit_words}, {"valid", valid[i]}};
        for (std::size_t s = 0; s < sstats.size(); ++s) row[sstats[s].name] = st[s * I + i];
        json per = json::array();
        for (std::size_t k = 0; k < R; ++k) per.push_back(rows[k * I + i]);
        row["replicates"] = per;
        indicators.push_back(row);
    }
    return indicators;
}

// What the charts draw: per-year bands (mean, p5, p95 across replicates) of CO2 by
// variant and of the effects, and the extra adoptions at the end by technology x
// sector (mean).
void add_chart_data(const std::vector<const RunResult*>& base, const std::vector<const RunResult*>& prog,
                    json& out) {
    const std::size_t R = prog.size();
    const Coordinates& coords = prog[0]->coords;
    std::vector<std::vector<Variable>> effects(R);
    for (std::size_t k = 0; k < R; ++k) effects[k] = ensemble::effects(*prog[k], *base[k]);
    const std::size_t T = coords.year.size();
    const auto band_of = [&](const std::function<std::vector<double>(std::size_t)>& per_replicate) {
        std::vector<double> m;
        m.reserve(R * T);
        for (std::size_t k = 0; k < R; ++k) {
            const std::vector<double> x = per_replicate(k);
            m.insert(m.end(), x.begin(), x.end());
        }
        return band_json(m, R, T);
    };
    json series;
    series["co2_baseline"] = band_of([&](std::size_t k) { return per_step(base[k]->find("co2_emissions"), T); });
    series["co2_programme"] = band_of([&](std::size_t k) { return per_step(prog[k]->find("co2_emissions"), T); });
    for (const char* name : {"co2_avoided", "investment_mobilised", "grant_spent", "jobs_total_added",
                             "jobs_direct_added"})
        series[name] = band_of([&](std::size_t k) { return per_step(find_in(effects[k], name), T); });

    const std::size_t S = coords.sector.size(), Z = coords.size_class.size(), K = coords.technology.size();
    std::vector<std::vector<double>> added(K, std::vector<double>(S, 0.0));
    for (std::size_t k = 0; k < R; ++k) {
        const Variable* a = find_in(effects[k], "adopters_added");
        if (a == nullptr) continue;
        for (std::size_t s = 0; s < S; ++s)
            for (std::size_t z = 0; z < Z; ++z)
                for (std::size_t q = 0; q < K; ++q)
                    added[q][s] += value_at(*a, (((T - 1) * S + s) * Z + z) * K + q) / static_cast<double>(R);
    }
    out["years"] = coords.year;
    out["sectors"] = coords.sector;
    out["size_classes"] = coords.size_class;
    out["technologies"] = coords.technology;
    out["series"] = series;
    out["adoption_added"] = added;
}

}  // namespace

Study compute_study(const StudyRequest& r, const ScenarioEntry& entry, const Limits& limits, int threads,
                    const std::function<bool()>& cancelled, RunCache* cache) {
    using Clock = std::chrono::steady_clock;
    const auto seconds = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };
    const auto t0 = Clock::now();
    validate_changes(r, entry, limits);
    const auto t_checked = Clock::now();
    Study study;
    const fs::path batch_file = fs::path(entry.path).parent_path() / "serve-batch.yaml";
    try {
        study.plan = load_batch_text(batch_yaml(r, entry), batch_file.string());
        expand(study.plan);
    } catch (const InputError& e) {
        throw RequestError(e.what(), 422);
    }
    const BatchPlan& plan = study.plan;
    // Every replicate's scenario is its variant's with that run's seed: no uncertain
    // parameter, so scenario_for_run would load the same text again for each.
    std::vector<Scenario> of_variant;  // baseline 0, programme 1
    for (std::size_t v = 0; v < plan.variants.size(); ++v)
        of_variant.push_back(scenario_for_run(plan, plan.runs.at(v), limits.max_memory_bytes));
    study.baseline = of_variant[0];
    study.programme = of_variant[1];
    const auto t_planned = Clock::now();

    std::uint32_t reused = 0;
    const auto results = compute_runs(plan, of_variant, threads, cancelled, cache, reused);
    const auto t_runs = Clock::now();

    // Pairs in run order (replicate order), as the batch file's effects rows.
    const std::size_t R = plan.replicates;
    std::vector<const RunResult*> base(R), prog(R);
    for (const RunSpec& run : plan.runs) (run.variant == 0 ? base : prog).at(run.replicate) = results[run.index].get();
    json out = {{"scenario", entry.file}, {"replicates", R}, {"seed", plan.seed}};
    out["indicators"] = indicators_json(base, prog);
    add_chart_data(base, prog, out);
    json seeds = json::array();
    for (std::size_t k = 0; k < R; ++k) seeds.push_back(run_seed(plan.seed, 0, static_cast<std::uint32_t>(k)));
    std::uint64_t firm_steps = 0;
    for (const auto& x : results) firm_steps += x->firm_steps;
    const auto t_end = Clock::now();
    out["seeds"] = seeds;
    out["runs"] = results.size();
    out["runs_reused"] = reused;  // found in the cache: computed for an earlier study
    out["firm_steps"] = firm_steps;
    out["seconds"] = seconds(t0, t_end);
    // where the time went: checking the values, the batch plan and the two scenarios,
    // the runs, the indicators and charts
    out["timings"] = {{"check", seconds(t0, t_checked)}, {"plan", seconds(t_checked, t_planned)},
                      {"runs", seconds(t_planned, t_runs)}, {"statistics", seconds(t_runs, t_end)}};
    study.result = std::move(out);
    return study;
}

}  // namespace greenshift::serve
