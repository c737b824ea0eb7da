#include "batch/assemble.hpp"

#include <algorithm>
#include <limits>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>

#include "batch/budgets.hpp"
#include "batch/chunk_io.hpp"
#include "batch/ensemble.hpp"
#include "batch/indicators.hpp"
#include "batch/sensitivity.hpp"
#include "io/batch_writer.hpp"
#include "io/input_error.hpp"
#include "io/run_reader.hpp"

namespace greenshift {

namespace {

// A run variable's layout is a Variable without values (RunSource's schema): name,
// units, long_name, dimensions and kind, copied as one.
Variable layout_of(const Variable& v) {
    Variable x;
    x.name = v.name;
    x.long_name = v.long_name;
    x.units = v.units;
    x.dims = v.dims;
    x.is_count = v.is_count;
    x.flag_meanings = v.flag_meanings;
    return x;
}

std::vector<hsize_t> lengths(const Coordinates& c, const std::vector<Dim>& dims) {
    std::vector<hsize_t> out;
    for (const Dim d : dims) out.push_back(c.length(d));
    return out;
}

std::size_t product(const std::vector<hsize_t>& shape) {
    std::size_t n = 1;
    for (const hsize_t s : shape) n *= s;
    return n;
}

bool has_empty_dim(const Coordinates& c, const std::vector<Dim>& dims) {
    for (const Dim d : dims)
        if (c.length(d) == 0) return true;
    return false;
}

// Every part must share the axes (other than policy) of the first one: variants
// that change the horizon, the sectors or the technologies do not stack.
void check_same_axes(const Coordinates& first, const Coordinates& c, RunSource& source, std::uint32_t run) {
    const auto refuse = [&](const char* what) {
        throw InputError(source.name(run), 0, 0,
                         std::string("this run has other ") + what +
                             " than run 0; the variants of a batch must share the horizon, steps, "
                             "sectors, size classes and technologies");
    };
    if (c.time_days != first.time_days || c.year != first.year || c.time_units != first.time_units)
        refuse("time steps");
    if (c.sector != first.sector) refuse("sectors");
    if (c.size_class != first.size_class) refuse("size classes");
    if (c.technology != first.technology || c.technology_unit != first.technology_unit) refuse("technologies");
    if (c.io_sector != first.io_sector) refuse("input-output sectors");
}

// The scales of a group plus its leading dimensions (run, or variant and statistic).
struct GroupScales {
    DimensionScales dims;
    std::vector<hdf5::Dataset> leading;
};

hdf5::Dataset string_scale(const hdf5::Location& where, const std::string& name,
                           const std::vector<std::string>& labels, const char* long_name) {
    hdf5::Dataset scale = hdf5::write_strings(where, name, labels);
    hdf5::write_attribute(scale, "long_name", long_name);
    hdf5::set_dimension_scale(scale, name);
    return scale;
}

template <class T>
void auxiliary(const hdf5::Location& where, const std::string& name, const std::vector<T>& values,
               const char* long_name, const hdf5::Dataset& scale) {
    const hdf5::Dataset d = hdf5::write_array(where, name, values, {values.size()});
    hdf5::write_attribute(d, "long_name", long_name);
    hdf5::attach_dimension_scale(d, scale, 0);
}

void auxiliary_strings(const hdf5::Location& where, const std::string& name,
                       const std::vector<std::string>& values, const char* long_name, const hdf5::Dataset& scale) {
    const hdf5::Dataset d = hdf5::write_strings(where, name, values);
    hdf5::write_attribute(d, "long_name", long_name);
    hdf5::attach_dimension_scale(d, scale, 0);
}

// Whose time series a batch file keeps (docs/output.md, "Batch files"): every run's,
// but in a Sobol design only those of the base sample A (its first N samples, N draws
// of the inputs). The other rows, B and every A_B^i, count through their indicators
// (/effects/indicators, /sensitivity); their floating-point time series in /runs and
// /effects are NaN and no statistic reads them. Shard files keep every series: merge
// recomputes the effects from them.
bool keeps_series(const BatchPlan& plan, const RunSpec& r) {
    return plan.sensitivity.method != SensitivityMethod::sobol || r.sample < plan.sensitivity.base;
}
bool keeps_every_series(const BatchPlan& plan) {
    for (const RunSpec& r : plan.runs)
        if (!keeps_series(plan, r)) return false;
    return true;
}

// The `run` dimension with its coordinates for the runs `rows` (indices into plan.runs).
hdf5::Dataset write_run_axis(const hdf5::Location& where, const BatchPlan& plan,
                             const std::vector<std::uint32_t>& rows, const std::vector<std::uint32_t>* baseline) {
    std::vector<std::int32_t> index, sample, replicate, base;
    std::vector<std::uint64_t> seed;
    std::vector<std::string> variant;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const RunSpec& r = plan.runs[rows[i]];
        index.push_back(static_cast<std::int32_t>(r.index));
        variant.push_back(plan.variants[r.variant].name);
        sample.push_back(static_cast<std::int32_t>(r.sample));
        replicate.push_back(static_cast<std::int32_t>(r.replicate));
        seed.push_back(r.seed);
        if (baseline != nullptr) base.push_back(static_cast<std::int32_t>((*baseline)[i]));
    }
    hdf5::Dataset run = hdf5::write_array(where, "run", index, {index.size()});
    hdf5::write_attribute(run, "long_name", "run index in the batch (variant x sample x replicate)");
    hdf5::set_dimension_scale(run, "run");
    auxiliary_strings(where, "variant", variant, "variant (scenario variant) of the run", run);
    auxiliary(where, "sample", sample, "uncertainty sample (Latin hypercube row) of the run", run);
    auxiliary(where, "replicate", replicate, "replicate (random seed) of the run", run);
    auxiliary(where, "seed", seed, "random seed of the run (shared by a variant and its baseline)", run);
    if (baseline != nullptr) auxiliary(where, "baseline_run", base, "index of the paired baseline run", run);
    if (!keeps_every_series(plan)) {
        std::vector<std::uint8_t> kept;
        for (const std::uint32_t i : rows) kept.push_back(keeps_series(plan, plan.runs[i]) ? 1 : 0);
        auxiliary(where, "series_kept", kept,
                  "1: the run's time series are stored; 0: a Sobol design row past the base sample, kept through its "
                  "indicators only (its floating-point variables hold NaN)",
                  run);
    }
    if (plan.calibration_draws > 0) {
        std::vector<std::int32_t> draw;
        for (const std::uint32_t i : rows) draw.push_back(static_cast<std::int32_t>(plan.runs[i].sample % plan.calibration_draws));
        auxiliary(where, "calibration_draw", draw,
                  "row of the calibration's posterior sample (from_calibration) that gave the run its calibrated parameters",
                  run);
    }
    return run;
}

// The sampled inputs of every run (`rows`: indices into plan.runs), as
// parameters(run, parameter): the Latin hypercube value of its sample (a factor for
// `apply: scale`, the value for `apply: set`); NaN where the parameter does not apply
// to the run's variant (a policy it does not have). Nothing without uncertain parameters.
void write_run_parameters(const hdf5::Location& where, const BatchPlan& plan, const std::vector<std::uint32_t>& rows,
                          const hdf5::Dataset& run_scale) {
    const std::size_t d = plan.uncertain.size();
    if (d == 0 || plan.sample_values.size() != plan.samples) return;
    std::vector<std::string> path, apply;
    for (const UncertainParameter& u : plan.uncertain) {
        path.push_back(u.path);
        apply.push_back(u.scale ? "scale" : "set");
    }
    std::vector<double> values(rows.size() * d, std::numeric_limits<double>::quiet_NaN());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const RunSpec& r = plan.runs[rows[i]];
        for (const std::uint32_t p : plan.variants[r.variant].uncertain)
            values[i * d + p] = plan.sample_values[r.sample][p];
    }
    hdf5::Dataset scale = hdf5::write_strings(where, "parameter", path);
    hdf5::write_attribute(scale, "long_name", "uncertain parameter: its scenario key path in the batch file");
    hdf5::set_dimension_scale(scale, "parameter");
    const hdf5::Dataset a = hdf5::write_strings(where, "parameter_apply", apply);
    hdf5::write_attribute(a, "long_name", "scale: the value multiplies the scenario's; set: it replaces it");
    hdf5::attach_dimension_scale(a, scale, 0);
    const hdf5::Dataset x = hdf5::write_array(where, "parameters", values, {rows.size(), d});
    hdf5::write_attribute(x, "long_name",
                          "the run's sampled value of each uncertain parameter (a factor where parameter_apply is "
                          "scale); NaN where it does not apply to the run's variant");
    hdf5::write_attribute(x, "units", "1");
    hdf5::write_attribute(x, "coordinates", "variant sample replicate seed parameter_apply");
    hdf5::attach_dimension_scale(x, run_scale, 0);
    hdf5::attach_dimension_scale(x, scale, 1);
}

