#include "io/batch_loader.hpp"

#include "io/calibration_file.hpp"
#include "io/design_csv.hpp"
#include "io/input_error.hpp"
#include "io/scenario_yaml.hpp"
#include "io/yaml_reader.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <string_view>
#include <unordered_map>

namespace greenshift {

std::string fnv1a64_hex(const std::string& bytes) {
    // FNV-1a, 64-bit offset basis and prime (Fowler, Noll, Vo).
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char c : bytes) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<std::size_t>(i)] = kHex[h & 0xF];
    return out;
}

LoadOptions variant_load_options(const BatchPlan& plan, std::uint32_t variant, const std::vector<double>& values,
                                 std::uint64_t max_memory_bytes) {
    const Variant& v = plan.variants.at(variant);
    LoadOptions o;
    o.overrides = v.overrides;
    o.max_memory_bytes = max_memory_bytes;
    if (!values.empty())
        for (const std::uint32_t p : v.uncertain) {
            const UncertainParameter& u = plan.uncertain.at(p);
            if (u.scale) o.scales.push_back(Scale{u.path, values.at(p)});
            else o.overrides.push_back(u.path + "=" + round_trip_text(values.at(p)));
        }
    return o;
}

std::optional<std::uint32_t> uncertain_parameter_of(const BatchPlan& plan, std::uint32_t variant,
                                                    const std::vector<double>& values, const InputChange& change) {
    if (values.empty()) return std::nullopt;
    // The order in which variant_load_options appends them.
    const Variant& v = plan.variants.at(variant);
    std::size_t overrides = v.overrides.size(), scales = 0;
    for (const std::uint32_t p : v.uncertain) {
        const bool scale = plan.uncertain.at(p).scale;
        std::size_t& index = scale ? scales : overrides;
        const auto kind = scale ? InputChange::Kind::scale : InputChange::Kind::override_text;
        if (change.kind == kind && change.index == index) return p;
        ++index;
    }
    return std::nullopt;
}

namespace {

using yaml::Node;
using Kind = yaml::Node::Kind;
using Keys = yaml::Names;
using yaml::join;
using yaml::list;
using yaml::suggestion;

constexpr std::string_view kTopKeys[] = {"schema",     "name",     "description", "scenario", "seed",
                                         "samples",    "replicates", "population", "variants", "sweeps",
                                         "uncertain",  "sensitivity", "design",   "from_calibration"};
constexpr std::string_view kPopulation[] = {"varies", "fixed"};
constexpr std::string_view kVariantKeys[] = {"description", "unset", "set", "baseline"};
constexpr std::string_view kSweepKeys[] = {"over", "set"};
constexpr std::string_view kApply[] = {"scale", "set"};
constexpr std::string_view kSensitivityKeys[] = {"method", "N", "trajectories", "levels"};
constexpr std::string_view kDesignKeys[] = {"file", "rows"};
constexpr std::uintmax_t kMaxDesignBytes = 1ull << 30;  // 1 GiB of CSV: ~10 million rows of 12 numbers

constexpr std::uint64_t kMaxSamples = 1'000'000;
constexpr std::uint64_t kMaxReplicates = 1'000'000;
constexpr std::size_t kMaxVariants = 10'000;  // after sweeps; each is built once at load
constexpr std::uint64_t kMaxRuns = 10'000'000;
constexpr std::size_t kMaxUncertain = 1'000;

// ---- YAML written back: the values of `set` as --set texts, and the resolved batch ----

// Plain scalars that read the same in flow context; anything else is double-quoted.
// Quoting is safe for everything but numbers and booleans, and those are always plain-safe.
bool plain_safe(const std::string& s) {
    if (s.empty() || s == "-" || s == "null" || s == "~") return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '.' || c == '+' || c == '-' || c == '/';
    });
}

std::string scalar_text(const std::string& text, bool was_quoted) {
    return !was_quoted && plain_safe(text) ? text : yaml_quoted(text);
}

std::string key_text(const std::string& key) { return plain_safe(key) ? key : yaml_quoted(key); }

// One line of flow YAML that parses back to the same tree (quoting preserved).
std::string flow(const Node& n) {
    switch (n.kind) {
    case Kind::null: return "null";
    case Kind::scalar: return scalar_text(n.text, n.quoted);
    case Kind::sequence: {
        std::string out = "[";
        for (std::size_t i = 0; i < n.items.size(); ++i) out += (i ? ", " : "") + flow(n.items[i]);
        return out + "]";
    }
    case Kind::map: {
        std::string out = "{";
        for (std::size_t i = 0; i < n.entries.size(); ++i)
            out += (i ? ", " : "") + key_text(n.entries[i].key) + ": " + flow(n.entries[i].value);
        return out + "}";
    }
    }
    return "null";
}

// Where an override or a scale came from in the batch file, for errors.
struct Origin {
    std::string where;  // e.g. "variants.cop22.set" or "sweeps[0].set"
    int key_line = 0, key_column = 0, value_line = 0, value_column = 0;
};

// One variant before the plan is final: what the file said, and where.
struct Draft {
    Variant variant;
    std::vector<Origin> origins;  // parallel to variant.overrides
    std::string baseline;         // name, resolved to an index at the end
    int line = 0, column = 0;     // the variant's key (or the sweep's) in the file
    std::string where;            // "variants.cop22" or "sweeps[0]"
};

struct Sweep {
    std::vector<std::string> over;
    struct Key {
        std::string path;
        std::vector<const Node*> values;
        int line = 0, column = 0;
    };
    std::vector<Key> keys;
    int line = 0, column = 0;
    const Node* over_node = nullptr;
};

class BatchReader : public yaml::Reader {
public:
    // `sources` holds the batch file alone.
    BatchReader(std::string file, const std::vector<yaml::Source>& sources) : yaml::Reader(sources), file_(std::move(file)) {}

