#include "batch/expand.hpp"

#include "batch/lhs.hpp"
#include "batch/sensitivity.hpp"
#include "io/batch_loader.hpp"
#include "io/input_error.hpp"
#include "io/scenario_loader.hpp"
#include "io/scenario_yaml.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace greenshift {

namespace {

// SplitMix64's output function (Steele, Lea, Flood 2014): a bijection on 64-bit
// words with good avalanche, so nearby inputs give unrelated outputs.
constexpr std::uint64_t splitmix64_mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ull;  // 2^64 / golden ratio

// Every draw a finite number, and a log-normal's above 0: exp(mu + sigma z) overflows
// to inf or underflows to 0 for |mu| near 700, and a price of exactly 0 in every run
// would pass every later check.
void check_draws_are_numbers(const BatchPlan& plan) {
    for (std::size_t p = 0; p < plan.uncertain.size(); ++p) {
        const UncertainParameter& u = plan.uncertain[p];
        for (std::uint32_t s = 0; s < plan.sample_values.size(); ++s) {
            if (plan.sample_values[s].empty()) continue;  // a row this process does not draw
            const double v = plan.sample_values[s][p];
            const bool lognormal = u.distribution == Distribution::lognormal;
            if (std::isfinite(v) && !(lognormal && v < std::numeric_limits<double>::min())) continue;
            const std::string what = !std::isfinite(v) ? "overflows" : "underflows";
            const std::string formula =
                lognormal ? "exp(" + round_trip_text(u.mu) + " + " + round_trip_text(u.sigma) + " z)" : "the draw";
            throw InputError(plan.file, u.line, u.column,
                             "uncertain." + u.path + ": sample " + std::to_string(s) + " draws " +
                                 round_trip_text(v) + ": " + formula + " " + what +
                                 " (doubles hold magnitudes from 2.2e-308 to 1.8e+308); allowed: parameters whose draws "
                                 "stay within that range" +
                                 (lognormal ? std::string(", e.g. mu between about -690 and 690 for sigma up to 2") : ""));
        }
    }
}

// Each variant at the smallest, then at the largest sampled value of every
// parameter that applies to it: the scenario's checks are ranges and sums that grow
// with each value, so these two points are the worst cases of all the samples.
void check_sampled_extremes(const BatchPlan& plan) {
    const std::size_t d = plan.uncertain.size();
    if (d == 0) return;
    std::vector<double> lo(d), hi(d);
    std::vector<std::uint32_t> lo_at(d, 0), hi_at(d, 0);
    for (std::size_t p = 0; p < d; ++p) {
        lo[p] = hi[p] = plan.sample_values[0][p];
        for (std::uint32_t s = 1; s < plan.samples; ++s) {
            const double v = plan.sample_values[s][p];
            if (v < lo[p]) lo[p] = v, lo_at[p] = s;
            if (v > hi[p]) hi[p] = v, hi_at[p] = s;
        }
    }
    for (std::uint32_t vi = 0; vi < plan.variants.size(); ++vi) {
        const Variant& v = plan.variants[vi];
        if (v.uncertain.empty()) continue;
        for (const bool smallest : {true, false}) {
            const std::vector<double>& values = smallest ? lo : hi;
            try {
                load_scenario_text(plan.scenario_text, plan.scenario_file,
                                   variant_load_options(plan, vi, values, std::numeric_limits<std::uint64_t>::max()));
            } catch (const InputError& e) {
                if (const auto p = uncertain_parameter_of(plan, vi, values, e.change())) {
                    const UncertainParameter& u = plan.uncertain[*p];
                    throw InputError(plan.file, u.line, u.column,
                                     "uncertain." + u.path + ": sample " +
                                         std::to_string(smallest ? lo_at[*p] : hi_at[*p]) + " draws " +
                                         round_trip_text(values[*p]) + " (the " + (smallest ? "smallest" : "largest") +
                                         " value sampled), and variant '" + v.name + "' is then refused: " + e.detail() +
                                         "; narrow the distribution, or use a bounded one (uniform, triangular)");
                }
                throw InputError(plan.file, 0, 0,
                                 "variant '" + v.name + "' with every uncertain parameter at its " +
                                     (smallest ? "smallest" : "largest") + " sampled value is refused: " + e.what());
            }
        }
    }
}

}  // namespace

std::uint64_t run_seed(std::uint64_t batch_seed, std::uint32_t sample, std::uint32_t replicate) {
    const std::uint64_t where = (static_cast<std::uint64_t>(sample) << 32) | replicate;
    return splitmix64_mix(splitmix64_mix(batch_seed + kGolden) ^ where);
}

void expand(BatchPlan& plan) {
    const auto d = static_cast<std::uint32_t>(plan.uncertain.size());
    const auto& sa = plan.sensitivity;
    if (sa.method == SensitivityMethod::sobol) {
        plan.sample_values = saltelli_design(plan.uncertain, sa.base).values;
    } else if (sa.method == SensitivityMethod::morris) {
        plan.sample_values = morris_design(plan.uncertain, sa.trajectories, sa.levels, plan.seed).values;
    } else {
        const auto points = latin_hypercube(plan.seed, plan.samples, d);
        plan.sample_values.assign(plan.samples, std::vector<double>(d));
        for (std::uint32_t s = 0; s < plan.samples; ++s)
            for (std::uint32_t p = 0; p < d; ++p) plan.sample_values[s][p] = quantile(plan.uncertain[p], points[s][p]);
    }
    if (plan.sample_values.size() != plan.samples)
        throw std::logic_error("expand: the design has " + std::to_string(plan.sample_values.size()) +
                               " samples, the plan " + std::to_string(plan.samples));

    const auto nv = static_cast<std::uint32_t>(plan.variants.size());
    plan.runs.clear();
    plan.runs.reserve(static_cast<std::size_t>(plan.samples) * plan.replicates * nv);
    for (std::uint32_t s = 0; s < plan.samples; ++s)
        for (std::uint32_t r = 0; r < plan.replicates; ++r) {
            // A sensitivity design shares its random numbers across samples: replicate r
            // has the same firms and draws in every row of the design, so an index
            // measures the parameters, not the noise between rows.
            const bool common = plan.sensitivity.method != SensitivityMethod::none;
            const std::uint64_t seed = run_seed(plan.seed, common ? 0 : s, r);
            for (std::uint32_t v = 0; v < nv; ++v) {
                RunSpec run;
                run.index = static_cast<std::uint32_t>(plan.runs.size());
                run.variant = v;
                run.sample = s;
                run.replicate = r;
                run.seed = seed;
                plan.runs.push_back(run);
            }
        }
    check_draws_are_numbers(plan);
    check_sampled_extremes(plan);
}

Scenario scenario_for_run(const BatchPlan& plan, const RunSpec& run, std::uint64_t max_memory_bytes) {
    static const std::vector<double> kNone;
    const std::vector<double>& values = plan.uncertain.empty() ? kNone : plan.sample_values.at(run.sample);
    Scenario s = load_scenario_text(plan.scenario_text, plan.scenario_file,
                                    variant_load_options(plan, run.variant, values, max_memory_bytes));
    s.run.seed = run.seed;
    s.run.run_index = 0;
    if (plan.fixed_population) s.run.population_seed = run_seed(plan.seed, 0, 0);
    return s;
}

}  // namespace greenshift