hdf5::Group create_group(const hdf5::Location& file, const std::string& name, const char* title) {
    hdf5::Group g = hdf5::Group::create(file, name);
    hdf5::write_attribute(g, "title", title);
    return g;
}

// Creates a variable over (leading..., dims...) and attaches the scales.
hdf5::Dataset create_variable(const hdf5::Location& where, const Coordinates& c, const GroupScales& scales,
                              const std::vector<hsize_t>& leading_shape, const Variable& v, bool as_count,
                              const std::string& extra_coordinates) {
    std::vector<hsize_t> trailing(leading_shape.begin() + 1, leading_shape.end());
    const std::vector<hsize_t> own = lengths(c, v.dims);
    trailing.insert(trailing.end(), own.begin(), own.end());
    hdf5::Dataset d = as_count ? create_rows<std::int64_t>(where, v.name, leading_shape[0], trailing)
                               : create_rows<double>(where, v.name, leading_shape[0], trailing);
    hdf5::write_attribute(d, "units", v.units);
    hdf5::write_attribute(d, "long_name", v.long_name);
    if (!v.flag_meanings.empty()) hdf5::write_attribute(d, "flag_meanings", v.flag_meanings);
    std::string coordinates = extra_coordinates;
    const std::string aux = auxiliary_coordinates(c, v.dims);
    if (!aux.empty()) coordinates += (coordinates.empty() ? "" : " ") + aux;
    if (!coordinates.empty()) hdf5::write_attribute(d, "coordinates", coordinates);
    unsigned axis = 0;
    for (const hdf5::Dataset& s : scales.leading) hdf5::attach_dimension_scale(d, s, axis++);
    for (const Dim dim : v.dims) hdf5::attach_dimension_scale(d, scales.dims[dim], axis++);
    return d;
}

// The row of a floating-point variable whose series is not kept: NaN.
const std::vector<double>& not_kept(std::size_t n) {
    thread_local std::vector<double> row;
    row.assign(n, std::numeric_limits<double>::quiet_NaN());
    return row;
}

// A run's variable laid out on the batch's policy axis (the union over variants):
// a policy the run does not have gets 0.
template <class T>
std::vector<T> on_union_policies(const std::vector<T>& values, const Variable& v, const Coordinates& run,
                                 const Coordinates& all, const std::vector<std::size_t>& policy_map) {
    std::size_t axis = v.dims.size();
    for (std::size_t a = 0; a < v.dims.size(); ++a)
        if (v.dims[a] == Dim::policy) axis = a;
    if (axis == v.dims.size()) return values;
    std::size_t outer = 1, inner = 1;
    for (std::size_t a = 0; a < axis; ++a) outer *= run.length(v.dims[a]);
    for (std::size_t a = axis + 1; a < v.dims.size(); ++a) inner *= run.length(v.dims[a]);
    const std::size_t P = run.policy.size(), U = all.policy.size();
    std::vector<T> out(outer * U * inner, T{});
    for (std::size_t o = 0; o < outer; ++o)
        for (std::size_t p = 0; p < P; ++p)
            for (std::size_t i = 0; i < inner; ++i)
                out[(o * U + policy_map[p]) * inner + i] = values[(o * P + p) * inner + i];
    return out;
}

// Datasets up to this size are read whole for their statistics (each chunk is
// decompressed once, not once per group); larger ones one group of rows at a time.
constexpr std::size_t kReadWholeBytes = std::size_t{256} << 20;

// Statistics of `source` (rows = runs) for each group of rows, written to `target`
// (rows = groups).
void write_statistics(const hdf5::Dataset& source, const std::vector<std::vector<std::uint32_t>>& groups,
                      const hdf5::Dataset& target, ChunkedRowWriter& writer) {
    const std::vector<hsize_t> shape = source.shape();
    std::size_t columns = 1;
    for (std::size_t a = 1; a < shape.size(); ++a) columns *= shape[a];
    const bool whole = shape[0] * columns * sizeof(double) <= kReadWholeBytes;
    const std::vector<double> all = whole ? read_rows_as_double(source) : std::vector<double>();
    std::vector<double> values;
    for (std::size_t g = 0; g < groups.size(); ++g) {
        values.clear();
        values.reserve(groups[g].size() * columns);
        for (const std::uint32_t row : groups[g]) {
            if (whole)
                values.insert(values.end(), all.begin() + static_cast<std::ptrdiff_t>(row * columns),
                              all.begin() + static_cast<std::ptrdiff_t>((row + 1) * columns));
            else
                read_row_as_double(source, row, values);
        }
        const std::vector<double> stats =
            ensemble::column_statistics(values, groups[g].size(), columns, ensemble::full_statistics());
        writer.write_row(target, g, stats);
    }
}

