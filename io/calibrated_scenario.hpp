// The scenario a calibration estimates: its base scenario with each calibrated key
// set to the point estimate (`greenshift calibrated-scenario`, docs/calibration.md).
#pragma once

#include <string>

#include "io/calibration_file.hpp"

namespace greenshift {

// The base scenario's text (calibration.scenario_text) with every calibrated value
// replaced where the file writes it, its comments kept and a note added on the line;
// above it, comment lines naming the calibration file and each calibrated key with
// its estimate and 90% interval. When a key is not written in the file as a plain
// number (a schema default the file leaves out), the whole scenario is written
// resolved (every default filled in, as `greenshift validate` prints it) with the
// estimates applied, under the same comment lines. Either way the text is loaded
// back and must equal the base scenario with `--set key=estimate` for every key;
// throws InputError naming `calibration_file` when the base scenario refuses an
// estimate.
std::string calibrated_scenario_text(const CalibrationOutput& calibration, const std::string& calibration_file);

}  // namespace greenshift
