// From a loaded BatchPlan to its runs: Latin hypercube values for every sample, the
// list of runs (variant x sample x replicate) with their seeds, and the scenario of
// any one run.
#pragma once

#include "io/batch_plan.hpp"
#include "core/scenario.hpp"

#include <cstdint>

namespace greenshift {

// The samples of the design a process draws: rows [first, last); all by default.
struct SampleRows {
    std::uint32_t first = 0;
    std::uint32_t last = UINT32_MAX;
};

// The samples the runs [first_run, last_run) use (runs are in io/batch_plan.hpp's
// order, sample by sample): what a shard of those runs draws.
SampleRows samples_of_runs(const BatchPlan& plan, std::uint32_t first_run, std::uint32_t last_run);

// What expand will take, before it starts: the memory of the design (the rows
// drawn, the run list, the keys of the Latin hypercube) and an estimate of the time
// to draw it (measured rates of this machine class; see the definition).
struct DesignCost {
    std::uint64_t bytes = 0;
    double seconds = 0;
    std::uint64_t values = 0;  // sampled values drawn
};
DesignCost design_cost(const BatchPlan& plan, SampleRows rows = {});

// Fills plan.sample_values (Latin hypercube, batch/lhs.hpp; a calibration's parameters
// take row sample mod draws of its posterior sample) and plan.runs, in the
// order io/batch_plan.hpp documents. With `rows`, only those samples are drawn (the
// other rows of sample_values stay empty; a sensitivity design is drawn whole).
// Checks that every draw is a finite number (a log-normal's above 0) and that every
// variant stays valid at the smallest and at the largest sampled value of each
// parameter (the tails of normal and log-normal distributions are only known once
// sampled); throws InputError pointing at the parameter in the batch file otherwise.
void expand(BatchPlan& plan, SampleRows rows = {});

// The seed of every run of (sample, replicate): the same for every variant, so a
// variant and its baseline share firms and random numbers. SplitMix64's finaliser
// (a bijection of 64-bit words) applied twice:
//   mix(mix(batch_seed + golden) XOR (sample << 32 | replicate)),
// so within one batch distinct (sample, replicate) pairs never share a seed.
std::uint64_t run_seed(std::uint64_t batch_seed, std::uint32_t sample, std::uint32_t replicate);

// True when the values of `sample` were drawn (always without uncertain parameters).
bool sample_drawn(const BatchPlan& plan, std::uint32_t sample);

// The scenario of one run: the base scenario with the variant's overrides, the
// run's uncertain values (`set`: an override with round-trip precision; `scale`: a
// LoadOptions scale), run.seed = run.seed and run.run_index = 0 (seeds already
// differ per run); with plan.fixed_population, run.population_seed = the seed of
// sample 0, replicate 0. Needs the run's sample drawn (expand first); std::logic_error
// otherwise.
Scenario scenario_for_run(const BatchPlan& plan, const RunSpec& run, std::uint64_t max_memory_bytes = 0);

}  // namespace greenshift