std::vector<std::string> statistic_names(const std::vector<ensemble::Statistic>& s) {
    std::vector<std::string> out;
    for (const auto& x : s) out.emplace_back(x.name);
    return out;
}

}  // namespace

RunResult GroupRunSource::layout(std::uint32_t run, const std::set<std::string>& known) {
    const RunLocation location = locate_(run);
    const hdf5::Location& where = location.where();
    RunResult r;
    r.coords = read_coordinates(where);
    const std::set<std::string>& coordinates = coordinate_names();
    for (const std::string& name : list_datasets(where)) {
        // Reading the dimension scales of every dataset of every run is slow: the
        // variables already known are skipped.
        if (coordinates.count(name) != 0 || known.count(name) != 0) continue;
        const hdf5::Dataset d = hdf5::Dataset::open(where, name);
        Variable v;
        v.name = name;
        if (hdf5::has_attribute(d, "units")) v.units = hdf5::read_text_attribute(d, "units");
        if (hdf5::has_attribute(d, "long_name")) v.long_name = hdf5::read_text_attribute(d, "long_name");
        if (hdf5::has_attribute(d, "flag_meanings")) v.flag_meanings = hdf5::read_text_attribute(d, "flag_meanings");
        for (const std::string& dim : dimension_names(d)) v.dims.push_back(dim_from_name(dim, location.name));
        v.is_count = H5Tget_class(d.type().id()) == H5T_INTEGER;
        r.variables.push_back(std::move(v));
    }
    return r;
}

RunResult GroupRunSource::values(std::uint32_t run, const std::vector<Variable>& schema) {
    const RunLocation location = locate_(run);
    const hdf5::Location& where = location.where();
    RunResult r;
    r.coords = read_coordinates(where);
    // The schema is known: read the values only (checking shapes), not every
    // dataset's dimension scales again.
    for (const Variable& s : schema) {
        if (!where.contains(s.name)) continue;
        if (hdf5::Dataset::open(where, s.name).shape() != lengths(r.coords, s.dims))
            throw InputError(location.name, 0, 0, "variable " + s.name + " has another shape than in the other runs");
        Variable v = layout_of(s);
        if (s.is_count)
            v.counts = hdf5::read_array<std::int64_t>(where, s.name).values;
        else
            v.values = hdf5::read_array<double>(where, s.name).values;
        r.variables.push_back(std::move(v));
    }
    return r;
}

hdf5::File create_batch_file(const std::string& path, const BatchPlan& plan, const RunMetadata& meta,
                             std::uint32_t run_count) {
    hdf5::File file = hdf5::File::create(path);
    RunMetadata m = meta;
    m.seed = plan.seed;
    m.scenario_yaml = plan.scenario_text;
    write_run_metadata(file, m);
    hdf5::write_attribute(file, "batch_identity", plan.identity);
    hdf5::write_attribute(file, "batch", plan.resolved_text);
    hdf5::write_attribute(file, "batch_file", plan.file);
    hdf5::write_attribute(file, "variant_count", static_cast<std::int32_t>(plan.variants.size()));
    hdf5::write_attribute(file, "sample_count", static_cast<std::int32_t>(plan.samples));
    hdf5::write_attribute(file, "replicate_count", static_cast<std::int32_t>(plan.replicates));
    hdf5::write_attribute(file, "run_count", static_cast<std::int32_t>(run_count));
    hdf5::write_attribute(file, "population", plan.fixed_population ? "fixed" : "varies");
    return file;
}


