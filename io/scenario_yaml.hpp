// The fully resolved scenario (every default filled in) as schema-v1 YAML, so that
// `greenshift validate` shows what a run will use and every output file records it.
// Loading the text back gives the same Scenario, value for value.
#pragma once

#include "core/scenario.hpp"

#include <string>

namespace greenshift {

std::string to_yaml(const Scenario& s);

}  // namespace greenshift
