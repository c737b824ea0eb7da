// Turns a calibration file (CALIB.yaml, docs/calibration.md) into a CalibrationPlan,
// checked as strictly as a batch file: every parameter's key path is applied to the
// base scenario at both bounds and at its start (the override machinery of batch
// `set:`), so an unknown path or a value out of the scenario's ranges is reported at
// its line in CALIB.yaml; targets and validation figures are read by the scenario's
// own `references` reader (io/observations_loader) against the scenario as the
// calibration runs it (its end_year).
#pragma once

#include <string>

#include "io/calibration_plan.hpp"

namespace greenshift {

// NLopt algorithms a calibration may name (checked here; batch/calibrate maps the
// names to NLopt's).
inline constexpr std::string_view kGlobalAlgorithms[] = {"none", "GN_DIRECT", "GN_DIRECT_L", "GN_CRS2_LM", "GN_ISRES",
                                                         "GN_ESCH"};
inline constexpr std::string_view kLocalAlgorithms[] = {"none", "LN_BOBYQA", "LN_COBYLA", "LN_NELDERMEAD", "LN_SBPLX"};
inline constexpr std::string_view kPosteriorMethods[] = {"mcmc", "none"};

// Reads and checks the calibration file at `path`; throws InputError naming the file,
// line:column and key (or the base scenario, when that is what is wrong).
CalibrationPlan load_calibration(const std::string& path);

// The same for text in memory; `path` is used in errors and to find the scenario.
CalibrationPlan load_calibration_text(const std::string& text, const std::string& path);

}  // namespace greenshift
