// Reads observations (core/observations.hpp) from YAML: a scenario's `references`
// block, and a calibration file's targets, with the same keys and the same checks
// (docs/scenarios.md, `references`): every name against the scenario, every year
// inside its run, units convertible, one uncertainty, a source.
#pragma once

#include <string>
#include <vector>

#include "core/observations.hpp"
#include "core/scenario.hpp"
#include "io/yaml_reader.hpp"

namespace greenshift {

// The observations of `block` (a map name -> observation; null or empty: none),
// which sits at key path `path` ("references").
std::vector<Observation> read_observations(const yaml::Reader& reader, const yaml::Node& block,
                                           const std::string& path, const Scenario& scenario);

// The keys of an observation, and of its `per` (what --set may create).
yaml::Names observation_keys();
yaml::Names observation_aggregate_keys();

}  // namespace greenshift