    BatchPlan read(const Node& root);

private:
    using yaml::Reader::fail_at;
    [[noreturn]] void fail_at(int line, int column, const std::string& message) const { fail_at(0, line, column, message); }
    // A scenario key path written as a map key: names joined by dots.
    std::vector<std::string> key_path(const yaml::Entry& e, const std::string& where, bool star_ok) const {
        const auto parts = yaml::split_key_path(e.key);
        for (const auto& p : parts) {
            if (p.empty())
                fail_at(e.line, e.column,
                        join(where, e.key) + ": empty part in the key path; expected scenario keys joined by dots, "
                                             "e.g. policies.cop22_grant.annual_budget");
            if (p == "*" && !star_ok)
                fail_at(e.line, e.column,
                        join(where, e.key) + ": '*' stands for every entry of a map only in uncertain parameters "
                                             "with apply: scale; name the entry");
        }
        if (parts[0] == "run" && parts.size() >= 2 && parts[1] == "seed")
            fail_at(e.line, e.column,
                    join(where, e.key) + ": the batch gives every run its seed (from the top-level seed:, the "
                                         "sample and the replicate); remove this key");
        return parts;
    }

    void read_variants(const Node& root, std::vector<Draft>& drafts) const;
    std::vector<Sweep> read_sweeps(const Node& root, const std::vector<Draft>& drafts) const;
    std::vector<UncertainParameter> read_uncertain(const Node& root) const;
    void read_from_calibration(const Node& root, BatchPlan& plan) const;
    UncertainParameter read_uncertain_parameter(const yaml::Entry& e) const;
    void check_distribution_keys(const Node& m, const std::string& p, const std::string& path, Distribution dist) const;
    void check_distribution_values(const Node& m, const std::string& p, const UncertainParameter& u) const;
    SensitivitySpec read_sensitivity(const Node& root, BatchPlan& plan) const;
    std::string read_design(const Node& root, BatchPlan& plan) const;
    std::vector<Draft> expand_sweeps(std::vector<Draft> drafts, const std::vector<Sweep>& sweeps) const;
    std::string resolved_text(const Node& root, const BatchPlan& plan, const std::string& scenario_as_written,
                              const std::vector<Sweep>& sweeps) const;

    // Builds every variant's scenario once; see the .cpp comment on check_variants.
    void check_variants(BatchPlan& plan, const std::vector<Draft>& drafts) const;
    void check_same_frame(const Scenario& first, const Scenario& s, const BatchPlan& plan, std::uint32_t vi,
                          const Draft& d) const;
    [[noreturn]] void rethrow_in_batch(const InputError& e, const BatchPlan& plan, std::uint32_t vi, const Draft& d,
                                       const std::vector<double>& values, const std::string& context) const;

    std::string file_;
};

void BatchReader::read_variants(const Node& root, std::vector<Draft>& drafts) const {
    const Node& vs = expect_map(require(root, "", "variants", "at least one variant, e.g. cop22: {}"), "variants",
                                "a map of variant names");
    if (vs.entries.empty() || vs.entries.size() > kMaxVariants)
        fail(vs, "variants: got " + std::to_string(vs.entries.size()) + " variants; allowed: 1 to " +
                     std::to_string(kMaxVariants));
    for (const auto& e : vs.entries) {
        const std::string p = join("variants", e.key);
        check_name(vs, e, "variants", "variant");
        Draft d;
        d.variant.name = d.variant.family = e.key;
        d.line = e.line;
        d.column = e.column;
        d.where = p;
        if (e.value.kind != Kind::null) {
            const Node& m = expect_map(e.value, p,
                                       "a map with unset, set, baseline, description (or nothing: the base scenario as is)");
            check_keys(m, p, "variant '" + e.key + "'", kVariantKeys);
            if (const Node* n = m.find("description")) d.variant.description = string(*n, join(p, "description"));
            if (const Node* n = m.find("baseline")) d.baseline = string(*n, join(p, "baseline"));
            // unset: keys removed from the scenario file, before `set` applies
            if (const Node* n = m.find("unset"); n && n->kind != Kind::null) {
                const std::string up = join(p, "unset");
                if (n->kind != Kind::sequence)
                    bad(*n, up, "expected a list of scenario key paths", "e.g. [policies.cop22_tpme_label, policies.cop22_grant]");
                for (const Node& item : n->items) {
                    if (item.kind != Kind::scalar) bad(item, up, "expected a scenario key path", "e.g. policies.cop22_grant");
                    yaml::Entry at;
                    at.key = item.text;
                    at.line = item.line;
                    at.column = item.column;
                    key_path(at, up, false);
                    d.variant.overrides.push_back("-" + item.text);
                    d.origins.push_back(Origin{up, item.line, item.column, item.line, item.column});
                }
            }
            if (const Node* n = m.find("set"); n && n->kind != Kind::null) {
                const std::string sp = join(p, "set");
                expect_map(*n, sp, "a map of scenario key paths to values, e.g. {policies.cop22_grant.rate: 0.4}");
                for (const auto& s : n->entries) {
                    key_path(s, sp, false);
                    d.variant.overrides.push_back(s.key + "=" + flow(s.value));
                    d.origins.push_back(Origin{sp, s.line, s.column, s.value.line, s.value.column});
                }
            }
        }
        drafts.push_back(std::move(d));
    }
    // Pairing: a baseline is another variant that is not itself paired.
    std::vector<std::string> names;
    for (const auto& d : drafts) names.push_back(d.variant.name);
    for (std::size_t i = 0; i < drafts.size(); ++i) {
        const Draft& d = drafts[i];
        if (d.baseline.empty()) continue;
        const Node& at = *vs.entries[i].value.find("baseline");
        const std::string bp = join(d.where, "baseline");
        const auto it = std::find(names.begin(), names.end(), d.baseline);
        if (it == names.end()) bad(at, bp, "unknown variant", suggestion(d.baseline, names));
        if (*it == d.variant.name) bad(at, bp, "a variant cannot be its own baseline", "name another variant, or leave the key out");
        const Draft& b = drafts[static_cast<std::size_t>(it - names.begin())];
        if (!b.baseline.empty())
            bad(at, bp, "variant '" + b.variant.name + "' has a baseline itself ('" + b.baseline + "')",
                "a baseline must be a variant without a baseline (pairs are not chained)");
    }
}