namespace {

// --- the first pass: the batch's axes and variables, from every run's layout ---

struct BatchLayout {
    Coordinates all;  // the axes of run 0; policies: the union over the runs
    std::map<std::string, std::size_t> policy_index;  // policy -> its place on all.policy
    std::vector<Variable> variables;                  // layouts, in the order first seen
};

BatchLayout read_batch_layout(RunSource& source, std::uint32_t runs) {
    BatchLayout b;
    std::set<std::string> seen;
    for (std::uint32_t i = 0; i < runs; ++i) {
        const RunResult layout = source.layout(i, seen);
        const Coordinates& c = layout.coords;
        if (i == 0) {
            b.all = c;
            b.all.policy.clear();
            b.all.policy_type.clear();
        } else {
            check_same_axes(b.all, c, source, i);
        }
        for (std::size_t p = 0; p < c.policy.size(); ++p)
            if (b.policy_index.emplace(c.policy[p], b.all.policy.size()).second) {
                b.all.policy.push_back(c.policy[p]);
                b.all.policy_type.push_back(p < c.policy_type.size() ? c.policy_type[p] : std::string());
            }
        for (const Variable& v : layout.variables)
            if (seen.insert(v.name).second) b.variables.push_back(layout_of(v));
    }
    bool all_policy_types = true;
    for (const auto& t : b.all.policy_type) all_policy_types = all_policy_types && !t.empty();
    if (!all_policy_types) b.all.policy_type.clear();
    return b;
}

// --- which runs are compared ---

// Each run of a variant with a baseline against the baseline's run with the same
// sample and replicate: one effect.
struct Pairing {
    std::vector<std::uint32_t> variants;                // the variants with a baseline
    std::vector<std::uint32_t> effect_rows;             // per effect: the variant's run
    std::vector<std::uint32_t> baseline_rows;           // per effect: the baseline's run
    std::vector<std::vector<std::uint32_t>> groups;     // per paired variant: its effects
    std::vector<std::vector<std::uint32_t>> effects_of;  // per run: the effects it is in
    std::vector<std::string> inputs;                    // what the effects read, in order
    bool any() const { return !variants.empty(); }
    std::vector<std::string> variant_names(const BatchPlan& plan) const {
        std::vector<std::string> names;
        for (const std::uint32_t v : variants) names.push_back(plan.variants[v].name);
        return names;
    }
};

Pairing pair_runs(const BatchPlan& plan, const std::map<std::string, hdf5::Dataset>& run_data, RunSource& source) {
    Pairing p;
    for (std::uint32_t v = 0; v < plan.variants.size(); ++v)
        if (plan.variants[v].baseline >= 0) p.variants.push_back(v);
    p.groups.resize(p.variants.size());
    p.effects_of.resize(plan.runs.size());
    if (!p.any()) return p;
    std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>, std::uint32_t> run_of;
    for (const RunSpec& r : plan.runs) run_of[{r.variant, r.sample, r.replicate}] = r.index;
    std::map<std::uint32_t, std::size_t> paired_position;
    for (std::size_t k = 0; k < p.variants.size(); ++k) paired_position[p.variants[k]] = k;
    for (const RunSpec& r : plan.runs) {
        const int b = plan.variants[r.variant].baseline;
        if (b < 0) continue;
        const auto it = run_of.find({static_cast<std::uint32_t>(b), r.sample, r.replicate});
        if (it == run_of.end())
            throw InputError(plan.file, 0, 0, "run " + std::to_string(r.index) + " (variant " +
                                                  plan.variants[r.variant].name + ") has no baseline run");
        p.groups[paired_position.at(r.variant)].push_back(static_cast<std::uint32_t>(p.effect_rows.size()));
        p.effect_rows.push_back(r.index);
        p.baseline_rows.push_back(it->second);
    }
    for (const std::string& name : ensemble::paired_variables())
        if (run_data.count(name) == 0)
            throw InputError(source.name(0), 0, 0, "the runs have no variable " + name + ", needed for the effects");
    p.inputs = ensemble::paired_variables();
    for (const std::string& name : ensemble::optional_paired_variables())
        if (run_data.count(name) != 0) p.inputs.push_back(name);
    for (std::size_t e = 0; e < p.effect_rows.size(); ++e) {
        p.effects_of.at(p.effect_rows[e]).push_back(static_cast<std::uint32_t>(e));
        p.effects_of.at(p.baseline_rows[e]).push_back(static_cast<std::uint32_t>(e));
    }
    return p;
}

// --- the groups ---

// /runs: every run, as `run` writes it, stacked along `run`; variables over an empty
// dimension are left out (`kept` are the others).
struct RunsGroup {
    std::vector<Variable> kept;
    std::map<std::string, hdf5::Dataset> data;
};

RunsGroup create_runs_group(const hdf5::File& file, const BatchPlan& plan, const BatchLayout& layout) {
    const std::size_t N = plan.runs.size();
    std::vector<std::uint32_t> every(N);
    for (std::uint32_t i = 0; i < N; ++i) every[i] = i;
    const hdf5::Group runs = create_group(file, "runs", "every run of the batch, stacked along run");
    GroupScales scales;
    scales.leading.push_back(write_run_axis(runs, plan, every, nullptr));
    write_run_parameters(runs, plan, every, scales.leading[0]);
    scales.dims = write_coordinates(runs, layout.all);
    RunsGroup g;
    for (const Variable& v : layout.variables) {
        if (has_empty_dim(layout.all, v.dims)) continue;
        g.data.emplace(v.name, create_variable(runs, layout.all, scales, {N}, v, v.is_count,
                                               "variant sample replicate seed"));
        g.kept.push_back(v);
    }
    return g;
}

// A group of statistics per variant (rows) of `variables` over `coords`, created
// empty: filled once every run is written.
std::vector<hdf5::Dataset> create_statistics_group(const hdf5::File& file, const char* name, const char* title,
                                                   const std::vector<std::string>& variants,
                                                   const Coordinates& coords, const std::vector<Variable>& variables) {
    const auto& stats = ensemble::full_statistics();
    const hdf5::Group group = create_group(file, name, title);
    GroupScales s;
    s.leading.push_back(string_scale(group, "variant", variants, "scenario variant"));
    s.leading.push_back(string_scale(group, "statistic", statistic_names(stats),
                                     "statistic across runs: mean, or percentile (linear interpolation)"));
    s.dims = write_coordinates(group, coords);
    std::vector<hdf5::Dataset> out;
    for (const Variable& v : variables)
        out.push_back(create_variable(group, coords, s, {variants.size(), stats.size()}, v, false, ""));
    return out;
}

// The `indicator` axis of /effects, /summary and /sensitivity, with the indicator
// table's words as auxiliary coordinates (batch/indicators.hpp).
constexpr const char* kIndicatorCoordinates =
    "indicator_units indicator_long_name indicator_label indicator_group indicator_unit_words "
    "indicator_display_scale indicator_display_units indicator_headline";

struct IndicatorAxis {
    std::vector<indicators::Definition> rows;
    std::vector<std::string> names;
    explicit IndicatorAxis(const Coordinates& all) : rows(indicators::definitions(all)) {
        for (const auto& d : rows) names.push_back(d.name);
    }
    hdf5::Dataset write(const hdf5::Location& g) const {
        hdf5::Dataset scale = string_scale(g, "indicator", names, "key indicator of the programme");
        const auto text = [&](const char* name, std::string indicators::Definition::*member, const char* long_name) {
            std::vector<std::string> x;
            for (const auto& d : rows) x.push_back(d.*member);
            auxiliary_strings(g, name, x, long_name, scale);
        };
        text("indicator_units", &indicators::Definition::units, "units of the indicator");
        text("indicator_long_name", &indicators::Definition::long_name, "what the indicator measures");
        text("indicator_label", &indicators::Definition::label, "the indicator in plain language");
        text("indicator_group", &indicators::Definition::group, "the section of the table the indicator belongs to");
        text("indicator_unit_words", &indicators::Definition::unit_words, "the indicator's units in words");
        std::vector<double> scales;
        std::vector<std::uint8_t> headline;
        for (const auto& d : rows) {
            scales.push_back(d.display_scale);
            headline.push_back(d.headline ? 1 : 0);
        }
        auxiliary(g, "indicator_display_scale", scales,
                  "factor from the stored value to the value in indicator_display_units", scale);
        text("indicator_display_units", &indicators::Definition::display_units,
             "the units, in words, of value x indicator_display_scale");
        auxiliary(g, "indicator_headline", headline, "1: one of the key results, 0: detail", scale);
        return scale;
    }
};

// /effects: per run of a variant with a baseline, the differences against the
// baseline run and the key indicators. The group and its axes exist before the runs
// stream by; its variables are created with the first effect (they are what
// ensemble::effects returns).
class EffectsGroup {
public:
    EffectsGroup(const hdf5::File& file, const BatchPlan& plan, const Pairing& pairing, const Coordinates& coords,
                 const IndicatorAxis& indicators)
        : pairing_(pairing), coords_(coords), indicators_(indicators) {
        if (!pairing.any()) return;
        group_ = create_group(file, "effects",
                              "per run of a variant with a baseline, differences against the baseline run "
                              "with the same sample and replicate");
        scales_.leading.push_back(write_run_axis(group_, plan, pairing.effect_rows, &pairing.baseline_rows));
        scales_.dims = write_coordinates(group_, coords);
        indicator_scale_ = indicators.write(group_);
    }

