// A calibration, as read from a CALIB.yaml file (docs/calibration.md): the base
// scenario, the free parameters with their bounds and priors, the observed targets
// (and hold-out validation figures), the replicates and seed of every evaluation,
// and the method's settings. Plain data shared by the loader (io/calibration_loader)
// and the engine (batch/calibrate); no file formats.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/observations.hpp"

namespace greenshift {

// A parameter's prior, truncated to its bounds. loguniform and lognormal parameters
// are searched and sampled on a log scale.
enum class Prior : std::uint8_t { uniform, loguniform, normal, lognormal };
inline constexpr std::array<std::string_view, 4> kPriorNames{"uniform", "loguniform", "normal", "lognormal"};
static_assert(kPriorNames.size() == static_cast<std::size_t>(Prior::lognormal) + 1);

struct CalibrationParameter {
    std::string key;             // a scenario key path, as batch `set:` takes it
    double lower = 0, upper = 0; // bounds, lower < upper (> 0 on a log scale)
    Prior prior = Prior::uniform;
    double mean = 0, sd = 0;     // normal
    double mu = 0, sigma = 0;    // lognormal: of the logarithm
    bool has_start = false;
    double start = 0;            // the first point evaluated; default the middle of the box
    int line = 0, column = 0;    // where CALIB.yaml declares it, for errors
    bool log_scale() const { return prior == Prior::loguniform || prior == Prior::lognormal; }
};

struct OptimizerSettings {
    std::string global = "GN_DIRECT_L";  // an NLopt algorithm name; "none" skips the pass
    std::uint32_t global_evaluations = 200;
    std::string local = "LN_BOBYQA";     // "none" skips the pass
    std::uint32_t local_evaluations = 200;
    double tolerance = 1e-4;             // relative tolerance on the unit-box coordinates (local pass)
};

// The posterior sample: a Metropolis chain on likelihood x prior, started at the
// estimate, whose proposal adapts during burn-in only (docs/calibration.md).
struct PosteriorSettings {
    std::string method = "mcmc";  // "mcmc" or "none" (estimate only)
    std::uint32_t samples = 1000; // draws kept
    std::uint32_t burn_in = 500;  // chain steps before the first kept draw
    std::uint32_t thin = 1;       // chain steps per kept draw
    std::uint32_t predictive = 200;  // kept draws (evenly spaced) whose simulated targets make the fit bands
};

struct CalibrationPlan {
    std::string file;              // CALIB.yaml as given
    std::string calibration_text;  // its contents
    std::string scenario_file;     // the base scenario, resolved relative to CALIB.yaml
    std::string scenario_text;     // its contents, read once
    std::uint64_t seed = 1;
    std::uint32_t replicates = 4;
    int end_year = 0;              // 0: the scenario's own end year
    // The --set/--unset texts that cut the scenario at end_year: its references
    // removed (they may name later years), run.end_year, each policy ending later ends
    // then, each starting later is removed.
    std::vector<std::string> frame_overrides;
    std::vector<CalibrationParameter> parameters;
    std::vector<Observation> targets;     // in the likelihood
    std::vector<Observation> validation;  // held out: reported, not fitted
    OptimizerSettings optimizer;
    PosteriorSettings posterior;
    std::uint32_t checkpoint_every = 20;  // evaluations between checkpoints
    std::string identity;          // hex digest of calibration_text + scenario_text: a resume
                                   // against another calibration is refused
};

// The --set texts that make the scenario of one evaluation: the frame overrides (when
// the plan shortens the run), then each parameter at `values` (in plan order).
std::vector<std::string> calibration_overrides(const CalibrationPlan& plan, const std::vector<double>& values);

}  // namespace greenshift
