// greenshift validate SCENARIO.yaml [--set K=V] [--unset K]: the scenario resolved, or
// what is wrong with it. A calibration file (top-level `calibration:`) is checked as
// `greenshift calibrate` reads it.
#include <iostream>
#include <sstream>

#include "io/calibration_loader.hpp"
#include "io/yaml_guard.hpp"

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

// A text whose top level has the key `calibration:` (column 1) and no `run:`.
bool is_calibration_text(const std::string& text) {
    std::istringstream in(text);
    std::string line;
    bool calibration = false;
    while (std::getline(in, line)) {
        if (line.rfind("calibration:", 0) == 0) calibration = true;
        if (line.rfind("run:", 0) == 0) return false;
    }
    return calibration;
}

}  // namespace

int run_validate_command(const ScenarioArgs& a) {
    // Read through the guarded reader (no pipe, no device, no file over the size
    // limit), as the scenario would be.
    const std::string text = yaml::read_yaml_file(a.file, a.file, yaml::kScenarioDocument);
    if (a.sets.empty() && a.unsets.empty() && a.seed.empty() && is_calibration_text(text)) {
        const CalibrationPlan p = load_calibration_text(text, a.file);
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
