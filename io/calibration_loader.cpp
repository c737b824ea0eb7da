#include "io/calibration_loader.hpp"

#include "io/batch_loader.hpp"
#include "io/input_error.hpp"
#include "io/observations_loader.hpp"
#include "io/scenario_loader.hpp"
#include "io/scenario_yaml.hpp"
#include "io/yaml_reader.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

namespace greenshift {

std::vector<std::string> calibration_overrides(const CalibrationPlan& plan, const std::vector<double>& values) {
    std::vector<std::string> out = plan.frame_overrides;
    for (std::size_t i = 0; i < plan.parameters.size(); ++i)
        out.push_back(plan.parameters[i].key + "=" + round_trip_text(values.at(i)));
    return out;
}

namespace {

using yaml::join;
using yaml::Node;
using Kind = yaml::Node::Kind;

constexpr yaml::DocumentKind kCalibrationDocument{"calibration", "calibration: with scenario:, parameters: and targets:",
                                                  "schema:, calibration:"};
constexpr std::string_view kTopKeys[] = {"schema", "calibration"};
constexpr std::string_view kKeys[] = {"scenario", "seed",       "replicates", "end_year", "parameters",
                                      "targets",  "validation", "method",     "checkpoint_every"};
constexpr std::string_view kParameterKeys[] = {"key", "bounds", "prior", "start"};
constexpr std::string_view kPriorKeys[][3] = {
    {"distribution", "", ""}, {"distribution", "", ""}, {"distribution", "mean", "sd"}, {"distribution", "mu", "sigma"}};
constexpr std::string_view kMethodKeys[] = {"optimizer", "posterior"};
constexpr std::string_view kOptimizerKeys[] = {"global", "global_evaluations", "local", "local_evaluations", "tolerance"};
constexpr std::string_view kPosteriorKeys[] = {"method", "samples", "burn_in", "thin", "predictive"};

constexpr std::uint64_t kMaxReplicates = 10'000;
constexpr std::uint64_t kMaxEvaluations = 1'000'000;
constexpr std::size_t kMaxParameters = 64;

class CalibrationReader : public yaml::Reader {
public:
    CalibrationReader(std::string file, const std::vector<yaml::Source>& sources)
        : yaml::Reader(sources), file_(std::move(file)) {}

    CalibrationPlan read(const Node& root, const std::string& text);

private:
    using yaml::Reader::fail_at;
    [[noreturn]] void fail_at(int line, int column, const std::string& message) const { fail_at(0, line, column, message); }

    void read_scenario(const Node& c, CalibrationPlan& plan) const;
    CalibrationParameter read_parameter(const Node& item, const std::string& p) const;
    void read_prior(const Node& n, const std::string& p, CalibrationParameter& cp) const;
    void read_method(const Node& c, CalibrationPlan& plan) const;
    Scenario check_parameters(const CalibrationPlan& plan, const Node& c) const;

