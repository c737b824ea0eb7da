#include "batch/expand.hpp"

#include "batch/lhs.hpp"
#include "batch/sensitivity.hpp"
#include "io/batch_loader.hpp"
#include "io/input_error.hpp"
#include "io/scenario_loader.hpp"
#include "io/scenario_yaml.hpp"

#include <algorithm>
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
    // The rows drawn here (a shard checks the samples it runs).
    std::uint32_t drawn = 0;
    while (drawn < plan.sample_values.size() && plan.sample_values[drawn].empty()) ++drawn;
    if (drawn == plan.sample_values.size()) return;
    for (std::size_t p = 0; p < d; ++p) {
        lo[p] = hi[p] = plan.sample_values[drawn][p];
        lo_at[p] = hi_at[p] = drawn;
        for (std::uint32_t s = drawn + 1; s < plan.samples; ++s) {
            if (plan.sample_values[s].empty()) continue;
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
                    const std::uint32_t s = smallest ? lo_at[*p] : hi_at[*p];
                    if (!plan.design.file.empty()) {
                        const DesignCell& c = plan.design.cells.at(static_cast<std::size_t>(s) * d + *p);
                        throw InputError(plan.design.file, c.line, c.column,
                                         "column '" + u.path + "': " + round_trip_text(values[*p]) + " (row " +
                                             std::to_string(plan.design.first_row + s) + ") is outside the allowed range: variant '" +
                                             v.name + "' is then refused: " + e.detail());
                    }
                    if (u.from_calibration())
                        throw InputError(plan.file, u.line, u.column,
                                         "from_calibration: the calibration's parameter '" + u.path + "' at " +
                                             round_trip_text(values[*p]) + " (sample " +
                                             std::to_string(smallest ? lo_at[*p] : hi_at[*p]) + ", its " +
                                             (smallest ? "smallest" : "largest") + " posterior value) makes variant '" +
                                             v.name + "' refused: " + e.detail());
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

SampleRows samples_of_runs(const BatchPlan& plan, std::uint32_t first_run, std::uint32_t last_run) {
    const std::uint64_t per_sample = std::uint64_t{plan.replicates} * plan.variants.size();
    if (per_sample == 0 || last_run <= first_run) return {0, 0};
    return {static_cast<std::uint32_t>(first_run / per_sample),
            static_cast<std::uint32_t>((last_run - 1) / per_sample + 1)};
}

DesignCost design_cost(const BatchPlan& plan, SampleRows rows) {
    const std::uint64_t n = plan.samples, d = plan.uncertain.size();
    const bool whole = plan.sensitivity.method != SensitivityMethod::none;
    const std::uint64_t last = std::min<std::uint64_t>(rows.last, n);
    const std::uint64_t drawn = whole || rows.first >= last ? (whole ? n : 0) : last - rows.first;
    const std::uint64_t runs = n * plan.replicates * plan.variants.size();
    DesignCost c;
    c.values = drawn * d;
    // A row is a vector (24 bytes) and its values; a run a RunSpec (24 bytes); the
    // hypercube keeps a key (8 bytes) and an index (4) per sample while it ranks one
    // parameter, and a copy of the rows it returns.
    c.bytes = n * 24 + 2 * drawn * d * 8 + runs * sizeof(RunSpec) + (d > 0 ? n * 12 : 0);
    // Measured on the 2-core test machine (10^6 samples x 233 parameters, load average
    // 6): ~25 ns to draw a key and ~130 ns per sample to sort the keys of one
    // parameter; a shard of few samples counts instead of sorting (batch/lhs.hpp).
    const double sort = drawn <= kRankByCounting && !whole ? 1.5e-9 * static_cast<double>(drawn) : 130e-9;
    c.seconds = whole ? 0 : static_cast<double>(n * d) * (25e-9 + sort);
    return c;
}

void expand(BatchPlan& plan, SampleRows rows) {
    const auto d = static_cast<std::uint32_t>(plan.uncertain.size());
    const auto& sa = plan.sensitivity;
    if (sa.method == SensitivityMethod::sobol) {
        plan.sample_values = saltelli_design(plan.uncertain, sa.base).values;
    } else if (sa.method == SensitivityMethod::morris) {
        plan.sample_values = morris_design(plan.uncertain, sa.trajectories, sa.levels, plan.seed).values;
    } else if (!plan.design.file.empty()) {
        // the loader read the design file's rows into sample_values
    } else {
        // The Latin hypercube spans the parameters with a distribution; those from a
        // calibration take row (s mod draws) of its posterior sample, all together, so
        // their correlation is the posterior's.
        std::vector<std::uint32_t> drawn;
        for (std::uint32_t p = 0; p < d; ++p)
            if (!plan.uncertain[p].from_calibration()) drawn.push_back(p);
        const std::uint32_t first = std::min(rows.first, plan.samples), last = std::min(rows.last, plan.samples);
        auto points = latin_hypercube_rows(plan.seed, plan.samples, static_cast<std::uint32_t>(drawn.size()), first,
                                           std::max(first, last));
        plan.sample_values.assign(plan.samples, {});
        for (std::uint32_t r = 0; r < points.size(); ++r) {
            const std::uint32_t s = first + r;
            std::vector<double> row(d);
            for (std::size_t k = 0; k < drawn.size(); ++k) row[drawn[k]] = quantile(plan.uncertain[drawn[k]], points[r][k]);
            for (std::uint32_t p = 0; p < d; ++p)
                if (const UncertainParameter& u = plan.uncertain[p]; u.from_calibration())
                    row[p] = plan.calibration_sample.at(s % plan.calibration_draws).at(static_cast<std::size_t>(u.calibration_column));
            plan.sample_values[s] = std::move(row);
        }
    }
    if (plan.sample_values.size() != plan.samples)
        throw std::logic_error("expand: the design has " + std::to_string(plan.sample_values.size()) +
                               " samples, the plan " + std::to_string(plan.samples));

    const auto nv = static_cast<std::uint32_t>(plan.variants.size());
    plan.runs.clear();
    plan.runs.reserve(static_cast<std::size_t>(plan.samples) * plan.replicates * nv);
    for (std::uint32_t s = 0; s < plan.samples; ++s)
        for (std::uint32_t r = 0; r < plan.replicates; ++r) {
            // A sensitivity design or a design file shares its random numbers across
            // samples: replicate r has the same firms and draws in every row of the
            // design, so an index measures the parameters, not the noise between rows.
            const bool common = plan.sensitivity.method != SensitivityMethod::none || !plan.design.file.empty();
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
    // Every run's scenario starts from the same text: parse it once (a tenth of a
    // Morocco run's time was the YAML parser).
    plan.scenario_tree = parse_scenario_text(plan.scenario_text, plan.scenario_file);
}

bool sample_drawn(const BatchPlan& plan, std::uint32_t sample) {
    return plan.uncertain.empty() || (sample < plan.sample_values.size() && !plan.sample_values[sample].empty());
}

Scenario scenario_for_run(const BatchPlan& plan, const RunSpec& run, std::uint64_t max_memory_bytes) {
    static const std::vector<double> kNone;
    if (!sample_drawn(plan, run.sample))
        throw std::logic_error("scenario_for_run: sample " + std::to_string(run.sample) +
                               " of the design was not drawn (another shard's)");
    const std::vector<double>& values = plan.uncertain.empty() ? kNone : plan.sample_values.at(run.sample);
    const LoadOptions options = variant_load_options(plan, run.variant, values, max_memory_bytes);
    Scenario s = plan.scenario_tree ? load_scenario_tree(*plan.scenario_tree, plan.scenario_file, options)
                                    : load_scenario_text(plan.scenario_text, plan.scenario_file, options);
    s.run.seed = run.seed;
    s.run.run_index = 0;
    if (plan.fixed_population) s.run.population_seed = run_seed(plan.seed, 0, 0);
    return s;
}

}  // namespace greenshift
