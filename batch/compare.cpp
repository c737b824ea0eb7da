#include "batch/compare.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "batch/assemble.hpp"
#include "io/batch_loader.hpp"
#include "io/batch_writer.hpp"
#include "io/hdf5_input.hpp"
#include "io/input_error.hpp"
#include "io/interrupt.hpp"
#include "io/run_reader.hpp"
#include "io/scenario_yaml.hpp"

namespace greenshift {

namespace {

namespace fs = std::filesystem;

// The coordinates along `run` in a batch's /runs group, and what it holds per run
// besides the run's own variables.
const std::set<std::string>& run_axis_names() {
    static const std::set<std::string> names = {"run",  "variant", "sample", "replicate", "seed", "baseline_run",
                                                "parameter", "parameter_apply", "parameters"};
    return names;
}

bool is_dimension(const std::string& name) {
    for (std::uint8_t d = 0; d <= static_cast<std::uint8_t>(Dim::io_sector); ++d)
        if (name == dim_name(static_cast<Dim>(d))) return true;
    return false;
}

// Runs read from the rows of a batch file's /runs group, as a run file holds them
// (on the batch's policy axis: a policy the run's variant lacks is there, at 0).
class BatchRowSource : public RunSource {
public:
    BatchRowSource(std::shared_ptr<const hdf5::File> file, std::string path, std::vector<hsize_t> rows)
        : file_(std::move(file)), path_(std::move(path)), rows_(std::move(rows)),
          runs_(hdf5::Group::open(*file_, "runs")) {
        coords_ = read_coordinates(runs_);
        for (const std::string& name : list_datasets(runs_)) {
            if (coordinate_names().count(name) != 0 || run_axis_names().count(name) != 0) continue;
            hdf5::Dataset d = hdf5::Dataset::open(runs_, name);
            const std::vector<std::string> dims = dimension_names(d);
            if (dims.size() < 2 || dims[0] != "run") continue;
            if (!std::all_of(dims.begin() + 1, dims.end(), is_dimension)) continue;
            Variable v;
            v.name = name;
            if (hdf5::has_attribute(d, "units")) v.units = hdf5::read_text_attribute(d, "units");
            if (hdf5::has_attribute(d, "long_name")) v.long_name = hdf5::read_text_attribute(d, "long_name");
            if (hdf5::has_attribute(d, "flag_meanings")) v.flag_meanings = hdf5::read_text_attribute(d, "flag_meanings");
            for (std::size_t a = 1; a < dims.size(); ++a) v.dims.push_back(dim_from_name(dims[a], path_));
            v.is_count = H5Tget_class(d.type().id()) == H5T_INTEGER;
            layout_.push_back(std::move(v));
            data_.emplace(name, std::move(d));
        }
    }
    std::string name(std::uint32_t run) override { return path_ + ":/runs, row " + std::to_string(rows_.at(run)); }
    RunResult layout(std::uint32_t, const std::set<std::string>& known) override {
        RunResult r;
        r.coords = coords_;
        for (const Variable& v : layout_)
            if (known.count(v.name) == 0) r.variables.push_back(v);
        return r;
    }
    RunResult values(std::uint32_t run, const std::vector<Variable>&) override {
        stop_if_requested();
        RunResult r;
        r.coords = coords_;
        const hsize_t row = rows_.at(run);
        for (const Variable& layout : layout_) {
            Variable v = layout;
            std::size_t n = 1;
            for (const Dim d : v.dims) n *= coords_.length(d);
            const hdf5::Dataset& d = data_.at(v.name);
            if (v.is_count) {
                v.counts.resize(n);
                read_row(d, row, H5T_NATIVE_INT64, v.counts.data());
            } else {
                v.values.resize(n);
                read_row(d, row, H5T_NATIVE_DOUBLE, v.values.data());
            }
            r.variables.push_back(std::move(v));
        }
        return r;
    }

private:
    std::shared_ptr<const hdf5::File> file_;
    std::string path_;
    std::vector<hsize_t> rows_;  // per run of the comparison: its row in /runs
    hdf5::Group runs_;
    Coordinates coords_;
    std::vector<Variable> layout_;
    std::map<std::string, hdf5::Dataset> data_;
};

std::string text_or_empty(const hdf5::File& f, const char* name) {
    return hdf5::has_attribute(f, name) ? hdf5::read_text_attribute(f, name) : std::string();
}

// A plan of `pairs` (sample, replicate) pairs of two variants, the second paired
// with the first; runs in batch order (index = pair x 2 + variant).
BatchPlan pair_plan(const std::string& reference, const std::string& alternative) {
    BatchPlan plan;
    plan.name = "compare";
    plan.variants.resize(2);
    plan.variants[0].name = plan.variants[0].family = reference;
    plan.variants[1].name = plan.variants[1].family = alternative;
    plan.variants[1].baseline = 0;
    return plan;
}

}  // namespace

CompareSummary compare_run_files(const std::string& reference, const std::string& alternative,
                                 const std::string& path, const RunMetadata& meta) {
    const auto a = std::make_shared<const hdf5::File>(open_input(reference, {FileKind::run}, "compare").file);
    const auto b = std::make_shared<const hdf5::File>(open_input(alternative, {FileKind::run}, "compare").file);
    std::string first = fs::path(reference).stem().string(), second = fs::path(alternative).stem().string();
    if (first.empty()) first = "reference";
    if (second.empty() || second == first) second += "-2";
    BatchPlan plan = pair_plan(first, second);
    plan.file = alternative;
    plan.scenario_text = text_or_empty(*a, "scenario");
    plan.seed = hdf5::read_attribute<std::uint64_t>(*a, "seed");
    plan.resolved_text = "compare:\n  reference: " + yaml_quoted(reference) + "\n  alternative: " +
                         yaml_quoted(alternative) + "\n";
    plan.identity = fnv1a64_hex(plan.resolved_text + plan.scenario_text + text_or_empty(*b, "scenario"));
    for (std::uint32_t v = 0; v < 2; ++v) {
        RunSpec r;
        r.index = v;
        r.variant = v;
        r.seed = hdf5::read_attribute<std::uint64_t>(v == 0 ? *a : *b, "seed");
        plan.runs.push_back(r);
    }
    GroupRunSource source([&](std::uint32_t i) {
        RunLocation r;
        r.file = i == 0 ? a : b;
        r.name = i == 0 ? reference : alternative;
        return r;
    });
    RunMetadata m = meta;
    m.scenario_name = second + " against " + first;
    assemble_batch(plan, source, path, m);
    return {first, second, 1};
}

CompareSummary compare_batch_variants(const std::string& batch, const std::string& reference,
                                      const std::string& alternative, const std::string& path,
                                      const RunMetadata& meta) {
    const auto f = std::make_shared<const hdf5::File>(open_input(batch, {FileKind::batch}, "compare").file);
    const hdf5::Group runs = hdf5::Group::open(*f, "runs");
    const std::vector<std::string> variant = hdf5::read_strings(runs, "variant");
    const std::vector<std::int32_t> sample = hdf5::read_array<std::int32_t>(runs, "sample").values;
    const std::vector<std::int32_t> replicate = hdf5::read_array<std::int32_t>(runs, "replicate").values;
    const std::vector<std::uint64_t> seed = hdf5::read_array<std::uint64_t>(runs, "seed").values;
    const std::size_t N = variant.size();
    if (sample.size() != N || replicate.size() != N || seed.size() != N)
        throw InputError(batch, 0, 0, "/runs: variant, sample, replicate and seed differ in length");
    if (runs.contains("series_kept")) {
        const std::vector<std::uint8_t> kept = hdf5::read_array<std::uint8_t>(runs, "series_kept").values;
        if (std::find(kept.begin(), kept.end(), std::uint8_t{0}) != kept.end())
            throw InputError(batch, 0, 0,
                             "a Sobol batch keeps the time series of its base sample's runs only (/runs/series_kept), "
                             "and compare needs every run's; its effects against the baseline are in /effects and "
                             "`greenshift summary`, or run the two variants as a batch without the sensitivity block");
    }
    if (reference == alternative)
        throw InputError(batch, 0, 0, "--variants names '" + reference + "' twice; name two variants to compare");
    std::vector<std::string> names;
    for (const std::string& v : variant)
        if (std::find(names.begin(), names.end(), v) == names.end()) names.push_back(v);
    for (const std::string& want : {reference, alternative})
        if (std::find(names.begin(), names.end(), want) == names.end()) {
            std::string all;
            for (const std::string& n : names) all += (all.empty() ? "" : ", ") + n;
            throw InputError(batch, 0, 0, "no variant '" + want + "' in this batch; its variants: " + all);
        }
    // The rows of each (sample, replicate), per variant compared.
    std::map<std::pair<std::int32_t, std::int32_t>, std::array<std::int64_t, 2>> pairs;
    for (std::size_t i = 0; i < N; ++i)
        for (int v = 0; v < 2; ++v)
            if (variant[i] == (v == 0 ? reference : alternative)) {
                auto [it, fresh] = pairs.try_emplace({sample[i], replicate[i]}, std::array<std::int64_t, 2>{-1, -1});
                it->second[static_cast<std::size_t>(v)] = static_cast<std::int64_t>(i);
            }
    const auto samples = static_cast<std::uint32_t>(hdf5::read_attribute<std::int32_t>(*f, "sample_count"));
    const auto replicates = static_cast<std::uint32_t>(hdf5::read_attribute<std::int32_t>(*f, "replicate_count"));
    if (pairs.size() != static_cast<std::size_t>(samples) * replicates)
        throw InputError(batch, 0, 0, "/runs holds " + std::to_string(pairs.size()) + " (sample, replicate) pairs of '" +
                                          reference + "' and '" + alternative + "', not " +
                                          std::to_string(samples * replicates));

    BatchPlan plan = pair_plan(reference, alternative);
    plan.file = batch;
    plan.samples = samples;
    plan.replicates = replicates;
    plan.seed = hdf5::read_attribute<std::uint64_t>(*f, "seed");
    plan.scenario_text = text_or_empty(*f, "scenario");
    plan.fixed_population = text_or_empty(*f, "population") == "fixed";
    plan.resolved_text = "compare:\n  batch: " + yaml_quoted(batch) + "\n  reference: " + yaml_quoted(reference) +
                         "\n  alternative: " + yaml_quoted(alternative) + "\n";
    plan.identity = fnv1a64_hex(plan.resolved_text + text_or_empty(*f, "batch_identity"));
    std::vector<hsize_t> rows;
    for (const auto& [key, row] : pairs) {
        if (row[0] < 0 || row[1] < 0)
            throw InputError(batch, 0, 0, "sample " + std::to_string(key.first) + ", replicate " +
                                              std::to_string(key.second) + " has no run of '" +
                                              (row[0] < 0 ? reference : alternative) + "'");
        if (key.first < 0 || static_cast<std::uint32_t>(key.first) >= samples || key.second < 0 ||
            static_cast<std::uint32_t>(key.second) >= replicates)
            throw InputError(batch, 0, 0, "/runs: sample or replicate out of range");
        for (std::uint32_t v = 0; v < 2; ++v) {
            RunSpec r;
            r.index = static_cast<std::uint32_t>(plan.runs.size());
            r.variant = v;
            r.sample = static_cast<std::uint32_t>(key.first);
            r.replicate = static_cast<std::uint32_t>(key.second);
            r.seed = seed[static_cast<std::size_t>(row[v])];
            plan.runs.push_back(r);
            rows.push_back(static_cast<hsize_t>(row[v]));
        }
    }
    // The sampled inputs, as the batch stored them.
    if (runs.contains("parameters")) {
        const std::vector<std::string> keys = hdf5::read_strings(runs, "parameter");
        const std::vector<std::string> apply = hdf5::read_strings(runs, "parameter_apply");
        const std::vector<double> values = hdf5::read_array<double>(runs, "parameters").values;
        const std::size_t d = keys.size();
        if (apply.size() != d || values.size() != N * d)
            throw InputError(batch, 0, 0, "/runs/parameters does not match its coordinates");
        for (std::size_t p = 0; p < d; ++p) {
            UncertainParameter u;
            u.path = keys[p];
            u.scale = apply[p] == "scale";
            plan.uncertain.push_back(u);
        }
        plan.sample_values.assign(samples, std::vector<double>(d, std::nan("")));
        std::vector<std::set<std::uint32_t>> used(2);
        for (const RunSpec& r : plan.runs)
            for (std::size_t p = 0; p < d; ++p) {
                const double x = values[rows[r.index] * d + p];
                if (std::isnan(x)) continue;
                plan.sample_values[r.sample][p] = x;
                used[r.variant].insert(static_cast<std::uint32_t>(p));
            }
        for (std::uint32_t v = 0; v < 2; ++v) plan.variants[v].uncertain.assign(used[v].begin(), used[v].end());
    }
    BatchRowSource source(f, batch, rows);
    RunMetadata m = meta;
    m.scenario_name = alternative + " against " + reference;
    assemble_batch(plan, source, path, m);
    return {reference, alternative, static_cast<std::uint32_t>(pairs.size())};
}

}  // namespace greenshift
