// greenshift calibrated-scenario CALIB.h5 -o OUT.yaml (and calibrate --write-scenario):
// the calibration's base scenario with the estimates written in
// (io/calibrated_scenario.hpp), published whole.
#include <fstream>
#include <iostream>

#include "apps/commands.hpp"
#include "apps/exit_codes.hpp"
#include "io/atomic_output.hpp"
#include "io/calibrated_scenario.hpp"
#include "io/calibration_file.hpp"
#include "io/input_error.hpp"

namespace greenshift::cli {

CLI::App* add_calibrated_scenario_command(CLI::App& app, CalibratedScenarioArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "calibrated-scenario", "Write the scenario a calibration estimates: its base scenario with the estimates in");
    cmd->add_option("calibration", a.file, "Calibration file written by `greenshift calibrate` (HDF5)")->required();
    cmd->add_option("-o,--output", a.output, "Scenario file to write (YAML)")->required();
    cmd->add_flag("--force", a.force, "Replace an existing output");
    return cmd;
}

int run_calibrated_scenario_command(const CalibratedScenarioArgs& a) {
    write_calibrated_scenario(a.file, a.output, a.force, "calibrated-scenario");
    return exit_code::ok;
}

void write_calibrated_scenario(const std::string& calibration, const std::string& output, bool force,
                               const std::string& command) {
    const CalibrationOutput c = read_calibration(calibration, command);
    const std::string text = calibrated_scenario_text(c, calibration);
    AtomicFile out(output, force, {calibration});
    {
        std::ofstream f(out.temporary(), std::ios::binary);
        f << text;
        f.flush();
        if (!f) throw OutputError("cannot write " + output);
    }
    out.commit();
    std::cerr << "wrote " << output << ": the base scenario of " << calibration << " with " << c.keys.size()
              << " calibrated values\n";
}

}  // namespace greenshift::cli