std::vector<Sweep> BatchReader::read_sweeps(const Node& root, const std::vector<Draft>& drafts) const {
    std::vector<Sweep> sweeps;
    const Node* sn = root.find("sweeps");
    if (!sn || sn->kind == Kind::null) return sweeps;
    if (sn->kind != Kind::sequence)
        bad(*sn, "sweeps", "expected a list of sweeps", "e.g. - {over: [cop22], set: {policies.cop22_grant.rate: [0.2, 0.3]}}");
    std::vector<std::string> names, paired, baselines;
    for (const auto& d : drafts) {
        names.push_back(d.variant.name);
        if (!d.baseline.empty()) paired.push_back(d.variant.name), baselines.push_back(d.baseline);
    }
    for (std::size_t i = 0; i < sn->items.size(); ++i) {
        const std::string p = "sweeps[" + std::to_string(i) + "]";
        const Node& m = expect_map(sn->items[i], p, "a map with over and set");
        check_keys(m, p, "a sweep", kSweepKeys);
        Sweep sw;
        sw.line = m.line;
        sw.column = m.column;
        if (const Node* over = m.find("over")) {
            sw.over_node = over;
            const std::string op = join(p, "over");
            if (over->kind != Kind::sequence || over->items.empty())
                bad(*over, op, "expected a non-empty list of variant names", "e.g. [cop22]; leave the key out for every paired variant");
            for (std::size_t k = 0; k < over->items.size(); ++k) {
                const Node& item = over->items[k];
                const std::string ip = op + "[" + std::to_string(k) + "]";
                if (item.kind != Kind::scalar) bad(item, ip, "expected a variant name", suggestion("", names));
                if (std::find(names.begin(), names.end(), item.text) == names.end())
                    bad(item, ip, "unknown variant", suggestion(item.text, names));
                if (std::find(sw.over.begin(), sw.over.end(), item.text) != sw.over.end())
                    bad(item, ip, "listed twice", "name each variant once");
                if (std::find(baselines.begin(), baselines.end(), item.text) != baselines.end())
                    bad(item, ip, "variant '" + item.text + "' is the baseline of another variant",
                        "a baseline cannot be swept: its pairs would be ambiguous; sweep the paired variants");
                sw.over.push_back(item.text);
            }
        } else {
            if (paired.empty())
                fail(m, p + ": no variant has a baseline, so there is nothing to sweep by default; name the variants "
                            "with over: [...]");
            sw.over = paired;
        }
        const std::string setp = join(p, "set");
        const Node& set = require(m, p, "set", "the key paths to sweep, each with a list of values");
        if (set.kind != Kind::map || set.entries.empty())
            bad(set, setp, "expected a map of key paths to lists of values", "e.g. {policies.cop22_grant.rate: [0.2, 0.3]}");
        for (const auto& e : set.entries) {
            key_path(e, setp, false);
            if (e.value.kind != Kind::sequence || e.value.items.empty())
                bad(e.value, join(setp, e.key), "expected a non-empty list of values", "e.g. [2.5e7, 5e7, 1e8]");
            Sweep::Key k{e.key, {}, e.line, e.column};
            for (const auto& item : e.value.items) k.values.push_back(&item);
            sw.keys.push_back(std::move(k));
        }
        sweeps.push_back(std::move(sw));
    }
    return sweeps;
}

// `sensitivity: {method: sobol, N: 64}` or `{method: morris, trajectories: 10, levels: 4}`:
// the design's rows are the batch's samples, so `samples` is set from it.
SensitivitySpec BatchReader::read_sensitivity(const Node& root, BatchPlan& plan) const {
    SensitivitySpec sa;
    const Node* n = root.find("sensitivity");
    if (!n || n->kind == Kind::null) return sa;
    const Node& m = expect_map(*n, "sensitivity", "{method: sobol, N: 64} or {method: morris, trajectories: 10, levels: 4}");
    check_keys(m, "sensitivity", "the sensitivity block", kSensitivityKeys);
    // A batch file names a method; `none` is what leaving the block out means.
    const yaml::Names methods = yaml::Names(kSensitivityMethodNames).subspan(1);
    sa.method = static_cast<SensitivityMethod>(
        1 + choice(require(m, "sensitivity", "method", list(methods)), "sensitivity.method", methods));
    if (plan.uncertain.empty())
        bad(*n, "sensitivity", "no uncertain parameters to analyse", "add uncertain: with the parameters to rank");
    const std::uint64_t d = plan.uncertain.size();
    const auto only = [&](std::string_view key, std::string_view owner) {
        if (const Node* k = m.find(key))
            bad(*k, join("sensitivity", std::string(key)),
                "not a key of method " + std::string(kSensitivityMethodNames[static_cast<std::size_t>(sa.method)]),
                "'" + std::string(key) + "' belongs to method " + std::string(owner));
    };
    std::uint64_t samples = 0;
    if (sa.method == SensitivityMethod::sobol) {
        only("trajectories", "morris");
        only("levels", "morris");
        sa.base = static_cast<std::uint32_t>(whole(require(m, "sensitivity", "N", "the base sample size N (the design has N (d + 2) rows)"),
                                                   "sensitivity.N", 2, kMaxSamples, "(a power of 2 balances the Sobol points)"));
        samples = sa.base * (d + 2);
    } else {
        only("N", "sobol");
        sa.trajectories = static_cast<std::uint32_t>(
            whole(require(m, "sensitivity", "trajectories", "the number of trajectories r (r (d + 1) runs)"),
                  "sensitivity.trajectories", 2, kMaxSamples));
        if (const Node* l = m.find("levels")) {
            sa.levels = static_cast<std::uint32_t>(whole(*l, "sensitivity.levels", 2, 1000, "(even)"));
            if (sa.levels % 2 != 0) bad(*l, "sensitivity.levels", "must be even", "allowed: an even number from 2 to 1000");
        }
        samples = static_cast<std::uint64_t>(sa.trajectories) * (d + 1);
    }
    if (samples > kMaxSamples)
        bad(*n, "sensitivity", "the design has " + std::to_string(samples) + " samples",
            "allowed: at most " + std::to_string(kMaxSamples) + "; lower N or trajectories");
    if (const Node* s = root.find("samples"); s && plan.samples != samples)
        bad(*s, "samples", "the sensitivity design has " + std::to_string(samples) + " samples, not " +
                               std::to_string(plan.samples),
            "leave samples out: the design sets it");
    plan.samples = static_cast<std::uint32_t>(samples);
    return sa;
}