    // Effect `e` of `variant` against `baseline` (each with the variables of
    // pairing.inputs, in that order).
    void write(std::uint32_t e, const RunResult& variant, const RunResult& baseline, bool keep_series,
               ChunkedRowWriter& writer) {
        const std::vector<Variable> diffs = ensemble::effects(variant, baseline);
        if (schema_.empty()) create(diffs);
        for (const Variable& x : diffs) {
            if (x.is_count)
                writer.write_row(data_.at(x.name), e, x.counts);
            else
                writer.write_row(data_.at(x.name), e, keep_series ? x.values : not_kept(x.values.size()));
        }
        writer.write_row(indicator_data_, e, indicators::values(variant, baseline));
    }

    const std::vector<Variable>& schema() const { return schema_; }
    const hdf5::Dataset& data(const std::string& name) const { return data_.at(name); }
    const hdf5::Dataset& indicators() const { return indicator_data_; }

private:
    void create(const std::vector<Variable>& diffs) {
        const std::size_t rows = pairing_.effect_rows.size();
        for (const Variable& x : diffs) {
            schema_.push_back(layout_of(x));
            data_.emplace(x.name, create_variable(group_, coords_, scales_, {rows}, schema_.back(), x.is_count,
                                                  "variant sample replicate seed baseline_run"));
        }
        indicator_data_ = create_rows<double>(group_, "indicators", rows, {indicators_.names.size()});
        hdf5::write_attribute(indicator_data_, "long_name", "key indicators of the run against its baseline");
        hdf5::write_attribute(indicator_data_, "coordinates",
                              std::string("variant sample replicate seed baseline_run ") + kIndicatorCoordinates);
        hdf5::attach_dimension_scale(indicator_data_, scales_.leading[0], 0);
        hdf5::attach_dimension_scale(indicator_data_, indicator_scale_, 1);
    }

