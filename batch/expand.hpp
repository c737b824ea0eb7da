// From a loaded BatchPlan to its runs: Latin hypercube values for every sample, the
// list of runs (variant x sample x replicate) with their seeds, and the scenario of
// any one run.
#pragma once

#include "io/batch_plan.hpp"
#include "core/scenario.hpp"

#include <cstdint>

namespace greenshift {

// Fills plan.sample_values (Latin hypercube, batch/lhs.hpp) and plan.runs, in the
// order io/batch_plan.hpp documents. Checks that every variant stays valid at the smallest
// and at the largest sampled value of each parameter (the tails of normal and
// log-normal distributions are only known once sampled); throws InputError pointing
// at the parameter in the batch file otherwise.
void expand(BatchPlan& plan);

// The seed of every run of (sample, replicate): the same for every variant, so a
// variant and its baseline share firms and random numbers. SplitMix64's finaliser
// (a bijection of 64-bit words) applied twice:
//   mix(mix(batch_seed + golden) XOR (sample << 32 | replicate)),
// so within one batch distinct (sample, replicate) pairs never share a seed.
std::uint64_t run_seed(std::uint64_t batch_seed, std::uint32_t sample, std::uint32_t replicate);

// The scenario of one run: the base scenario with the variant's overrides, the
// run's uncertain values (`set`: an override with round-trip precision; `scale`: a
// LoadOptions scale), run.seed = run.seed and run.run_index = 0 (seeds already
// differ per run); with plan.fixed_population, run.population_seed = the seed of
// sample 0, replicate 0. Needs plan.sample_values (expand first).
Scenario scenario_for_run(const BatchPlan& plan, const RunSpec& run, std::uint64_t max_memory_bytes = 0);

}  // namespace greenshift