// `design: FILE.csv` or `design: {file: FILE.csv, rows: [A, B]}`: the rows A to B - 1
// (0-based, B excluded) of an explicit design matrix are the batch's samples. Returns
// the design's digest for the batch's identity (empty without a design).
std::string BatchReader::read_design(const Node& root, BatchPlan& plan) const {
    const Node* n = root.find("design");
    if (!n || n->kind == Kind::null) return {};
    if (const Node* s = root.find("sensitivity"); s && s->kind != Kind::null)
        bad(*n, "design", "a design file and a sensitivity: block both give the samples",
            "keep one: the design file's rows, or the sensitivity design");
    if (plan.uncertain.empty())
        bad(*n, "design", "no uncertain parameters", "declare every column of the design under uncertain:");
    const Node* file_node = n;
    const Node* rows = nullptr;
    if (n->kind == Kind::map) {
        check_keys(*n, "design", "the design block", kDesignKeys);
        file_node = &require(*n, "design", "file", "the design matrix, a CSV file relative to the batch file's folder");
        rows = n->find("rows");
    }
    const std::string key = n->kind == Kind::map ? "design.file" : "design";
    const std::string as_written = string(*file_node, key);
    if (as_written.empty()) bad(*file_node, key, "expected a file name", "e.g. design.csv");
    namespace fs = std::filesystem;
    fs::path fp(as_written);
    if (fp.is_relative()) fp = fs::path(file_).parent_path() / fp;
    plan.design.file = fp.lexically_normal().string();
    std::error_code ec;
    const std::uintmax_t size = fs::file_size(plan.design.file, ec);
    if (ec) bad(*file_node, key, "cannot read " + plan.design.file + " (" + ec.message() + ")",
                "name a CSV file, relative to the batch file's folder");
    if (size > kMaxDesignBytes)
        bad(*file_node, key, plan.design.file + " has " + std::to_string(size) + " bytes",
            "allowed: at most " + std::to_string(kMaxDesignBytes) + "; split the design into several batches");
    std::ifstream in(plan.design.file, std::ios::binary);
    std::string text(static_cast<std::size_t>(size), '\0');
    if (!in.read(text.data(), static_cast<std::streamsize>(size)))
        bad(*file_node, key, "cannot read " + plan.design.file, "name a readable CSV file");
    DesignRows d = read_design_csv(text, plan.design.file, plan.uncertain);
    std::uint64_t first = 0, last = d.total_rows;
    if (rows) {
        if (rows->kind != Kind::sequence || rows->items.size() != 2)
            bad(*rows, "design.rows", "expected two row numbers [A, B]", "rows A to B - 1, counted from 0 after the header, e.g. [0, 100]");
        first = whole(rows->items[0], "design.rows[0]", 0, d.total_rows - 1, " (the design's first row is 0)");
        last = whole(rows->items[1], "design.rows[1]", first + 1, d.total_rows,
                     " (B is excluded: the design has " + std::to_string(d.total_rows) + " rows)");
    }
    if (last - first > kMaxSamples)
        bad(rows ? *rows : *n, "design", "the design has " + std::to_string(last - first) + " rows",
            "allowed: at most " + std::to_string(kMaxSamples) + " in one batch; take a range with rows: [A, B]");
    const std::uint64_t samples = last - first;
    if (const Node* s = root.find("samples"); s && plan.samples != samples)
        bad(*s, "samples", "the design file gives " + std::to_string(samples) + " samples, not " + std::to_string(plan.samples),
            "leave samples out: the design sets it");
    const std::size_t dims = plan.uncertain.size();
    plan.samples = static_cast<std::uint32_t>(samples);
    plan.design.first_row = static_cast<std::uint32_t>(first);
    plan.sample_values.assign(d.values.begin() + static_cast<std::ptrdiff_t>(first), d.values.begin() + static_cast<std::ptrdiff_t>(last));
    plan.design.cells.assign(d.cells.begin() + static_cast<std::ptrdiff_t>(first * dims),
                             d.cells.begin() + static_cast<std::ptrdiff_t>(last * dims));
    // The values, not the file's bytes, make the batch: a reformatted file is the same batch.
    std::string values;
    for (const auto& row : plan.sample_values)
        for (const double v : row) values += round_trip_text(v) + ",";
    return fnv1a64_hex(values);
}

std::vector<UncertainParameter> BatchReader::read_uncertain(const Node& root) const {
    std::vector<UncertainParameter> out;
    const Node* un = root.find("uncertain");
    if (!un || un->kind == Kind::null) return out;
    expect_map(*un, "uncertain", "a map of scenario key paths to distributions");
    if (un->entries.size() > kMaxUncertain)
        fail(*un, "uncertain: got " + std::to_string(un->entries.size()) + " parameters; allowed: at most " +
                      std::to_string(kMaxUncertain));
    for (const auto& e : un->entries) out.push_back(read_uncertain_parameter(e));
    return out;
}