    const Pairing& pairing_;
    const Coordinates& coords_;
    const IndicatorAxis& indicators_;
    hdf5::Group group_;
    GroupScales scales_;
    hdf5::Dataset indicator_scale_;
    std::vector<Variable> schema_;
    std::map<std::string, hdf5::Dataset> data_;
    hdf5::Dataset indicator_data_;
};

// --- the second pass: every run read once ---

// Run `i` as /runs holds it (on the batch's policy axis, absent variables as 0): its
// rows written, and the variables the effects read returned (empty when it is in no
// effect).
RunResult write_run_rows(std::uint32_t i, const RunResult& run, const BatchLayout& layout, const RunsGroup& runs,
                         const Pairing& pairing, bool keep_series, RunSource& source, ChunkedRowWriter& writer) {
    const Coordinates& rc = run.coords;
    const Coordinates& all = layout.all;
    std::map<std::string, const Variable*> by_name;
    for (const Variable& v : run.variables) by_name.emplace(v.name, &v);
    std::vector<std::size_t> policy_map;
    for (const std::string& p : rc.policy) policy_map.push_back(layout.policy_index.at(p));
    const bool keep = !pairing.effects_of[i].empty();
    RunResult for_effects;
    for_effects.coords = all;
    for (const Variable& v : runs.kept) {
        const hdf5::Dataset& d = runs.data.at(v.name);
        const std::size_t n = product(lengths(all, v.dims));
        const auto found = by_name.find(v.name);
        const Variable* x = found == by_name.end() ? nullptr : found->second;
        if (x != nullptr && (lengths(rc, x->dims) != lengths(rc, v.dims) || x->is_count != v.is_count))
            throw InputError(source.name(i), 0, 0,
                             "variable " + v.name + " has another shape or type than in the other runs");
        Variable row = v;
        if (v.is_count) {
            row.counts = x != nullptr ? on_union_policies(x->counts, v, rc, all, policy_map)
                                      : std::vector<std::int64_t>(n, 0);
            writer.write_row(d, i, row.counts);
        } else {
            row.values = x != nullptr ? on_union_policies(x->values, v, rc, all, policy_map)
                                      : std::vector<double>(n, 0.0);
            writer.write_row(d, i, keep_series ? row.values : not_kept(n));
        }
        if (keep && std::find(pairing.inputs.begin(), pairing.inputs.end(), v.name) != pairing.inputs.end())
            for_effects.variables.push_back(std::move(row));
    }
    // In the order of pairing.inputs, as the effects read them.
    std::vector<Variable> ordered;
    for (const std::string& name : pairing.inputs)
        for (Variable& x : for_effects.variables)
            if (x.name == name) ordered.push_back(std::move(x));
    for_effects.variables = std::move(ordered);
    return for_effects;
}

// Reads every run once, in run order, writes it to /runs and, as soon as a run and
// its baseline have both been read, their effect; a run is held only until its
// effects are written.
void stream_runs(const BatchPlan& plan, RunSource& source, const BatchLayout& layout, const RunsGroup& runs,
                 const Pairing& pairing, EffectsGroup& effects) {
    const auto N = static_cast<std::uint32_t>(pairing.effects_of.size());
    // Rows are filtered on every thread and written chunk by chunk (batch/chunk_io.hpp).
    ChunkedRowWriter writer;
    std::map<std::uint32_t, RunResult> held;  // read, with effects still to compute
    std::vector<std::uint32_t> effects_left(N, 0);
    for (std::uint32_t i = 0; i < N; ++i) effects_left[i] = static_cast<std::uint32_t>(pairing.effects_of[i].size());
    for (std::uint32_t i = 0; i < N; ++i) {
        RunResult for_effects = write_run_rows(i, source.values(i, runs.kept), layout, runs, pairing,
                                               keeps_series(plan, plan.runs[i]), source, writer);
        if (pairing.effects_of[i].empty()) continue;
        held.emplace(i, std::move(for_effects));
        for (const std::uint32_t e : pairing.effects_of[i]) {
            const std::uint32_t variant = pairing.effect_rows[e], baseline = pairing.baseline_rows[e];
            if (held.count(variant == i ? baseline : variant) == 0) continue;  // computed when the other arrives
            effects.write(e, held.at(variant), held.at(baseline), keeps_series(plan, plan.runs[variant]), writer);
            for (const std::uint32_t r : {variant, baseline})
                if (--effects_left[r] == 0) held.erase(r);
        }
    }
    writer.finish();
    if (!held.empty()) throw std::logic_error("assemble_batch: effects left uncomputed");
}

// /budgets (docs/output.md, "Budgets"): per variant, policy and calendar year, the
// budget, what was spent and what limited it, across the variant's runs; one sentence
// per variant and policy. Nothing without policies.
void write_budgets(const hdf5::File& file, const Coordinates& all, const std::map<std::string, hdf5::Dataset>& run_data,
                   const std::vector<std::string>& variant_names,
                   const std::vector<std::vector<std::uint32_t>>& by_variant) {
    if (all.policy.empty() || run_data.count("budget_used") == 0 || all.year.empty()) return;
    const char* const inputs[] = {"budget_available", "budget_used",   "firms_served",
                                  "applications_unserved", "limited_by", "firms_labelled"};
    // Small variables, read whole once (each row read alone would decompress its chunk).
    std::map<std::string, std::pair<std::vector<double>, std::size_t>> whole;  // values, row length
    for (const char* name : inputs) {
        const auto it = run_data.find(name);
        if (it == run_data.end()) continue;
        const std::vector<hsize_t> shape = it->second.shape();
        std::size_t row = 1;
        for (std::size_t a = 1; a < shape.size(); ++a) row *= shape[a];
        if (shape[0] * row * sizeof(double) <= kReadWholeBytes) whole[name] = {read_rows_as_double(it->second), row};
    }
    std::vector<budgets::Table> tables;
    for (const auto& runs : by_variant) {
        std::vector<std::vector<std::vector<budgets::Year>>> years;
        std::vector<std::vector<double>> labelled;
        for (const std::uint32_t i : runs) {
            RunResult r;
            r.coords = all;
            for (const char* name : inputs) {
                const auto it = run_data.find(name);
                if (it == run_data.end()) continue;
                Variable x;
                x.name = name;
                if (const auto w = whole.find(name); w != whole.end())
                    x.values.assign(w->second.first.begin() + static_cast<std::ptrdiff_t>(i * w->second.second),
                                    w->second.first.begin() + static_cast<std::ptrdiff_t>((i + 1) * w->second.second));
                else
                    read_row_as_double(it->second, i, x.values);
                r.variables.push_back(std::move(x));
            }
            years.push_back(budgets::of_run(r));
            labelled.push_back(budgets::labelled_by_year(r));
        }
        tables.push_back(budgets::aggregate(years, labelled));
    }
    const std::size_t V = tables.size(), P = all.policy.size();
    std::vector<std::int32_t> year;
    for (const budgets::Aggregate& a : tables[0].policies[0]) year.push_back(a.year);
    const std::size_t Y = year.size(), S = budgets::kStatisticNames.size();

    const hdf5::Group g = create_group(file, "budgets",
                                       "per variant, policy and calendar year: budget, spent and what limited it, across "
                                       "the variant's runs");
    const hdf5::Dataset variant = string_scale(g, "variant", variant_names, "scenario variant");
    const hdf5::Dataset policy = string_scale(g, "policy", all.policy, "policy instrument");
    if (all.policy_type.size() == P) auxiliary_strings(g, "policy_type", all.policy_type, "the instrument type", policy);
    hdf5::Dataset year_scale = hdf5::write_array(g, "year", year, {Y});
    hdf5::write_attribute(year_scale, "long_name", "calendar year (its steps together)");
    hdf5::set_dimension_scale(year_scale, "year");
    const hdf5::Dataset statistic =
        string_scale(g, "statistic", std::vector<std::string>(budgets::kStatisticNames.begin(), budgets::kStatisticNames.end()),
                     "statistic across runs: mean, or percentile (linear interpolation)");
    std::vector<double> budget(V * P * Y), binding(V * P * Y), spent(V * S * P * Y), served(V * S * P * Y);
    std::vector<std::int32_t> limit(V * P * Y);
    std::vector<std::string> text;
    for (std::size_t v = 0; v < V; ++v) {
        for (std::size_t p = 0; p < P; ++p)
            for (std::size_t k = 0; k < Y; ++k) {
                const budgets::Aggregate& a = tables[v].policies[p][k];
                const std::size_t i = (v * P + p) * Y + k;
                budget[i] = a.budget;
                binding[i] = a.binding;
                limit[i] = static_cast<std::int32_t>(a.limit);
                for (std::size_t s = 0; s < S; ++s) {
                    spent[((v * S + s) * P + p) * Y + k] = a.spent[s];
                    served[((v * S + s) * P + p) * Y + k] = a.served[s];
                }
            }
        for (std::string& t : budgets::describe(tables[v], all.policy, all.policy_type)) text.push_back(std::move(t));
    }
    const auto attach = [](const hdf5::Dataset& d, std::initializer_list<const hdf5::Dataset*> scales) {
        unsigned axis = 0;
        for (const hdf5::Dataset* s : scales) hdf5::attach_dimension_scale(d, *s, axis++);
    };
    const auto real = [&](const char* name, const std::vector<double>& x, std::vector<hsize_t> shape, const char* units,
                          const char* long_name) -> hdf5::Dataset {
        hdf5::Dataset d = hdf5::write_array(g, name, x, shape);
        hdf5::write_attribute(d, "units", units);
        hdf5::write_attribute(d, "long_name", long_name);
        if (all.policy_type.size() == P) hdf5::write_attribute(d, "coordinates", "policy_type");
        return d;
    };
    attach(real("budget", budget, {V, P, Y}, "MAD", "the year's budget of the programme, mean across runs"),
           {&variant, &policy, &year_scale});
    attach(real("spent", spent, {V, S, P, Y}, "MAD", "budget committed during the year, across runs"),
           {&variant, &statistic, &policy, &year_scale});
    attach(real("served", served, {V, S, P, Y}, "1", "firms (applications) served during the year, across runs"),
           {&variant, &statistic, &policy, &year_scale});
    attach(real("binding_share", binding, {V, P, Y}, "1",
                "share of the runs in which the budget (or the label or assistance capacity) was exhausted"),
           {&variant, &policy, &year_scale});
    const hdf5::Dataset l = hdf5::write_array(g, "limited_by", limit, {V, P, Y});
    hdf5::write_attribute(l, "long_name",
                          "what limited the policy in the year, most often across runs: 0 none (inactive, or no budget "
                          "or capacity), 1 budget (applications refused), 2 label (every application served; only "
                          "labelled firms eligible), 3 demand (every application served), 4 capacity reached, 5 fewer "
                          "eligible firms than the capacity");
    std::string meanings;
    for (const auto n : budgets::kLimitNames) meanings += (meanings.empty() ? "" : " ") + std::string(n);
    hdf5::write_attribute(l, "flag_meanings", meanings);
    attach(l, {&variant, &policy, &year_scale});
    const hdf5::Dataset t = hdf5::write_strings(g, "summary", text);
    hdf5::write_attribute(t, "long_name",
                          "per variant and policy (row = variant x policies + policy): spent of budget and whether it "
                          "bound, in a sentence; empty for policies without a budget or capacity");
}

// /summary: the key indicators per paired variant, mean and 90% interval.
void write_summary(const hdf5::File& file, const BatchPlan& plan, const std::vector<std::string>& paired_names,
                   const Pairing& pairing, const IndicatorAxis& indicators, const hdf5::Dataset& indicator_data) {
    const auto& sstats = ensemble::summary_statistics();
    const hdf5::Group g = create_group(file, "summary",
                                       "key indicators per variant: mean and 90% interval (p5-p95) across samples "
                                       "and replicates");
    const hdf5::Dataset variant = string_scale(g, "variant", paired_names, "scenario variant");
    const hdf5::Dataset indicator = indicators.write(g);
    const hdf5::Dataset statistic = string_scale(g, "statistic", statistic_names(sstats),
                                                 "statistic across runs: mean, or percentile (linear interpolation)");
    const std::size_t I = indicators.names.size();
    const hdf5::Dataset value = create_rows<double>(g, "value", paired_names.size(), {I, sstats.size()});
    const hdf5::Dataset valid = create_rows<std::int64_t>(g, "valid_runs", paired_names.size(), {I});
    hdf5::write_attribute(value, "long_name",
                          "indicator value: mean and percentiles across runs (units in indicator_units)");
    hdf5::write_attribute(value, "coordinates", kIndicatorCoordinates);
    hdf5::write_attribute(valid, "long_name", "runs where the indicator is defined (not NaN)");
    hdf5::write_attribute(valid, "units", "1");
    hdf5::write_attribute(valid, "coordinates", kIndicatorCoordinates);
    for (const hdf5::Dataset* d : {&value, &valid}) {
        hdf5::attach_dimension_scale(*d, variant, 0);
        hdf5::attach_dimension_scale(*d, indicator, 1);
    }
    hdf5::attach_dimension_scale(value, statistic, 2);
    // Where the spread comes from: the uncertain parameters or the stochastic part.
    const hdf5::Dataset source = string_scale(g, "source", {"parameters", "stochastic"},
                                              "where the spread across runs comes from: the uncertain parameters, "
                                              "or the firm population and the random draws");
    const hdf5::Dataset shares = create_rows<double>(g, "variance_share", paired_names.size(), {I, 2});
    hdf5::write_attribute(shares, "long_name",
                          "share of the indicator's variance across runs due to the uncertain parameters and to the "
                          "stochastic part (law of total variance over samples and their replicates; NaN with one "
                          "replicate per sample)");
    hdf5::write_attribute(shares, "units", "1");
    hdf5::write_attribute(shares, "coordinates", kIndicatorCoordinates);
    hdf5::attach_dimension_scale(shares, variant, 0);
    hdf5::attach_dimension_scale(shares, indicator, 1);
    hdf5::attach_dimension_scale(shares, source, 2);
    for (std::size_t k = 0; k < paired_names.size(); ++k) {
        std::vector<double> values;
        std::vector<std::uint32_t> sample_of_row;
        for (const std::uint32_t row : pairing.groups[k]) {
            read_row_as_double(indicator_data, row, values);
            sample_of_row.push_back(plan.runs[pairing.effect_rows[row]].sample);
        }
        std::vector<std::int64_t> count;
        const std::vector<double> st =
            ensemble::column_statistics(values, pairing.groups[k].size(), I, sstats, &count);
        std::vector<double> row(I * sstats.size());  // (indicator, statistic)
        for (std::size_t i = 0; i < I; ++i)
            for (std::size_t s = 0; s < sstats.size(); ++s) row[i * sstats.size() + s] = st[s * I + i];
        write_row(value, k, row);
        write_row(valid, k, count);
        const bool has_parameters = !plan.variants[pairing.variants[k]].uncertain.empty();
        const std::vector<double> split =
            ensemble::variance_shares(values, pairing.groups[k].size(), I, sample_of_row, has_parameters);
        std::vector<double> split_row(I * 2);  // (indicator, source)
        for (std::size_t i = 0; i < I; ++i) {
            split_row[i * 2] = split[i];
            split_row[i * 2 + 1] = split[I + i];
        }
        write_row(shares, k, split_row);
    }
}

// /sensitivity: per paired variant and key indicator, the Sobol indices (or Morris
// measures) of every uncertain parameter, from the effects against the baseline. A
// sample's output is the mean of its replicates; an indicator that is undefined (NaN)
// in some sample, or constant, gets NaN indices.
void write_sensitivity(const hdf5::File& file, const BatchPlan& plan, const std::vector<std::string>& paired_names,
                       const Pairing& pairing, const IndicatorAxis& indicators, const hdf5::Dataset& indicator_data) {
    const SensitivitySpec& sa = plan.sensitivity;
    const bool sobol = sa.method == SensitivityMethod::sobol;
    const hdf5::Group g = create_group(file, "sensitivity",
                                       sobol ? "Sobol indices of the key indicators (effects against the baseline): "
                                               "first order (Saltelli 2010), total (Jansen), 95% bootstrap intervals"
                                             : "Morris elementary effects of the key indicators (effects against the "
                                               "baseline), per unit of probability: mu, mu_star, sigma");
    hdf5::write_attribute(g, "method", std::string(kSensitivityMethodNames[static_cast<int>(sa.method)]));
    const hdf5::Dataset variant = string_scale(g, "variant", paired_names, "scenario variant");
    const hdf5::Dataset indicator = indicators.write(g);
    std::vector<std::string> parameter_names;
    for (const auto& u : plan.uncertain) parameter_names.push_back(u.path);
    const hdf5::Dataset parameter = string_scale(g, "parameter", parameter_names, "uncertain parameter (key path)");
    const std::size_t I = indicators.names.size(), P = parameter_names.size();
    const std::vector<std::string> names = sobol ? std::vector<std::string>{"S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high"}
                                                 : std::vector<std::string>{"mu", "mu_star", "sigma"};
    const std::vector<std::string> long_names =
        sobol ? std::vector<std::string>{"first-order Sobol index", "first-order index, 95% interval, low",
                                         "first-order index, 95% interval, high", "total Sobol index",
                                         "total index, 95% interval, low", "total index, 95% interval, high"}
              : std::vector<std::string>{"mean elementary effect", "mean absolute elementary effect",
                                         "standard deviation of the elementary effects"};
    std::vector<hdf5::Dataset> data;
    for (std::size_t q = 0; q < names.size(); ++q) {
        data.push_back(create_rows<double>(g, names[q], paired_names.size(), {I, P}));
        hdf5::write_attribute(data.back(), "long_name", long_names[q]);
        hdf5::write_attribute(data.back(), "units", sobol ? std::string("1") : std::string("indicator units"));
        hdf5::attach_dimension_scale(data.back(), variant, 0);
        hdf5::attach_dimension_scale(data.back(), indicator, 1);
        hdf5::attach_dimension_scale(data.back(), parameter, 2);
    }
    const MorrisDesign morris = sobol ? MorrisDesign{}
                                      : morris_design(plan.uncertain, sa.trajectories, sa.levels, plan.seed);
    const std::size_t S = plan.samples, R = plan.replicates;
    for (std::size_t k = 0; k < paired_names.size(); ++k) {
        if (pairing.groups[k].size() != S * R)
            throw std::logic_error("write_sensitivity: variant '" + paired_names[k] + "' has " +
                                   std::to_string(pairing.groups[k].size()) + " effects, not samples x replicates");
        std::vector<double> values;  // (sample, replicate, indicator), in run order
        for (const std::uint32_t row : pairing.groups[k]) read_row_as_double(indicator_data, row, values);
        std::vector<std::vector<double>> rows(names.size(), std::vector<double>(I * P, std::nan("")));
        for (std::size_t i = 0; i < I; ++i) {
            std::vector<double> y(S, 0.0);
            for (std::size_t s = 0; s < S; ++s) {
                for (std::size_t r = 0; r < R; ++r) y[s] += values[(s * R + r) * I + i];
                y[s] /= static_cast<double>(R);
            }
            const bool defined = std::all_of(y.begin(), y.end(), [](double v) { return std::isfinite(v); }) &&
                                 std::any_of(y.begin(), y.end(), [&](double v) { return v != y[0]; });
            if (!defined) continue;
            std::vector<std::vector<double>> q;
            if (sobol) {
                const auto e = sobol_indices(y, sa.base, static_cast<std::uint32_t>(P));
                const auto ci = sobol_bootstrap(y, sa.base, static_cast<std::uint32_t>(P), plan.seed);
                q.assign(6, std::vector<double>(P));
                for (std::size_t p = 0; p < P; ++p) {
                    q[0][p] = e.first[p], q[1][p] = ci.first[p].low, q[2][p] = ci.first[p].high;
                    q[3][p] = e.total[p], q[4][p] = ci.total[p].low, q[5][p] = ci.total[p].high;
                }
            } else {
                const auto m = morris_indices(morris, y);
                q = {m.mu, m.mu_star, m.sigma};
            }
            for (std::size_t n = 0; n < names.size(); ++n)
                for (std::size_t p = 0; p < P; ++p) rows[n][i * P + p] = q[n][p];
        }
        for (std::size_t n = 0; n < names.size(); ++n) write_row(data[n], k, rows[n]);
    }
}

}  // namespace

