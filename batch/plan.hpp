// A batch, expanded: the list of runs (variant x sample x replicate), each with the
// overrides that turn the base scenario into that run's scenario, and its seed.
// The contract between the batch file loader (io/batch_loader) and the runner
// (batch/runner); plain data, no file formats.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace greenshift {

enum class Distribution : std::uint8_t { uniform, normal, triangular, lognormal };

// A parameter sampled by Latin hypercube. `scale`: the sampled value multiplies
// every number under `path` (a scalar, a path's values, a by-size map's values);
// `set`: it replaces the scalar at `path`.
struct UncertainParameter {
    std::string path;            // scenario key path, e.g. "electricity.price"
    Distribution distribution = Distribution::uniform;
    double a = 0, b = 0, c = 0;  // uniform [a,b]; normal mean a, sd b; triangular a<=c<=b
                                 // (c = mode); lognormal: mu a, sigma b of the log
    bool scale = true;
    int line = 0, column = 0;    // where the batch file declares it (1-based), for errors
};

// A global sensitivity analysis (docs/sensitivity.md): its design replaces the Latin
// hypercube as the batch's samples, and the batch file gets a `sensitivity` group.
enum class SensitivityMethod : std::uint8_t { none, sobol, morris };
inline constexpr const char* kSensitivityMethodNames[] = {"none", "sobol", "morris"};

struct SensitivitySpec {
    SensitivityMethod method = SensitivityMethod::none;
    std::uint32_t base = 0;          // sobol: N; samples = N (d + 2)
    std::uint32_t trajectories = 0;  // morris: samples = trajectories (d + 1)
    std::uint32_t levels = 4;        // morris: even
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
    std::uint64_t seed = 0;       // f(batch seed, sample, replicate): the same for every
                                  // variant, so a variant and its baseline share firms and
                                  // random numbers (common random numbers)
};

struct BatchPlan {
    std::string file;                  // the batch file, as given
    std::string name;                  // `name:` of the batch file, default its stem
    std::string description;
    std::string scenario_file;         // base scenario, resolved relative to the batch file
    std::string scenario_text;         // its contents, read once
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
    SensitivitySpec sensitivity;
    std::vector<std::vector<double>> sample_values;  // [sample][parameter], Latin hypercube or
                                                     // the sensitivity design
    // Runs ordered sample-major, then replicate, then variant, so that a variant
    // and its baseline are neighbours: index = (sample * replicates + replicate) *
    // variants + variant.
    std::vector<RunSpec> runs;
};

}  // namespace greenshift
