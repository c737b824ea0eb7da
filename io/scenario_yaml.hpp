// The fully resolved scenario (every default filled in) as schema-v1 YAML, so that
// `greenshift validate` shows what a run will use and every output file records it.
// Loading the text back gives the same Scenario, value for value. Also the two text
// conventions of every YAML greenshift writes (scenarios, batches, `set` values).
#pragma once

#include "core/scenario.hpp"

#include <string>
#include <string_view>

namespace greenshift {

std::string to_yaml(const Scenario& s);

// Shortest decimal text that reads back as exactly `value` (std::to_chars).
std::string round_trip_text(double value);

// Double-quoted YAML: safe for any text (colons, '#', newlines, leading spaces, words
// like `null` or `true` that a plain scalar would turn into something else).
std::string yaml_quoted(std::string_view text);

}  // namespace greenshift