    std::string file_;
};

void CalibrationReader::read_scenario(const Node& c, CalibrationPlan& plan) const {
    const Node& sc = require(c, "calibration", "scenario", "the base scenario file, relative to the calibration file's folder");
    const std::string as_written = string(sc, "calibration.scenario");
    if (as_written.empty()) bad(sc, "calibration.scenario", "expected a file name", "e.g. morocco-baseline.yaml");
    namespace fs = std::filesystem;
    fs::path sp(as_written);
    if (sp.is_relative()) sp = fs::path(file_).parent_path() / sp;
    plan.scenario_file = sp.lexically_normal().string();
    try {
        plan.scenario_text = yaml::read_yaml_file(plan.scenario_file, plan.scenario_file, yaml::kScenarioDocument);
    } catch (const InputError& e) {
        bad(sc, "calibration.scenario", e.message() + " (" + plan.scenario_file + ")",
            "name a scenario file, relative to the calibration file's folder");
    }
}

void CalibrationReader::read_prior(const Node& n, const std::string& p, CalibrationParameter& cp) const {
    const Node& m = expect_map(n, p, "a map with distribution (uniform, loguniform, normal or lognormal) and its parameters");
    cp.prior = static_cast<Prior>(choice(require(m, p, "distribution", "uniform, loguniform, normal or lognormal"),
                                         join(p, "distribution"), kPriorNames));
    const auto& keys = kPriorKeys[static_cast<std::size_t>(cp.prior)];
    std::vector<std::string_view> allowed;
    for (const auto k : keys)
        if (!k.empty()) allowed.push_back(k);
    check_keys(m, p, "a " + std::string(kPriorNames[static_cast<std::size_t>(cp.prior)]) + " prior", allowed);
    const std::string range = "[" + round_trip_text(cp.lower) + ", " + round_trip_text(cp.upper) + "]";
    switch (cp.prior) {
    case Prior::uniform: break;
    case Prior::loguniform: break;
    case Prior::normal: {
        const Node& mean = require(m, p, "mean", "the prior's mean");
        cp.mean = real(mean, join(p, "mean"));
        cp.sd = real(require(m, p, "sd", "the prior's standard deviation"), join(p, "sd"), yaml::kPositive);
        if (cp.mean < cp.lower || cp.mean > cp.upper)
            bad(mean, join(p, "mean"), "the prior's mean is outside the parameter's bounds " + range,
                "a mean inside the bounds");
        break;
    }
    case Prior::lognormal: {
        const Node& mu = require(m, p, "mu", "the mean of the prior's logarithm");
        cp.mu = real(mu, join(p, "mu"));
        cp.sigma = real(require(m, p, "sigma", "the standard deviation of the prior's logarithm"), join(p, "sigma"),
                        yaml::kPositive);
        if (std::exp(cp.mu) < cp.lower || std::exp(cp.mu) > cp.upper)
            bad(mu, join(p, "mu"), "the prior's median exp(mu) = " + round_trip_text(std::exp(cp.mu)) +
                                       " is outside the parameter's bounds " + range,
                "mu between log(lower) and log(upper)");
        break;
    }
    }
}

CalibrationParameter CalibrationReader::read_parameter(const Node& item, const std::string& p) const {
    const Node& m = expect_map(item, p, "a map with key, bounds and optionally prior and start");
    check_keys(m, p, "a parameter", kParameterKeys);
    CalibrationParameter cp;
    const Node& key = require(m, p, "key", "a scenario key path, e.g. decision.midpoint");
    cp.key = string(key, join(p, "key"));
    cp.line = key.line;
    cp.column = key.column;
    const auto parts = yaml::split_key_path(cp.key);
    for (const auto& part : parts)
        if (part.empty() || part == "*")
            bad(key, join(p, "key"), "a key path names one value",
                "scenario keys joined by dots, e.g. sectors.textile.hurdle_rate.small");
    if (parts.size() >= 2 && parts[0] == "run")
        bad(key, join(p, "key"), "the run's frame and seed are not calibrated",
            "a behavioural or economic parameter; the seed is calibration.seed, the horizon calibration.end_year");
    const std::string bp = join(p, "bounds");
    const Node& b = require(m, p, "bounds", "[lower, upper]");
    if (b.kind != Kind::sequence || b.items.size() != 2) bad(b, bp, "expected [lower, upper]", "two numbers, lower < upper");
    cp.lower = real(b.items[0], bp + "[0]");
    cp.upper = real(b.items[1], bp + "[1]");
    if (!(cp.lower < cp.upper))
        fail(b, bp + ": the bounds are inverted or equal, got [" + round_trip_text(cp.lower) + ", " +
                    round_trip_text(cp.upper) + "]; allowed: lower < upper, e.g. [" + round_trip_text(cp.upper) + ", " +
                    round_trip_text(cp.lower) + "]");
    if (const Node* n = m.find("prior"); n && n->kind != Kind::null) read_prior(*n, join(p, "prior"), cp);
    if (cp.log_scale() && cp.lower <= 0)
        bad(b.items[0], bp + "[0]", "a " + std::string(kPriorNames[static_cast<std::size_t>(cp.prior)]) +
                                        " parameter is searched on a log scale, so its lower bound must be positive",
            "lower > 0, or prior: {distribution: uniform}");
    if (const Node* n = m.find("start")) {
        cp.has_start = true;
        const yaml::Range in{cp.lower, cp.upper};
        cp.start = real(*n, join(p, "start"), in);
    }
    return cp;
}

void CalibrationReader::read_method(const Node& c, CalibrationPlan& plan) const {
    const Node* mn = c.find("method");
    if (!mn || mn->kind == Kind::null) return;
    const Node& m = expect_map(*mn, "calibration.method", "a map with optimizer and posterior");
    check_keys(m, "calibration.method", "calibration.method", kMethodKeys);
    if (const Node* on = m.find("optimizer"); on && on->kind != Kind::null) {
        const std::string p = "calibration.method.optimizer";
        const Node& o = expect_map(*on, p, "a map with global, global_evaluations, local, local_evaluations");
        check_keys(o, p, p, kOptimizerKeys);
        OptimizerSettings& s = plan.optimizer;
        if (const Node* n = o.find("global")) s.global = kGlobalAlgorithms[choice(*n, join(p, "global"), kGlobalAlgorithms)];
        if (const Node* n = o.find("local")) s.local = kLocalAlgorithms[choice(*n, join(p, "local"), kLocalAlgorithms)];
        if (const Node* n = o.find("global_evaluations"))
            s.global_evaluations = static_cast<std::uint32_t>(whole(*n, join(p, "global_evaluations"), 0, kMaxEvaluations));
        if (const Node* n = o.find("local_evaluations"))
            s.local_evaluations = static_cast<std::uint32_t>(whole(*n, join(p, "local_evaluations"), 0, kMaxEvaluations));
        if (const Node* n = o.find("tolerance")) s.tolerance = real(*n, join(p, "tolerance"), yaml::Range{0, 0.5, true, false});
        if (s.local == "LN_BOBYQA" && plan.parameters.size() < 2)
            fail(o.find("local") ? *o.find("local") : o,
                 p + ".local: NLopt's LN_BOBYQA needs at least 2 parameters, got 1; allowed: LN_COBYLA, "
                     "LN_NELDERMEAD or LN_SBPLX for one parameter");
    }
    if (const Node* pn = m.find("posterior"); pn && pn->kind != Kind::null) {
        const std::string p = "calibration.method.posterior";
        const Node& o = expect_map(*pn, p, "a map with method, samples, burn_in, thin, predictive");
        check_keys(o, p, p, kPosteriorKeys);
        PosteriorSettings& s = plan.posterior;
        if (const Node* n = o.find("method")) s.method = kPosteriorMethods[choice(*n, join(p, "method"), kPosteriorMethods)];
        if (const Node* n = o.find("samples"))
            s.samples = static_cast<std::uint32_t>(whole(*n, join(p, "samples"), 1, kMaxEvaluations));
        if (const Node* n = o.find("burn_in"))
            s.burn_in = static_cast<std::uint32_t>(whole(*n, join(p, "burn_in"), 0, kMaxEvaluations));
        if (const Node* n = o.find("thin")) s.thin = static_cast<std::uint32_t>(whole(*n, join(p, "thin"), 1, 1000));
        if (const Node* n = o.find("predictive"))
            s.predictive = static_cast<std::uint32_t>(whole(*n, join(p, "predictive"), 1, s.samples, " (at most the samples kept)"));
        s.predictive = std::min(s.predictive, s.samples);
        const std::uint64_t steps = std::uint64_t{s.burn_in} + std::uint64_t{s.samples} * s.thin;
        if (steps > kMaxEvaluations)
            fail(o, p + ": burn_in + samples x thin = " + std::to_string(steps) + " chain steps; allowed: at most " +
                        std::to_string(kMaxEvaluations));
    }
}

// Builds the scenario with every parameter at its lower bound, its upper bound and its
// start (the middle of its bounds when not given): the scenario loader checks each key
// path and value, and an error is moved to the line of CALIB.yaml that caused it.
// Returns the scenario at the start, which the targets are read against.
Scenario CalibrationReader::check_parameters(const CalibrationPlan& plan, const Node& c) const {
    std::vector<double> low, high, start;
    for (const auto& p : plan.parameters) {
        low.push_back(p.lower);
        high.push_back(p.upper);
        start.push_back(p.has_start ? p.start : p.log_scale() ? std::sqrt(p.lower * p.upper) : (p.lower + p.upper) / 2);
    }
    const std::size_t first = plan.frame_overrides.size();
    Scenario at_start;
    const auto check = [&](const std::vector<double>& values, const std::string& at) {
        try {
            LoadOptions o;
            o.overrides = calibration_overrides(plan, values);
            return load_scenario_text(plan.scenario_text, plan.scenario_file, o);
        } catch (const InputError& e) {
            const InputChange& ch = e.change();
            if (ch.kind == InputChange::Kind::override_text && ch.index >= first &&
                ch.index - first < plan.parameters.size()) {
                const std::size_t i = ch.index - first;
                const CalibrationParameter& p = plan.parameters[i];
                const std::string path = "calibration.parameters[" + std::to_string(i) + "].key";
                if (ch.part == InputChange::Part::key_path) fail_at(p.line, p.column, path + ": " + e.detail());
                fail_at(p.line, p.column,
                        path + ": '" + p.key + "' at " + at + " (" + round_trip_text(values[i]) + "): " + e.detail());
            }
            if (ch.kind == InputChange::Kind::override_text && ch.index < first) {
                const Node& n = *c.find("end_year");
                fail(n, "calibration.end_year: " + e.detail());
            }
            throw;
        }
    };
    check(low, "its lower bound");
    check(high, "its upper bound");
    at_start = check(start, "its start");
    return at_start;
}

CalibrationPlan CalibrationReader::read(const Node& root, const std::string& text) {
    check_keys(root, "", "the top level of a calibration file", kTopKeys);
    if (const Node* n = root.find("schema")) whole(*n, "schema", 1, 1, " (this program reads schema 1)");
    CalibrationPlan plan;
    plan.file = file_;
    plan.calibration_text = text;
    const Node& c = expect_map(require(root, "", "calibration", "scenario:, parameters: and targets:"), "calibration",
                               "a map with scenario, seed, replicates, parameters and targets");
    check_keys(c, "calibration", "calibration", kKeys);
    read_scenario(c, plan);
    // The scenario as written: its horizon bounds end_year.
    const Scenario base = load_scenario_text(plan.scenario_text, plan.scenario_file, LoadOptions{});
    if (const Node* n = c.find("seed")) plan.seed = whole(*n, "calibration.seed", 0, std::numeric_limits<std::uint64_t>::max());
    if (const Node* n = c.find("replicates"))
        plan.replicates = static_cast<std::uint32_t>(whole(*n, "calibration.replicates", 1, kMaxReplicates));
    if (const Node* n = c.find("end_year"))
        plan.end_year = integer(*n, "calibration.end_year", base.run.start_year, base.run.end_year,
                                " (the scenario's years)");
    if (plan.end_year != 0 && plan.end_year != base.run.end_year) {
        // The scenario's own references (for check-plausibility) may name later years;
        // a calibration's runs never read them.
        if (!base.references.empty()) plan.frame_overrides.push_back("-references");
        plan.frame_overrides.push_back("run.end_year=" + std::to_string(plan.end_year));
        for (const Policy& pol : base.policies) {
            if (pol.start_year > plan.end_year) plan.frame_overrides.push_back("-policies." + pol.name);
            else if (pol.end_year > plan.end_year)
                plan.frame_overrides.push_back("policies." + pol.name + ".end_year=" + std::to_string(plan.end_year));
        }
    }
    if (const Node* n = c.find("checkpoint_every"))
        plan.checkpoint_every = static_cast<std::uint32_t>(whole(*n, "calibration.checkpoint_every", 1, kMaxEvaluations));

    const Node& ps = require(c, "calibration", "parameters", "a list of parameters, each with key and bounds");
    if (ps.kind != Kind::sequence || ps.items.empty() || ps.items.size() > kMaxParameters)
        bad(ps, "calibration.parameters", "expected a list of 1 to " + std::to_string(kMaxParameters) + " parameters",
            "e.g. - {key: decision.midpoint, bounds: [0.1, 1.0]}");
    for (std::size_t i = 0; i < ps.items.size(); ++i) {
        const std::string p = "calibration.parameters[" + std::to_string(i) + "]";
        CalibrationParameter cp = read_parameter(ps.items[i], p);
        for (const auto& other : plan.parameters)
            if (other.key == cp.key)
                fail_at(cp.line, cp.column, p + ".key: '" + cp.key + "' is calibrated twice; allowed: each key path once");
        plan.parameters.push_back(std::move(cp));
    }
    read_method(c, plan);
    const Scenario scenario = check_parameters(plan, c);

    const Node& ts = require(c, "calibration", "targets", "the observed figures the parameters are fitted to");
    plan.targets = read_observations(*this, ts, "calibration.targets", scenario);
    if (plan.targets.empty())
        bad(ts, "calibration.targets", "no targets", "at least one observed figure, in the format of a scenario's references");
    if (const Node* vs = c.find("validation")) {
        plan.validation = read_observations(*this, *vs, "calibration.validation", scenario);
        for (const auto& v : plan.validation)
            for (const auto& t : plan.targets)
                if (v.name == t.name) {
                    const auto& e = *std::find_if(vs->entries.begin(), vs->entries.end(),
                                                  [&](const yaml::Entry& x) { return x.key == v.name; });
                    fail_at(e.line, e.column,
                            "calibration.validation." + v.name + ": a target of the same name is fitted; allowed: a "
                                                                 "hold-out figure has its own name");
                }
    }
    std::string both = plan.calibration_text;
    both.push_back('\0');
    both += plan.scenario_text;
    plan.identity = fnv1a64_hex(both);
    return plan;
}

}  // namespace

CalibrationPlan load_calibration_text(const std::string& text, const std::string& path) {
    const std::vector<yaml::Source> sources{yaml::Source{path, {}, {}}};
    const Node root = yaml::parse_document(text, sources, 0, kCalibrationDocument);
    CalibrationReader reader(path, sources);
    return reader.read(root, text);
}

CalibrationPlan load_calibration(const std::string& path) {
    return load_calibration_text(yaml::read_yaml_file(path, path, kCalibrationDocument), path);
}

}  // namespace greenshift