// `from_calibration: CALIB.h5`: every parameter of the calibration becomes an uncertain
// parameter (`set`) whose values are the rows of its posterior sample, not draws from a
// distribution (batch/expand.cpp). The file is read through open_input, resolved
// relative to the batch file's folder as the scenario is.
void BatchReader::read_from_calibration(const Node& root, BatchPlan& plan) const {
    const Node* n = root.find("from_calibration");
    if (!n || n->kind == Kind::null) return;
    const std::string written = string(*n, "from_calibration");
    const std::string allowed = "a calibration file written by `greenshift calibrate`, relative to the batch file's folder";
    if (written.empty()) bad(*n, "from_calibration", "expected a file name", allowed);
    if (root.find("sensitivity") || root.find("design"))
        bad(*n, "from_calibration",
            std::string("a ") + (root.find("design") ? "design file gives" : "sensitivity design draws") +
                " its own values of every uncertain parameter",
            "one of from_calibration, design and sensitivity");
    namespace fs = std::filesystem;
    fs::path cp(written);
    if (cp.is_relative()) cp = fs::path(file_).parent_path() / cp;
    plan.calibration_file = cp.lexically_normal().string();
    CalibrationPosterior post;
    try {
        post = read_calibration_posterior(plan.calibration_file, "batch");
    } catch (const InputError& e) {
        bad(*n, "from_calibration", e.what(), allowed);
    }
    if (post.sample.empty())
        bad(*n, "from_calibration", "the calibration has no posterior sample (it was run with posterior: {method: none})",
            "a calibration with a posterior sample");
    if (plan.uncertain.size() + post.keys.size() > kMaxUncertain)
        bad(*n, "from_calibration", "the calibration's " + std::to_string(post.keys.size()) + " parameters and the " +
                                        std::to_string(plan.uncertain.size()) + " of uncertain: are too many",
            "at most " + std::to_string(kMaxUncertain) + " uncertain parameters in all");
    for (std::size_t c = 0; c < post.keys.size(); ++c) {
        const std::string& key = post.keys[c];
        for (const UncertainParameter& u : plan.uncertain)
            if (u.path == key)
                bad(*n, "from_calibration",
                    "the calibration's parameter '" + key + "' is also under uncertain: (line " + std::to_string(u.line) + ")",
                    "each key path once: remove it from uncertain:, or leave out from_calibration");
        UncertainParameter u;
        u.path = key;
        u.scale = false;
        u.line = n->line;
        u.column = n->column;
        u.calibration_column = static_cast<int>(c);
        u.low = u.high = post.sample[0][c];
        for (const auto& row : post.sample) u.low = std::min(u.low, row[c]), u.high = std::max(u.high, row[c]);
        u.mode = std::clamp(post.estimate[c], u.low, u.high);
        plan.uncertain.push_back(u);
    }
    plan.calibration_draws = static_cast<std::uint32_t>(post.sample.size());
    plan.calibration_sample = std::move(post.sample);
}

UncertainParameter BatchReader::read_uncertain_parameter(const yaml::Entry& e) const {
    const std::string p = join("uncertain", e.key);
    const Node& m = expect_map(e.value, p, "a map {distribution, apply, and its parameters}");
    UncertainParameter u;
    u.path = e.key;
    u.line = e.line;
    u.column = e.column;
    u.distribution = static_cast<Distribution>(
        choice(require(m, p, "distribution", list(kDistributionNames)), join(p, "distribution"), kDistributionNames));
    const Node& apply = require(m, p, "apply", "scale (multiply the value) or set (replace it)");
    u.scale = choice(apply, join(p, "apply"), kApply) == 0;
    const auto parts = key_path(e, "uncertain", u.scale);
    if (parts[0] == "run" || parts[0] == "schema" || parts[0] == "name" || parts[0] == "description")
        fail_at(e.line, e.column,
                p + ": '" + parts[0] + "' cannot be uncertain: every run of a batch shares the horizon and its settings");
    if (parts[0] == "policies" && parts.size() >= 2 && parts[1] == "*")
        fail_at(e.line, e.column, p + ": name the policy; '*' is not allowed in place of a policy name");
    check_distribution_keys(m, p, e.key, u.distribution);
    const std::string name(kDistributionNames[static_cast<std::size_t>(u.distribution)]);
    for (const DistributionParameter& d : distribution_parameters(u.distribution))
        u.*d.field = real(require(m, p, d.key, std::string(d.what) + " of a " + name + " distribution"), join(p, d.key));
    check_distribution_values(m, p, u);
    return u;
}

// Refuses keys that are not `distribution`, `apply` or a parameter of `dist`,
// saying which distributions a parameter of another one belongs to.
void BatchReader::check_distribution_keys(const Node& m, const std::string& p, const std::string& path,
                                          Distribution dist) const {
    std::vector<std::string_view> keys{"distribution", "apply"};
    for (const DistributionParameter& d : distribution_parameters(dist)) keys.push_back(d.key);
    for (const auto& ke : m.entries) {
        if (std::find(keys.begin(), keys.end(), ke.key) != keys.end()) continue;
        std::vector<std::string_view> owners;
        for (std::size_t k = 0; k < kDistributionNames.size(); ++k)
            for (const DistributionParameter& d : distribution_parameters(static_cast<Distribution>(k)))
                if (d.key == ke.key) owners.push_back(kDistributionNames[k]);
        if (!owners.empty())
            fail_at(ke.line, ke.column,
                    join(p, ke.key) + ": '" + ke.key + "' is not a parameter of a " +
                        std::string(kDistributionNames[static_cast<std::size_t>(dist)]) + " distribution (it is one of " +
                        list(owners) + "); its keys are: " + list(keys));
        fail_at(ke.line, ke.column,
                join(p, ke.key) + ": unknown key '" + ke.key + "' in uncertain parameter '" + path + "'; " +
                    suggestion(ke.key, yaml::to_strings(keys)));
    }
}

void BatchReader::check_distribution_values(const Node& m, const std::string& p, const UncertainParameter& u) const {
    const auto above_low = [&] {
        if (!(u.low < u.high))
            bad(*m.find("high"), join(p, "high"), "must be above low (" + round_trip_text(u.low) + ")", "allowed: > low");
    };
    switch (u.distribution) {
    case Distribution::uniform: above_low(); break;
    case Distribution::triangular:
        above_low();
        if (u.mode < u.low || u.mode > u.high)
            bad(*m.find("mode"), join(p, "mode"), "out of range",
                "allowed: [" + round_trip_text(u.low) + ", " + round_trip_text(u.high) + "] (low to high)");
        break;
    case Distribution::normal:
        if (!(u.sd > 0)) bad(*m.find("sd"), join(p, "sd"), "out of range", "allowed: > 0");
        break;
    case Distribution::lognormal:
        if (!(u.sigma > 0)) bad(*m.find("sigma"), join(p, "sigma"), "out of range", "allowed: > 0");
        if (u.sigma > 10)
            bad(*m.find("sigma"), join(p, "sigma"), "out of range",
                "allowed: (0, 10] (exp(10 sigma) overflows nothing, but means nothing either)");
        break;
    }
}

// The name fragment of one swept value: the text as written when it is a plain
// token, else its position in the list.
std::string value_label(const Node& v, std::size_t index) {
    if (v.kind == Kind::scalar && !v.quoted && !v.text.empty() && v.text.size() <= 32 &&
        std::all_of(v.text.begin(), v.text.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
        }))
        return v.text;
    return "item-" + std::to_string(index + 1);
}