void assemble_batch(const BatchPlan& plan, RunSource& source, const std::string& path, const RunMetadata& meta) {
    const auto N = static_cast<std::uint32_t>(plan.runs.size());
    if (N == 0) throw InputError(plan.file, 0, 0, "the batch has no runs");
    const BatchLayout layout = read_batch_layout(source, N);

    hdf5::File file = create_batch_file(path, plan, meta, N);
    const RunsGroup runs = create_runs_group(file, plan, layout);
    // The runs each variant's statistics and budgets read: those whose series are kept.
    std::vector<std::vector<std::uint32_t>> by_variant(plan.variants.size());
    for (const RunSpec& r : plan.runs)
        if (keeps_series(plan, r)) by_variant.at(r.variant).push_back(r.index);
    std::vector<std::string> variant_names;
    for (const Variant& v : plan.variants) variant_names.push_back(v.name);
    // A code variable (limited_by) has no mean or percentiles: /budgets says, in words,
    // what limited each policy most often.
    std::vector<Variable> summarised;
    for (const Variable& v : runs.kept)
        if (v.flag_meanings.empty()) summarised.push_back(v);
    const std::vector<hdf5::Dataset> statistics = create_statistics_group(
        file, "statistics", "per variant, statistics of every run variable across samples and replicates",
        variant_names, layout.all, summarised);

    const Pairing pairing = pair_runs(plan, runs.data, source);
    Coordinates effect_coords = layout.all;
    effect_coords.policy.clear();
    effect_coords.policy_type.clear();
    const IndicatorAxis indicators(layout.all);
    EffectsGroup effects(file, plan, pairing, effect_coords, indicators);
    stream_runs(plan, source, layout, runs, pairing, effects);
    write_budgets(file, layout.all, runs.data, variant_names, by_variant);

    // The datasets a ChunkedRowWriter writes stay open until it finishes.
    ChunkedRowWriter statistics_writer;
    for (std::size_t k = 0; k < summarised.size(); ++k)
        write_statistics(runs.data.at(summarised[k].name), by_variant, statistics[k], statistics_writer);
    std::vector<hdf5::Dataset> effect_statistics;
    if (pairing.any()) {
        const std::vector<std::string> paired_names = pairing.variant_names(plan);
        effect_statistics = create_statistics_group(
            file, "effect_statistics",
            "per variant with a baseline, statistics of the effects across samples and replicates", paired_names,
            effect_coords, effects.schema());
        std::vector<std::vector<std::uint32_t>> kept_effects(pairing.groups.size());
        for (std::size_t g = 0; g < pairing.groups.size(); ++g)
            for (const std::uint32_t e : pairing.groups[g])
                if (keeps_series(plan, plan.runs[pairing.effect_rows[e]])) kept_effects[g].push_back(e);
        for (std::size_t k = 0; k < effects.schema().size(); ++k)
            write_statistics(effects.data(effects.schema()[k].name), kept_effects, effect_statistics[k],
                             statistics_writer);
        write_summary(file, plan, paired_names, pairing, indicators, effects.indicators());
        if (plan.sensitivity.method != SensitivityMethod::none)
            write_sensitivity(file, plan, paired_names, pairing, indicators, effects.indicators());
    }
    statistics_writer.finish();
    file.close();
}

}  // namespace greenshift
