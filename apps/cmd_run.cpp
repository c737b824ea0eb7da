// greenshift run SCENARIO.yaml -o OUT.h5 [--seed S] [--threads N] [--force]: one run,
// its time series in one HDF5 file (docs/output.md).
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "apps/commands.hpp"
#include "apps/exit_codes.hpp"
#include "apps/progress.hpp"
#include "core/model.hpp"
#include "greenshift/version.hpp"
#include "io/publish.hpp"
#include "io/run_writer.hpp"
#include "io/scenario_yaml.hpp"
#ifdef GREENSHIFT_WITH_MPI
#include "mpi/session.hpp"
#endif

namespace greenshift::cli {

namespace {

// The first stop signal any rank received (0: none); collective, so every rank
// of a split run calls it at the same step.
int any_rank_stopping(Communicator& ranks, const std::atomic<int>& stop) {
    const int mine = stop.load();
    std::vector<std::byte> flag(1, static_cast<std::byte>(mine));
    std::vector<std::uint64_t> counts;
    for (const std::byte b : ranks.all_gather(flag, counts))
        if (b != std::byte{0}) return static_cast<int>(b);
    return 0;
}

// --timings: where the step time went, phase by phase, with the share of each.
void print_timings(const Model& model, double total) {
    std::fprintf(stderr, "%-50s %9s %6s  %s\n", "phase", "s", "share", "threads");
    for (const auto& p : model.phase_times())
        std::fprintf(stderr, "%-50s %9.3f %5.1f%%  %s\n", p.name.c_str(), p.seconds,
                     total > 0 ? 100.0 * p.seconds / total : 0.0, p.parallel ? "all" : "one");
}

int interrupted(int sig) {
    std::cerr << end_of_progress_line() << "greenshift: interrupted by signal " << sig << "; stopped, nothing written\n";
    return exit_code::interrupted;
}

}  // namespace

CLI::App* add_run_command(CLI::App& app, RunArgs& a) {
    CLI::App* cmd = app.add_subcommand("run", "Run one scenario and write its time series to HDF5");
    add_scenario_options(cmd, a.scenario);
    cmd->add_option("-o,--output", a.output, "Output file (HDF5; see docs/output.md)")->required();
    cmd->add_option("--seed", a.scenario.seed, "Random seed, 0 to 2^64 - 1 (overrides run.seed)")
        ->type_name("UINT64")
        ->check(seed_option_error);
    cmd->add_option("--threads", a.threads, "OpenMP threads (default: OMP_NUM_THREADS or all cores)")
        ->check(CLI::Range(1, kMaxThreads));
    cmd->add_flag("--force", a.force, "Overwrite the output file if it exists");
    cmd->add_flag("-q,--quiet", a.quiet, "No progress line");
    cmd->add_flag("--timings", a.timings, "Print the time of each phase of the steps (firm pass, budgets, ...)");
    return cmd;
}

int run_run_command(const RunArgs& a, const std::string& command_line, const std::atomic<int>& stop) {
    // Refused now, before minutes of simulation, rather than by write_run at the end.
    check_output_target(a.output, a.force, {a.scenario.file});
    const Scenario s = a.scenario.load();
    const int threads = resolve_threads(a.threads);

    // Under mpirun the run is split: each rank owns a block of firms (core/communicator.hpp).
    std::unique_ptr<Communicator> ranks;
#ifdef GREENSHIFT_WITH_MPI
    ranks = mpi::world_communicator();
#endif
    const bool writer = !ranks || ranks->rank() == 0;
    // Every rank stops at the same step, or the others would wait for it forever.
    const auto stopping = [&] { return ranks ? any_rank_stopping(*ranks, stop) : stop.load(); };
    Model model(s, ranks.get());
    Progress progress("run " + s.name, model.steps(), !a.quiet && writer);
    const auto t0 = std::chrono::steady_clock::now();
    while (!model.done()) {
        if (const int sig = stopping()) return interrupted(sig);
        model.step();
        progress.update(model.steps_done(), std::to_string(s.run.start_year + (model.steps_done() - 1) / s.run.steps_per_year));
    }
    RunResult result = model.result();
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (const int sig = stopping()) return interrupted(sig);
    if (!writer) return exit_code::ok;  // rank 0 writes

    RunMetadata meta;
    meta.program_version = kVersion;
    meta.git_commit = kGitCommit;
    meta.command_line = command_line;
    meta.scenario_yaml = to_yaml(s);
    meta.scenario_name = s.name;
    meta.seed = s.run.seed;
    meta.threads = threads;
    meta.created_utc = utc_now_iso8601();
    const auto w0 = std::chrono::steady_clock::now();
    write_run(a.output, result, meta, a.force);
    const double write_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    char line[512];
    std::snprintf(line, sizeof line,
                  "wrote %s: %llu firms x %d steps in %.3f s (%.3g firm-steps/s, %d threads%s), written in %.3f s",
                  a.output.c_str(), static_cast<unsigned long long>(s.total_firms()), model.steps(), result.seconds,
                  result.seconds > 0 ? static_cast<double>(result.firm_steps) / result.seconds : 0.0, threads,
                  ranks ? (" x " + std::to_string(ranks->size()) + " ranks").c_str() : "", write_s);
    progress.finish(line);
    if (a.quiet) std::cerr << line << "\n";
    if (a.timings) print_timings(model, result.seconds);
    return exit_code::ok;
}

}  // namespace greenshift::cli
