// Micro-benchmarks of the engine's kernels over 10^4 to 10^7 firms. Each reports a
// rate through Google Benchmark's counters: items_per_second is firm-steps per second
// (or draws, or applications, per second), bytes_per_firm the firm state that
// FirmArrays::state_bytes counts. End-to-end figures (the whole command, peak memory,
// the reference implementations) are bench/run.sh's job.
//
// Firm-level kernels run on the Morocco economy of scenarios/stress-1m.yaml rescaled
// to N firms with the same shares (budgets and label/assistance capacities scaled
// with it), so every mechanism is on; the bass kernels on scenarios/bench-bass-10m.yaml
// rescaled to N. The second argument, where there is one, is the OpenMP thread count.
#include <benchmark/benchmark.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/firms.hpp"
#include "core/grant_allocation.hpp"
#include "core/model.hpp"
#include "core/philox_batch.hpp"
#include "core/rng.hpp"
#include "io/run_writer.hpp"
#include "io/scenario_loader.hpp"

namespace gs = greenshift;

namespace {

const std::string kSource = GREENSHIFT_SOURCE_DIR;

// The scenario at `path` with every (sector, size class) count scaled to `firms` in
// total, same shares; budgets and label/assistance capacities scale with the count.
gs::Scenario scaled(const std::string& path, std::uint64_t firms) {
    gs::Scenario s = gs::load_scenario(kSource + "/" + path);
    const double f = static_cast<double>(firms) / static_cast<double>(s.total_firms());
    std::uint64_t total = 0, most = 0;
    std::size_t ls = 0, lz = 0;  // the largest cell takes the rounding remainder, as in the YAML files
    for (std::size_t i = 0; i < s.sectors.size(); ++i)
        for (std::size_t z = 0; z < s.sectors[i].firms.size(); ++z) {
            auto& c = s.sectors[i].firms[z];
            c = static_cast<std::uint64_t>(std::llround(static_cast<double>(c) * f));
            total += c;
            if (c > most) { most = c; ls = i; lz = z; }
        }
    s.sectors[ls].firms[lz] = s.sectors[ls].firms[lz] + firms - total;
    for (auto& p : s.policies) {
        p.annual_budget *= f;
        if (p.capacity > 0)
            p.capacity = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(static_cast<double>(p.capacity) * f)));
    }
    return s;
}

gs::Scenario stress(std::uint64_t firms) { return scaled("scenarios/stress-1m.yaml", firms); }
gs::Scenario bass(std::uint64_t firms) { return scaled("scenarios/bench-bass-10m.yaml", firms); }

void set_threads(benchmark::State& state, int arg) {
    const int threads = static_cast<int>(state.range(arg));
    omp_set_num_threads(threads);
    state.counters["threads"] = threads;
}

void firm_counters(benchmark::State& state, const gs::Scenario& s, std::uint64_t firm_steps) {
    state.SetItemsProcessed(static_cast<std::int64_t>(firm_steps));
    state.counters["firms"] = static_cast<double>(s.total_firms());
    state.counters["bytes_per_firm"] =
        static_cast<double>(gs::FirmArrays::state_bytes(static_cast<int>(s.technologies.size())));
}

// Firm generation: log-normal output and intensity, credit and high-growth flags.
void BM_GenerateFirms(benchmark::State& state) {
    const gs::Scenario s = stress(static_cast<std::uint64_t>(state.range(0)));
    set_threads(state, 1);
    for (auto _ : state) {
        gs::FirmArrays f = gs::generate_firms(s);
        benchmark::DoNotOptimize(f.output.data());
    }
    firm_counters(state, s, s.total_firms() * state.iterations());
}

// One model step: retirement, prices and learning, yearly selections in a step's
// first year, awareness, economics, decision, budgets, update, record. A new model is
// built (untimed) when the horizon is reached, so the steps timed are a mix of every
// step of the run, in order.
void model_steps(benchmark::State& state, const gs::Scenario& s) {
    auto model = std::make_unique<gs::Model>(s);
    for (auto _ : state) {
        if (model->done()) {
            state.PauseTiming();
            model.reset();
            model = std::make_unique<gs::Model>(s);
            state.ResumeTiming();
        }
        model->step();
    }
    firm_counters(state, s, s.total_firms() * state.iterations());
}

void BM_ModelStep(benchmark::State& state) {
    set_threads(state, 1);
    model_steps(state, stress(static_cast<std::uint64_t>(state.range(0))));
}

// Bass mode: awareness-and-adoption only, no economics (the model of bench/reference).
void BM_BassStep(benchmark::State& state) {
    set_threads(state, 1);
    model_steps(state, bass(static_cast<std::uint64_t>(state.range(0))));
}

