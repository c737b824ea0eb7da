// Turns a scenario YAML file (schema v1, docs/scenarios.md) into a validated
// Scenario, or throws InputError naming the file, line:column, field, the bad value
// and what is allowed. Nothing is allocated for firms before the scenario is known
// to fit in memory.
#pragma once

#include "core/scenario.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace greenshift {

namespace yaml {
struct Node;
}

// A number-multiplying change used by batches (docs/batches.md, `apply: scale`):
// every number under `path` is multiplied by `factor` (a scalar; the values, not the
// years, of a {year: value} path; the four values of a by-size map). A path part `*`
// stands for every entry of a named map (`sectors.*.hurdle_rate`).
struct Scale {
    std::string path;
    double factor = 1.0;
};

struct LoadOptions {
    // `key.path=value` texts (the argument of `--set`), applied in order to the
    // document before it is checked; the value is YAML (a scalar or a flow
    // collection such as `{2017: 1, 2030: 2}` or `[micro, small]`). A text
    // `-key.path` (`--unset key.path`) removes that key and its value instead; the
    // key must be in the document.
    std::vector<std::string> overrides;
    // Refuse scenarios whose firms need more than this; 0 = the memory available
    // now (MemAvailable), and no check when that is unknown.
    std::uint64_t max_memory_bytes = 0;
    // Applied in order after the overrides and before validation, so a scaled value
    // that leaves its range is reported like any other. Errors name the change as
    // `scale <path> by <factor>` instead of a line of the file.
    std::vector<Scale> scales;
    // An error caused by one of these changes says which in InputError::change():
    // its kind (override or scale), its index here, and whether its key path or its
    // value is at fault.
};

// How errors name an override: "--set key.path=value" or "--unset key.path".
std::string override_label(const std::string& override_text);

// Reads and validates the file at `path`. Scenario::name defaults to the file stem.
Scenario load_scenario(const std::string& path, const LoadOptions& options = {});
Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides);

// The same for text already in memory; `display_name` is used in errors and gives
// the default name (its stem).
Scenario load_scenario_text(const std::string& text, const std::string& display_name,
                            const LoadOptions& options = {});
Scenario load_scenario_text(const std::string& text, const std::string& display_name,
                            const std::vector<std::string>& overrides);

// A scenario's text parsed once (yaml::parse_document, every check of the parser),
// for callers that load it many times with other options: a batch builds each run's
// scenario from it instead of parsing the text again for every run.
std::shared_ptr<const yaml::Node> parse_scenario_text(const std::string& text, const std::string& display_name);
// load_scenario_text on the tree parse_scenario_text made of that text: the same
// scenario, the same errors.
Scenario load_scenario_tree(const yaml::Node& parsed, const std::string& display_name, const LoadOptions& options);

}  // namespace greenshift