std::vector<Draft> BatchReader::expand_sweeps(std::vector<Draft> drafts, const std::vector<Sweep>& sweeps) const {
    std::vector<Draft> out;
    std::unordered_map<std::string, std::string> made;  // sweep-made name -> the sweep that made it
    for (auto& d : drafts) {
        bool swept = false;
        for (std::size_t si = 0; si < sweeps.size(); ++si) {
            const Sweep& sw = sweeps[si];
            if (std::find(sw.over.begin(), sw.over.end(), d.variant.name) == sw.over.end()) continue;
            swept = true;
            // Labels: the last part of each key path, or the whole path when two keys share it.
            std::vector<std::string> labels;
            for (const auto& k : sw.keys) labels.push_back(yaml::split_key_path(k.path).back());
            for (std::size_t a = 0; a < labels.size(); ++a)
                for (std::size_t b = 0; b < labels.size(); ++b)
                    if (a != b && yaml::split_key_path(sw.keys[a].path).back() == yaml::split_key_path(sw.keys[b].path).back())
                        labels[a] = sw.keys[a].path;
            // Cartesian product, first key slowest (row-major, as written).
            std::vector<std::size_t> at(sw.keys.size(), 0);
            for (;;) {
                Draft x = d;
                x.variant.name = d.variant.name;
                x.where = "sweeps[" + std::to_string(si) + "]";
                x.line = sw.line;
                x.column = sw.column;
                for (std::size_t k = 0; k < sw.keys.size(); ++k) {
                    const Node& v = *sw.keys[k].values[at[k]];
                    const std::string text = sw.keys[k].path + "=" + flow(v);
                    x.variant.overrides.push_back(text);
                    x.variant.sweep.push_back(text);
                    x.origins.push_back(Origin{x.where + ".set", sw.keys[k].line, sw.keys[k].column, v.line, v.column});
                    x.variant.name += "[" + labels[k] + "=" + value_label(v, at[k]) + "]";
                }
                if (const auto [it, fresh] = made.try_emplace(x.variant.name, x.where); !fresh)
                    fail_at(x.line, x.column,
                            x.where + ": makes variant '" + x.variant.name + "' a second time (first from " + it->second +
                                "); each combination of values may appear once");
                if (out.size() + 1 > kMaxVariants)
                    fail_at(sw.line, sw.column,
                            x.where + ": the sweeps make more than " + std::to_string(kMaxVariants) +
                                " variants; allowed: at most " + std::to_string(kMaxVariants));
                out.push_back(std::move(x));
                std::size_t k = sw.keys.size();
                while (k > 0 && ++at[k - 1] == sw.keys[k - 1].values.size()) at[--k] = 0;
                if (k == 0) break;
            }
        }
        if (!swept) out.push_back(std::move(d));
    }
    return out;
}

// The canonical batch: every default written, numbers with round-trip precision,
// `set` values re-emitted in flow style. Loading it back gives the same plan.
std::string BatchReader::resolved_text(const Node& root, const BatchPlan& plan, const std::string& scenario_as_written,
                                       const std::vector<Sweep>& sweeps) const {
    std::string y;
    y += "schema: 1\n";
    y += "name: " + scalar_text(plan.name, false) + "\n";
    if (!plan.description.empty()) y += "description: " + yaml_quoted(plan.description) + "\n";
    y += "scenario: " + scalar_text(scenario_as_written, false) + "\n";
    y += "seed: " + std::to_string(plan.seed) + "\n";
    y += "samples: " + std::to_string(plan.samples) + "\n";
    y += "replicates: " + std::to_string(plan.replicates) + "\n";
    // Only when fixed: batches written before the key keep their text and identity.
    if (plan.fixed_population) y += "population: fixed\n";
    y += "variants:\n";
    for (const auto& e : root.find("variants")->entries) {
        const Node* set = e.value.kind == Kind::map ? e.value.find("set") : nullptr;
        const Node* unset = e.value.kind == Kind::map ? e.value.find("unset") : nullptr;
        const Node* base = e.value.kind == Kind::map ? e.value.find("baseline") : nullptr;
        const Node* desc = e.value.kind == Kind::map ? e.value.find("description") : nullptr;
        const bool has_set = set && set->kind == Kind::map && !set->entries.empty();
        const bool has_unset = unset && unset->kind == Kind::sequence && !unset->items.empty();
        if (!has_set && !has_unset && !base && !desc) {
            y += "  " + e.key + ": {}\n";
            continue;
        }
        y += "  " + e.key + ":\n";
        if (desc) y += "    description: " + yaml_quoted(desc->text) + "\n";
        if (has_unset) {
            std::string keys;
            for (const Node& item : unset->items) keys += (keys.empty() ? "" : ", ") + key_text(item.text);
            y += "    unset: [" + keys + "]\n";
        }
        if (has_set) {
            y += "    set:\n";
            for (const auto& s : set->entries) y += "      " + key_text(s.key) + ": " + flow(s.value) + "\n";
        }
        if (base) y += "    baseline: " + base->text + "\n";
    }
    if (!sweeps.empty()) {
        y += "sweeps:\n";
        for (const auto& sw : sweeps) {
            std::string over;
            for (const auto& o : sw.over) over += (over.empty() ? "" : ", ") + o;
            y += "  - over: [" + over + "]\n    set:\n";
            for (const auto& k : sw.keys) {
                std::string values;
                for (const Node* v : k.values) values += (values.empty() ? "" : ", ") + flow(*v);
                y += "      " + key_text(k.path) + ": [" + values + "]\n";
            }
        }
    }
    if (std::any_of(plan.uncertain.begin(), plan.uncertain.end(), [](const auto& u) { return !u.from_calibration(); })) {
        y += "uncertain:\n";
        for (const auto& u : plan.uncertain) {
            if (u.from_calibration()) continue;
            const auto d = static_cast<std::size_t>(u.distribution);
            y += "  " + key_text(u.path) + ": {distribution: " + std::string(kDistributionNames[d]) +
                 ", apply: " + (u.scale ? "scale" : "set");
            for (const DistributionParameter& x : distribution_parameters(u.distribution))
                y += ", " + std::string(x.key) + ": " + round_trip_text(u.*x.field);
            y += "}\n";
        }
    }
    if (const Node* n = root.find("from_calibration"); n && n->kind != Kind::null)
        y += "from_calibration: " + yaml_quoted(n->text) + "\n";
    if (plan.sensitivity.method == SensitivityMethod::sobol)
        y += "sensitivity: {method: sobol, N: " + std::to_string(plan.sensitivity.base) + "}\n";
    if (plan.sensitivity.method == SensitivityMethod::morris)
        y += "sensitivity: {method: morris, trajectories: " + std::to_string(plan.sensitivity.trajectories) +
             ", levels: " + std::to_string(plan.sensitivity.levels) + "}\n";
    if (!plan.design.file.empty()) {
        const Node* n = root.find("design");
        const Node& f = n->kind == Kind::map ? *n->find("file") : *n;
        y += "design: {file: " + scalar_text(f.text, f.quoted) + ", rows: [" + std::to_string(plan.design.first_row) +
             ", " + std::to_string(plan.design.first_row + plan.samples) + "]}\n";
    }
    return y;
}

