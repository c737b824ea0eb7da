// greenshift validate SCENARIO.yaml [--set K=V] [--unset K]: the scenario resolved, or
// what is wrong with it.
#include <iostream>

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

int run_validate_command(const ScenarioArgs& a) {
    const Scenario s = a.load();
    std::cout << to_yaml(s);
    std::cerr << a.file << ": valid — " << s.total_firms() << " firms, " << s.sectors.size() << " sectors, "
              << s.technologies.size() << " technologies, " << s.policies.size() << " policies, "
              << s.run.steps() << " steps (" << s.run.start_year << "-" << s.run.end_year << "), "
              << required_memory_bytes(s) / (1024 * 1024) << " MiB\n";
    return exit_code::ok;
}

}  // namespace greenshift::cli