// Aggregation into the output variables (Model::result) after a whole run; its cost
// does not depend on the firm count.
void BM_Result(benchmark::State& state) {
    omp_set_num_threads(1);
    const gs::Scenario s = stress(10'000);
    gs::Model model(s);
    while (!model.done()) model.step();
    for (auto _ : state) {
        gs::RunResult r = model.result();
        benchmark::DoNotOptimize(r.variables.data());
    }
    state.SetItemsProcessed(state.iterations());
}

// Budget allocation: N applications to one programme, lottery or best CO2 per dirham
// first, against a budget that serves about half of them.
void BM_GrantAllocation(benchmark::State& state) {
    const auto n = static_cast<std::uint32_t>(state.range(0));
    const auto order = state.range(1) == 0 ? gs::AllocationOrder::lottery : gs::AllocationOrder::co2_per_dirham;
    std::vector<gs::Application> apps(n);
    double asked = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
        const auto w = gs::philox_words(1, 0, i, 0, 99);
        apps[i].firm = i;
        apps[i].support = 1e5 * (1.0 + gs::u01(w[0]));
        apps[i].co2_per_mad = gs::u01(w[1]);
        apps[i].key = gs::key64(w[2], w[3]);
        asked += apps[i].support;
    }
    for (auto _ : state) {
        const auto out = gs::allocate_budget(apps, 0, order, asked / 2);
        benchmark::DoNotOptimize(out.spent);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(n) * state.iterations());
    state.SetLabel(order == gs::AllocationOrder::lottery ? "lottery" : "co2_per_dirham");
}

// Philox4x32-10 calls (four 32-bit words each), keyed as in the firm pass.
void BM_Philox(benchmark::State& state) {
    const auto n = static_cast<std::uint32_t>(state.range(0));
    for (auto _ : state) {
        std::uint32_t acc = 0;
        for (std::uint32_t i = 0; i < n; ++i) {
            const auto w = gs::philox_words(20161107, 0, i, 3, gs::purpose_word(gs::Purpose::firm_step, 2));
            acc ^= w[0] ^ w[1] ^ w[2] ^ w[3];
        }
        benchmark::DoNotOptimize(acc);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(n) * state.iterations());
}

// Batched Philox4x32-10 (core/philox_batch.hpp): state.range(0) counters per
// philox_fill call (64 and 256 are typical of the model's calls), same key shape as
// BM_Philox; items = Philox calls. range(1) picks the code path: 0 = philox_fill as
// dispatched on this CPU, 1 = portable, 2 = sse2 (x86-64 baseline), 3 = avx2,
// 4 = avx512 (skipped when the CPU lacks it).
void BM_PhiloxFill(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto path_arg = state.range(1);
    const auto path = path_arg == 0 ? gs::philox_fill_path() : static_cast<gs::PhiloxPath>(path_arg - 1);
    std::vector<std::uint32_t> out(4 * n);
    const auto purpose = gs::purpose_word(gs::Purpose::firm_step, 2);
    if (!gs::detail::philox_fill_with(path, 20161107, 0, 0, 3, purpose, n, out.data())) {
        state.SkipWithError("code path not available on this CPU");
        return;
    }
    for (auto _ : state) {
        if (path_arg == 0) {
            gs::philox_fill(20161107, 0, 0, 3, purpose, n, out.data());
        } else {
            gs::detail::philox_fill_with(path, 20161107, 0, 0, 3, purpose, n, out.data());
        }
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(n) * state.iterations());
    state.SetLabel(std::string(path_arg == 0 ? "dispatched: " : "forced: ") + gs::philox_path_name(path));
}

// HDF5 output of one run (the Morocco variable set, 14 steps): what a batch pays per
// run on top of the simulation. Output size does not depend on the firm count.
void BM_WriteRun(benchmark::State& state) {
    omp_set_num_threads(1);
    const gs::Scenario s = stress(10'000);
    const gs::RunResult r = gs::simulate(s);
    gs::RunMetadata meta;
    meta.program_version = gs::kVersion;
    meta.git_commit = gs::kGitCommit;
    meta.command_line = "greenshift_bench";
    meta.scenario_name = s.name;
    meta.seed = s.run.seed;
    const std::string path = "/tmp/greenshift_bench_write_" + std::to_string(::getpid()) + ".h5";
    for (auto _ : state) gs::write_run(path, r, meta, true);
    std::remove(path.c_str());
    state.SetItemsProcessed(state.iterations());
    state.SetLabel("items = runs written");
}

}  // namespace

BENCHMARK(BM_GenerateFirms)->ArgsProduct({{10'000, 100'000, 1'000'000, 10'000'000}, {1, 2}})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ModelStep)->ArgsProduct({{10'000, 100'000, 1'000'000, 10'000'000}, {1, 2}})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_BassStep)->ArgsProduct({{10'000, 100'000, 1'000'000, 10'000'000}, {1, 2}})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Result)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GrantAllocation)->ArgsProduct({{10'000, 100'000, 1'000'000, 10'000'000}, {0, 1}})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Philox)->Arg(10'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PhiloxFill)->ArgsProduct({{64, 256, 1024}, {0, 1, 2, 3, 4}})->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_WriteRun)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