// An error of the scenario loader, moved to where the batch file caused it: the
// change it comes from (InputError::change), at that change's key path or value in
// the batch file; else, when the variant changes anything, the variant; else the
// base scenario's own error, unchanged. `values`: the uncertain values applied, if any.
void BatchReader::rethrow_in_batch(const InputError& e, const BatchPlan& plan, std::uint32_t vi, const Draft& d,
                                   const std::vector<double>& values, const std::string& context) const {
    const InputChange& c = e.change();
    if (c.kind == InputChange::Kind::override_text && c.index < d.origins.size()) {
        const Origin& o = d.origins[c.index];
        const bool key = c.part == InputChange::Part::key_path;
        fail_at(key ? o.key_line : o.value_line, key ? o.key_column : o.value_column, o.where + ": " + e.detail() + context);
    }
    if (const auto p = uncertain_parameter_of(plan, vi, values, c)) {
        const UncertainParameter& u = plan.uncertain[*p];
        if (u.from_calibration())
            fail_at(u.line, u.column,
                    "from_calibration: the calibration's parameter '" + u.path + "' (" + plan.calibration_file +
                        ") is refused by the batch's scenario: " + e.detail() + context);
        // A scale's label says by how much ("scale path by 1.2"); a set value is in the message.
        fail_at(u.line, u.column, "uncertain." + u.path + ": " + (u.scale ? e.message() : e.detail()) + context);
    }
    const Variant& v = plan.variants[vi];
    if (v.overrides.empty() && (values.empty() || v.uncertain.empty())) throw e;
    fail_at(d.line, d.column, d.where + ": the base scenario with this variant's changes is refused" + context + ": " + e.what());
}

// Refuses variant `s` when its horizon, sectors or technologies differ from those of
// the first variant: the runner stacks a batch's runs on them.
void BatchReader::check_same_frame(const Scenario& first, const Scenario& s, const BatchPlan& plan,
                                   std::uint32_t vi, const Draft& d) const {
    const auto names = [](const auto& items) {
        std::vector<std::string> out;
        for (const auto& x : items) out.push_back(x.name);
        return out;
    };
    std::string what;
    const auto cmp = [&](const char* key, long a, long b) {
        if (what.empty() && a != b)
            what = std::string("changes ") + key + " from " + std::to_string(a) + " to " + std::to_string(b);
    };
    cmp("run.start_year", first.run.start_year, s.run.start_year);
    cmp("run.end_year", first.run.end_year, s.run.end_year);
    cmp("run.steps_per_year", first.run.steps_per_year, s.run.steps_per_year);
    if (what.empty() && names(first.sectors) != names(s.sectors)) what = "changes the list of sectors";
    if (what.empty() && names(first.technologies) != names(s.technologies)) what = "changes the list of technologies";
    if (!what.empty())
        fail_at(d.line, d.column,
                d.where + ": variant '" + plan.variants[vi].name + "' " + what + " of variant '" + plan.variants[0].name +
                    "'; allowed: every variant of a batch has the same horizon (run.start_year, run.end_year, "
                    "run.steps_per_year), sectors and technologies, because its runs are stacked on them");
}

// Every variant's scenario is built once here: the scenario loader checks each
// override against the schema and the ranges, and the horizon, sectors and
// technologies are compared across variants (the runner stacks runs on them). Each
// uncertain parameter is then applied at its centre and, for the bounded
// distributions, at both ends, so a range that leaves the scenario's limits is
// refused before anything runs (batch/expand.cpp checks the sampled extremes).
void BatchReader::check_variants(BatchPlan& plan, const std::vector<Draft>& drafts) const {
    std::optional<Scenario> first;
    std::vector<double> centre, low, high;
    bool bounded = false;
    for (const auto& u : plan.uncertain) {
        if (u.from_calibration()) {  // the estimate; the posterior sample's smallest and largest values
            centre.push_back(u.mode), low.push_back(u.low), high.push_back(u.high), bounded = true;
            continue;
        }
        switch (u.distribution) {
        case Distribution::uniform: centre.push_back((u.low + u.high) / 2), low.push_back(u.low), high.push_back(u.high), bounded = true; break;
        case Distribution::triangular: centre.push_back(u.mode), low.push_back(u.low), high.push_back(u.high), bounded = true; break;
        case Distribution::normal: centre.push_back(u.mean), low.push_back(u.mean), high.push_back(u.mean); break;
        case Distribution::lognormal: centre.push_back(std::exp(u.mu)), low.push_back(std::exp(u.mu)), high.push_back(std::exp(u.mu)); break;
        }
    }
    for (std::uint32_t vi = 0; vi < drafts.size(); ++vi) {
        const Draft& d = drafts[vi];
        Variant& v = plan.variants[vi];
        Scenario s;
        try {
            s = load_scenario_text(plan.scenario_text, plan.scenario_file, variant_load_options(plan, vi, {}));
        } catch (const InputError& e) {
            rethrow_in_batch(e, plan, vi, d, {}, "");
        }
        if (!first) first = s;
        else check_same_frame(*first, s, plan, vi, d);
        // Parameters of a policy apply to the variants that have it.
        for (std::uint32_t p = 0; p < plan.uncertain.size(); ++p) {
            const auto parts = yaml::split_key_path(plan.uncertain[p].path);
            if (parts[0] == "policies" && parts.size() >= 2 &&
                std::none_of(s.policies.begin(), s.policies.end(), [&](const Policy& x) { return x.name == parts[1]; }))
                continue;
            v.uncertain.push_back(p);
        }
        if (v.uncertain.empty()) continue;
        const auto check = [&](const std::vector<double>& values, const std::string& at) {
            try {
                load_scenario_text(plan.scenario_text, plan.scenario_file, variant_load_options(plan, vi, values));
            } catch (const InputError& e) {
                rethrow_in_batch(e, plan, vi, d, values, " (variant '" + v.name + "', uncertain parameters at " + at + ")");
            }
        };
        check(centre, "their centre");
        if (bounded) {
            check(low, "the low end of their range");
            check(high, "the high end of their range");
        }
    }
}

