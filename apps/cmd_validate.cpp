// greenshift validate SCENARIO.yaml [--set K=V] [--unset K]: the scenario resolved, or
// what is wrong with it. A calibration file (top-level `calibration:`) is checked as
// `greenshift calibrate` reads it.
#include <fstream>
#include <iostream>
#include <sstream>

#include "io/calibration_loader.hpp"

#include "apps/commands.hpp"
#include "apps/exit_codes.hpp"
#include "io/memory_check.hpp"
#include "io/scenario_yaml.hpp"

namespace greenshift::cli {

CLI::App* add_validate_command(CLI::App& app, ScenarioArgs& a) {
    CLI::App* cmd = app.add_subcommand("validate", "Check a scenario; print it resolved (every default filled in)");
    add_scenario_options(cmd, a);
    return cmd;
}

namespace {

// A file whose top level has the key `calibration:` (column 1) and no `run:`.
bool is_calibration_file(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    bool calibration = false;
    for (int n = 0; n < 100000 && std::getline(in, line); ++n) {
        if (line.rfind("calibration:", 0) == 0) calibration = true;
        if (line.rfind("run:", 0) == 0) return false;
    }
    return calibration;
}

}  // namespace

int run_validate_command(const ScenarioArgs& a) {
    if (a.sets.empty() && a.unsets.empty() && a.seed.empty() && is_calibration_file(a.file)) {
        const CalibrationPlan p = load_calibration(a.file);
        std::cerr << a.file << ": valid calibration — " << p.parameters.size() << " parameters, " << p.targets.size()
                  << " targets, " << p.validation.size() << " held out, " << p.replicates
                  << " replicates per evaluation, scenario " << p.scenario_file << "\n";
        return exit_code::ok;
    }
    const Scenario s = a.load();
    std::cout << to_yaml(s);
    std::cerr << a.file << ": valid — " << s.total_firms() << " firms, " << s.sectors.size() << " sectors, "
              << s.technologies.size() << " technologies, " << s.policies.size() << " policies, "
              << s.run.steps() << " steps (" << s.run.start_year << "-" << s.run.end_year << "), "
              << required_memory_bytes(s) / (1024 * 1024) << " MiB\n";
    return exit_code::ok;
}

}  // namespace greenshift::cli
