#include "io/batch_reader.hpp"

#include <algorithm>

#include "io/csv_text.hpp"
#include "io/hdf5_input.hpp"
#include "io/input_error.hpp"

namespace greenshift {

hdf5::File open_batch_file(const std::string& path) {
    return open_input(path, {FileKind::batch}, "summary").file;
}

SummaryTable read_summary(const std::string& path) { return read_summary(open_batch_file(path)); }

namespace {

// The variant each of `variants` is compared with: /effects pairs each effect's run
// (its variant in /effects/variant) with a baseline run (/effects/baseline_run), whose
// variant /runs gives. "" for a variant without effects.
std::vector<std::string> read_baselines(const hdf5::File& file, const std::vector<std::string>& variants) {
    std::vector<std::string> out(variants.size());
    if (!file.contains("effects") || !file.contains("runs")) return out;
    const hdf5::Group e = hdf5::Group::open(file, "effects"), r = hdf5::Group::open(file, "runs");
    const std::vector<std::string> effect_variant = hdf5::read_strings(e, "variant");
    const std::vector<std::int64_t> baseline_run = hdf5::read_array<std::int64_t>(e, "baseline_run").values;
    const std::vector<std::int64_t> run = hdf5::read_array<std::int64_t>(r, "run").values;
    const std::vector<std::string> run_variant = hdf5::read_strings(r, "variant");
    if (baseline_run.size() != effect_variant.size() || run.size() != run_variant.size())
        throw InputError(file.name(), 0, 0, "/effects or /runs: variant does not match its runs");
    for (std::size_t v = 0; v < variants.size(); ++v) {
        const auto k = std::find(effect_variant.begin(), effect_variant.end(), variants[v]);
        if (k == effect_variant.end()) continue;
        const auto j = std::find(run.begin(), run.end(), baseline_run[static_cast<std::size_t>(k - effect_variant.begin())]);
        if (j != run.end()) out[v] = run_variant[static_cast<std::size_t>(j - run.begin())];
    }
    return out;
}

}  // namespace

SummaryTable read_summary(const hdf5::File& file) {
    const std::string& path = file.name();
    SummaryTable t;
    t.samples = hdf5::read_attribute<std::int32_t>(file, "sample_count");
    t.replicates = hdf5::read_attribute<std::int32_t>(file, "replicate_count");
    t.runs_per_variant = t.samples * t.replicates;
    if (hdf5::has_attribute(file, "population")) t.population = hdf5::read_text_attribute(file, "population");
    if (!file.contains("summary")) return t;
    const hdf5::Group g = hdf5::Group::open(file, "summary");
    t.variants = hdf5::read_strings(g, "variant");
    t.indicators = hdf5::read_strings(g, "indicator");
    t.statistics = hdf5::read_strings(g, "statistic");
    {
        const hsize_t V = t.variants.size(), I = t.indicators.size(), S = t.statistics.size();
        const std::string by_indicator = "its coordinate indicator";
        check_shape(hdf5::Dataset::open(g, "indicator_units"), {I}, by_indicator);
        check_shape(hdf5::Dataset::open(g, "indicator_long_name"), {I}, by_indicator);
        check_shape(hdf5::Dataset::open(g, "value"), {V, I, S}, "its coordinates variant, indicator and statistic");
        check_shape(hdf5::Dataset::open(g, "valid_runs"), {V, I}, "its coordinates variant and indicator");
    }
    t.units = hdf5::read_strings(g, "indicator_units");
    t.long_names = hdf5::read_strings(g, "indicator_long_name");
    t.values = hdf5::read_array<double>(g, "value").values;
    t.valid_runs = hdf5::read_array<std::int64_t>(g, "valid_runs").values;
    const std::size_t I = t.indicators.size();
    const auto words = [&](const char* name, const std::vector<std::string>& otherwise) {
        std::vector<std::string> x = g.contains(name) ? hdf5::read_strings(g, name) : otherwise;
        if (x.size() != I) throw InputError(path, 0, 0, std::string("/summary: ") + name + " does not match indicator");
        return x;
    };
    t.labels = words("indicator_label", t.indicators);
    t.groups = words("indicator_group", std::vector<std::string>(I));
    t.unit_words = words("indicator_unit_words", t.units);
    t.display_units = words("indicator_display_units", t.unit_words);
    t.display_scale = g.contains("indicator_display_scale")
                          ? hdf5::read_array<double>(g, "indicator_display_scale").values
                          : std::vector<double>(I, 1.0);
    t.headline = g.contains("indicator_headline") ? hdf5::read_array<std::uint8_t>(g, "indicator_headline").values
                                                   : std::vector<std::uint8_t>(I, 0);
    if (g.contains("variance_share")) t.variance_share = hdf5::read_array<double>(g, "variance_share").values;
    t.budget_notes.assign(t.variants.size(), {});
    if (file.contains("budgets")) {
        const hdf5::Group b = hdf5::Group::open(file, "budgets");
        const std::vector<std::string> variants = hdf5::read_strings(b, "variant");
        const std::vector<std::string> text = hdf5::read_strings(b, "summary");
        if (variants.empty() || text.size() % variants.size() != 0)
            throw InputError(path, 0, 0, "/budgets: summary does not match its variants");
        const std::size_t P = text.size() / variants.size();
        for (std::size_t v = 0; v < t.variants.size(); ++v)
            for (std::size_t k = 0; k < variants.size(); ++k)
                if (variants[k] == t.variants[v])
                    for (std::size_t p = 0; p < P; ++p)
                        if (!text[k * P + p].empty()) t.budget_notes[v].push_back(text[k * P + p]);
    }
    t.baselines = read_baselines(file, t.variants);
    const auto mismatch = [&](const char* name) {
        return InputError(path, 0, 0, std::string("/summary: ") + name + " does not match its coordinates");
    };
    if (t.values.size() != t.variants.size() * I * t.statistics.size()) throw mismatch("value");
    if (t.valid_runs.size() != t.variants.size() * I) throw mismatch("valid_runs");
    if (t.display_scale.size() != I) throw mismatch("indicator_display_scale");
    if (t.headline.size() != I) throw mismatch("indicator_headline");
    if (!t.variance_share.empty() && t.variance_share.size() != t.variants.size() * I * 2)
        throw mismatch("variance_share");
    return t;
}

SensitivityTable read_sensitivity(const std::string& path) {
    const hdf5::File file = open_batch_file(path);
    SensitivityTable t;
    if (!file.contains("sensitivity")) return t;
    const hdf5::Group g = hdf5::Group::open(file, "sensitivity");
    check_dimensions(g);
    t.method = hdf5::read_text_attribute(g, "method");
    t.variants = hdf5::read_strings(g, "variant");
    t.indicators = hdf5::read_strings(g, "indicator");
    t.parameters = hdf5::read_strings(g, "parameter");
    t.measures = t.method == "sobol" ? std::vector<std::string>{"S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high"}
                                     : std::vector<std::string>{"mu", "mu_star", "sigma"};
    for (const auto& m : t.measures) {
        t.values.push_back(hdf5::read_array<double>(g, m).values);
        if (t.values.back().size() != t.variants.size() * t.indicators.size() * t.parameters.size())
            throw InputError(path, 0, 0, "/sensitivity/" + m + " does not match its coordinates");
    }
    return t;
}

void write_summary_csv(const SummaryTable& t, std::ostream& out) {
    out << "variant,indicator,label,group,units,unit_words";
    for (const std::string& s : t.statistics) out << "," << csv_field(s);
    out << ",valid_runs,long_name\n";
    for (std::size_t v = 0; v < t.variants.size(); ++v)
        for (std::size_t i = 0; i < t.indicators.size(); ++i) {
            out << csv_field(t.variants[v]) << "," << csv_field(t.indicators[i]) << "," << csv_field(t.labels[i]) << ","
                << csv_field(t.groups[i]) << "," << csv_field(t.units[i]) << "," << csv_field(t.unit_words[i]);
            for (std::size_t s = 0; s < t.statistics.size(); ++s) out << "," << csv_number(t.value(v, i, s));
            out << "," << t.valid_runs[v * t.indicators.size() + i] << "," << csv_field(t.long_names[i]) << "\n";
        }
}

}  // namespace greenshift