BatchPlan BatchReader::read(const Node& root) {
    check_keys(root, "", "the top level of a batch file", kTopKeys);
    BatchPlan plan;
    plan.file = file_;
    if (const Node* n = root.find("schema")) {
        whole(*n, "schema", 1, 1, " (this program reads schema 1)");
    }
    plan.name = std::filesystem::path(file_).stem().string();
    if (plan.name.empty()) plan.name = "batch";
    if (const Node* n = root.find("name")) plan.name = string(*n, "name");
    if (const Node* n = root.find("description")) plan.description = string(*n, "description");

    const Node& sc = require(root, "", "scenario", "the base scenario file, relative to the batch file's folder");
    const std::string scenario_as_written = string(sc, "scenario");
    if (scenario_as_written.empty()) bad(sc, "scenario", "expected a file name", "e.g. morocco-cop22.yaml");
    {
        namespace fs = std::filesystem;
        fs::path sp(scenario_as_written);
        if (sp.is_relative()) sp = fs::path(file_).parent_path() / sp;
        plan.scenario_file = sp.lexically_normal().string();
        try {
            plan.scenario_text = yaml::read_yaml_file(plan.scenario_file, plan.scenario_file, yaml::kScenarioDocument);
        } catch (const InputError& e) {
            bad(sc, "scenario", e.message() + " (" + plan.scenario_file + ")", "name a scenario file, relative to the batch file's folder");
        }
    }
    if (const Node* n = root.find("seed")) plan.seed = whole(*n, "seed", 0, std::numeric_limits<std::uint64_t>::max());
    if (const Node* n = root.find("samples")) plan.samples = static_cast<std::uint32_t>(whole(*n, "samples", 1, kMaxSamples));
    if (const Node* n = root.find("replicates"))
        plan.replicates = static_cast<std::uint32_t>(whole(*n, "replicates", 1, kMaxReplicates));
    if (const Node* n = root.find("population")) plan.fixed_population = choice(*n, "population", kPopulation) == 1;

    std::vector<Draft> drafts;
    read_variants(root, drafts);
    const std::vector<Sweep> sweeps = read_sweeps(root, drafts);
    plan.uncertain = read_uncertain(root);
    read_from_calibration(root, plan);
    plan.sensitivity = read_sensitivity(root, plan);
    const std::string design_digest = read_design(root, plan);
    if (plan.samples > 1 && plan.uncertain.empty())
        bad(*root.find("samples"), "samples", "several samples but no uncertain parameters",
            "samples differ only in their uncertain values: add uncertain:, or use replicates: for repeated runs");

    drafts = expand_sweeps(std::move(drafts), sweeps);
    std::vector<std::string> names;
    for (const auto& d : drafts) names.push_back(d.variant.name);
    for (auto& d : drafts) {
        if (!d.baseline.empty())
            d.variant.baseline = static_cast<int>(std::find(names.begin(), names.end(), d.baseline) - names.begin());
        plan.variants.push_back(d.variant);
    }
    const std::uint64_t runs = static_cast<std::uint64_t>(plan.variants.size()) * plan.samples * plan.replicates;
    if (runs > kMaxRuns)
        fail(root.find("samples") ? *root.find("samples") : root,
             "the batch has " + std::to_string(plan.variants.size()) + " variants x " + std::to_string(plan.samples) +
                 " samples x " + std::to_string(plan.replicates) + " replicates = " + std::to_string(runs) +
                 " runs; allowed: at most " + std::to_string(kMaxRuns) + " runs; split it into several batches");

    check_variants(plan, drafts);
    for (std::uint32_t p = 0; p < plan.uncertain.size(); ++p) {
        const UncertainParameter& u = plan.uncertain[p];
        if (!u.from_calibration()) continue;
        if (std::none_of(plan.variants.begin(), plan.variants.end(), [&](const Variant& v) {
                return std::find(v.uncertain.begin(), v.uncertain.end(), p) != v.uncertain.end();
            }))
            fail_at(u.line, u.column,
                    "from_calibration: the calibration's parameter '" + u.path + "' applies to no variant of this batch " +
                        "(no variant has the policy it names); allowed: a calibration of parameters the batch's scenario has");
    }
    plan.resolved_text = resolved_text(root, plan, scenario_as_written, sweeps);
    std::string both = plan.resolved_text;
    both.push_back('\0');
    both += plan.scenario_text;
    // Only with a design file: the identity of every other batch is unchanged.
    if (!design_digest.empty()) both += '\0' + design_digest;
    // A resume against another calibration file of the same name is another batch.
    for (const auto& u : plan.uncertain)
        if (u.from_calibration()) both += '\0' + u.path;
    for (const auto& row : plan.calibration_sample)
        for (const double x : row) both += '\0' + round_trip_text(x);
    plan.identity = fnv1a64_hex(both);
    return plan;
}

}  // namespace

BatchPlan load_batch_text(const std::string& text, const std::string& path) {
    const std::vector<yaml::Source> sources{yaml::Source{path, {}, {}}};
    const Node root = yaml::parse_document(text, sources, 0, yaml::kBatchDocument);
    BatchReader reader(path, sources);
    return reader.read(root);
}

BatchPlan load_batch(const std::string& path) {
    return load_batch_text(yaml::read_yaml_file(path, path, yaml::kBatchDocument), path);
}

}  // namespace greenshift
