// Turns a batch file (docs/batches.md) into a BatchPlan: the base scenario, its
// variants with sweeps already expanded, the uncertain parameters and the pairing of
// each variant with its baseline. Checked as strictly as a scenario: every variant's
// scenario is built once here, so a bad override is reported at its line in the batch
// file. sample_values and runs are left empty: batch/expand.hpp fills them.
#pragma once

#include "io/batch_plan.hpp"
#include "io/input_error.hpp"
#include "io/scenario_loader.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace greenshift {

// Reads and checks the batch file at `path`; throws InputError naming the file,
// line:column and key (or the base scenario file, when that is what is wrong).
BatchPlan load_batch(const std::string& path);

// The same for text in memory; `path` is used in errors and to find the base
// scenario (relative to its folder).
BatchPlan load_batch_text(const std::string& text, const std::string& path);

// What the scenario loader needs to build `variant` of `plan` with each uncertain
// parameter p that applies to it at values[p] (`set`: the value; `scale`: the
// factor). `values` empty: no uncertain parameter is applied.
LoadOptions variant_load_options(const BatchPlan& plan, std::uint32_t variant,
                                 const std::vector<double>& values,
                                 std::uint64_t max_memory_bytes = 0);

// The uncertain parameter whose change (InputError::change) an error of loading the
// scenario with variant_load_options(plan, variant, values) comes from, if any.
std::optional<std::uint32_t> uncertain_parameter_of(const BatchPlan& plan, std::uint32_t variant,
                                                    const std::vector<double>& values, const InputChange& change);

// FNV-1a 64-bit hash of `bytes`, as 16 lower-case hex digits.
std::string fnv1a64_hex(const std::string& bytes);

}  // namespace greenshift
