// A batch, expanded: the list of runs (variant x sample x replicate), each with the
// overrides that turn the base scenario into that run's scenario, and its seed.
// The contract between the batch file loader (io/batch_loader) and the runner
// (batch/runner); plain data, no file formats. It lives in io so that both see it.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace greenshift {

namespace yaml {
struct Node;
}

enum class Distribution : std::uint8_t { uniform, normal, triangular, lognormal };
inline constexpr std::array<std::string_view, 4> kDistributionNames{"uniform", "normal", "triangular", "lognormal"};
static_assert(kDistributionNames.size() == static_cast<std::size_t>(Distribution::lognormal) + 1);

// A parameter sampled by Latin hypercube. `scale`: the sampled value multiplies
// every number under `path` (a scalar, a path's values, a by-size map's values);
// `set`: it replaces the scalar at `path`.
struct UncertainParameter {
    std::string path;            // scenario key path, e.g. "electricity.price"
    Distribution distribution = Distribution::uniform;
    // The distribution's parameters, named as the batch file names them; those of
    // the other distributions stay 0.
    double low = 0, high = 0;    // uniform, triangular: the range, low < high
    double mode = 0;             // triangular: the most likely value, in [low, high]
    double mean = 0, sd = 0;     // normal
    double mu = 0, sigma = 0;    // lognormal: mean and standard deviation of the logarithm
    bool scale = true;
    int line = 0, column = 0;    // where the batch file declares it (1-based), for errors
    // >= 0: not sampled but drawn from a calibration's posterior (`from_calibration:`):
    // the column of its sample; always `set`. low and high then hold the sample's
    // smallest and largest value, mode the calibration's estimate.
    int calibration_column = -1;
    bool from_calibration() const { return calibration_column >= 0; }
};

// One parameter of a distribution: its key in the batch file, what it is (for
// messages), and the field of UncertainParameter that holds it.
struct DistributionParameter {
    std::string_view key;
    std::string_view what;
    double UncertainParameter::*field;
};

// The parameters of `d`, in the order the batch file writes them.
inline std::span<const DistributionParameter> distribution_parameters(Distribution d) {
    using P = UncertainParameter;
    static constexpr DistributionParameter uniform[] = {{"low", "the lower end", &P::low},
                                                        {"high", "the upper end", &P::high}};
    static constexpr DistributionParameter normal[] = {{"mean", "the mean", &P::mean},
                                                       {"sd", "the standard deviation", &P::sd}};
    static constexpr DistributionParameter triangular[] = {{"low", "the lower end", &P::low},
                                                           {"mode", "the most likely value", &P::mode},
                                                           {"high", "the upper end", &P::high}};
    static constexpr DistributionParameter lognormal[] = {
        {"mu", "the mean of the logarithm", &P::mu}, {"sigma", "the standard deviation of the logarithm", &P::sigma}};
    switch (d) {
    case Distribution::uniform: return uniform;
    case Distribution::normal: return normal;
    case Distribution::triangular: return triangular;
    case Distribution::lognormal: return lognormal;
    }
    return {};
}

// A global sensitivity analysis (docs/sensitivity.md): its design replaces the Latin
// hypercube as the batch's samples, and the batch file gets a `sensitivity` group.
enum class SensitivityMethod : std::uint8_t { none, sobol, morris };
inline constexpr std::array<std::string_view, 3> kSensitivityMethodNames{"none", "sobol", "morris"};
static_assert(kSensitivityMethodNames.size() == static_cast<std::size_t>(SensitivityMethod::morris) + 1);

struct SensitivitySpec {
    SensitivityMethod method = SensitivityMethod::none;
    std::uint32_t base = 0;          // sobol: N; samples = N (d + 2)
    std::uint32_t trajectories = 0;  // morris: samples = trajectories (d + 1)
    std::uint32_t levels = 4;        // morris: even
};

// `design: FILE.csv` (docs/sensitivity.md): an explicit design matrix, read by the
// loader, whose rows [first_row, first_row + samples) are the batch's samples.
struct DesignCell {
    int line = 0, column = 0;  // 1-based, in the design file
};
struct DesignSource {
    std::string file;                // resolved relative to the batch file; empty: no design
    std::uint32_t first_row = 0;     // of the file's data rows, 0-based
    std::vector<DesignCell> cells;   // [sample * d + parameter]: where each value is written
};

struct Variant {
    std::string name;
    std::vector<std::string> overrides;  // "key.path=value", applied in order
    int baseline = -1;                   // index of the paired baseline variant, -1 none
    std::string family;                  // its name in the batch file: equals `name` unless a
                                         // sweep made it, e.g. cop22 for cop22[annual_budget=5e7]
    std::string description;             // as written in the batch file, may be empty
    std::vector<std::string> sweep;      // the sweep's "key.path=value" (also the last entries
                                         // of `overrides`); empty when not swept
    std::vector<std::uint32_t> uncertain;  // indices into BatchPlan::uncertain that apply to it
                                           // (all but those of policies it does not have)
};

struct RunSpec {
    std::uint32_t index = 0;      // position in BatchPlan::runs, stable across resumes
    std::uint32_t variant = 0;    // into BatchPlan::variants
    std::uint32_t sample = 0;     // 0 .. samples-1
    std::uint32_t replicate = 0;  // 0 .. replicates-1
    std::uint64_t seed = 0;       // f(batch seed, sample, replicate), or f(batch seed, 0,
                                  // replicate) under a sensitivity or design file: the same for every
                                  // variant, so a variant and its baseline share firms and
                                  // random numbers (common random numbers)
};

struct BatchPlan {
    std::string file;                  // the batch file, as given
    std::string name;                  // `name:` of the batch file, default its stem
    std::string description;
    std::string scenario_file;         // base scenario, resolved relative to the batch file
    std::string scenario_text;         // its contents, read once
    std::shared_ptr<const yaml::Node> scenario_tree;  // scenario_text parsed once (batch/expand);
                                                     // null: each run parses the text
    std::string resolved_text;         // canonical YAML of the whole batch (stored in outputs)
    std::string identity;              // hex digest of resolved_text + scenario_text: a resume or
                                       // merge against another batch is refused
    std::uint64_t seed = 1;
    std::uint32_t samples = 1;
    std::uint32_t replicates = 1;
    bool fixed_population = false;     // `population: fixed`: every run has the firms of run 0
                                       // (sample 0, replicate 0); only the decisions differ
    std::vector<Variant> variants;     // sweeps already expanded into variants
    std::vector<UncertainParameter> uncertain;
    // `from_calibration:`: the calibration file (resolved like the scenario), and its
    // posterior sample [draw][column]; sample s takes row s mod calibration_draws for
    // every calibrated parameter together, which keeps their correlation.
    std::string calibration_file;
    std::uint32_t calibration_draws = 0;
    std::vector<std::vector<double>> calibration_sample;
    SensitivitySpec sensitivity;
    DesignSource design;
    std::vector<std::vector<double>> sample_values;  // [sample][parameter], Latin hypercube,
                                                     // the sensitivity design or the design file
    // Runs ordered sample-major, then replicate, then variant, so that a variant
    // and its baseline are neighbours: index = (sample * replicates + replicate) *
    // variants + variant.
    std::vector<RunSpec> runs;
};

}  // namespace greenshift
