// greenshift batch BATCH.yaml -o OUT.h5 [--threads N] [--resume] [--force] [--shard I/N]
#include <omp.h>

#include <cstdio>
#include <iostream>

#include "apps/commands.hpp"
#include "apps/exit_codes.hpp"
#include "apps/progress.hpp"
#include "batch/expand.hpp"
#include "batch/runner.hpp"
#include "io/batch_loader.hpp"
#ifdef GREENSHIFT_WITH_MPI
#include "mpi/batch_ranks.hpp"
#include "mpi/session.hpp"
#endif

namespace greenshift::cli {

CLI::App* add_batch_command(CLI::App& app, BatchArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "batch", "Run every variant x sample x replicate of a batch file; statistics, effects and a summary in one HDF5 file");
    cmd->add_option("batch", a.file, "Batch file (YAML, docs/batches.md)")->required();
    cmd->add_option("-o,--output", a.output, "Output file (HDF5; docs/output.md, \"Batch files\")")->required();
    cmd->add_option("--threads", a.threads, "Threads in all (default: OMP_NUM_THREADS or all cores)")
        ->check(CLI::Range(1, kMaxThreads));
    cmd->add_flag("--resume", a.resume, "Continue an interrupted batch: compute only the runs not yet done");
    cmd->add_flag("--force", a.force, "Discard an existing output and the runs of an interrupted batch; start over");
    cmd->add_flag("-q,--quiet", a.quiet, "No progress line");
    cmd->add_option("--shard", a.shard,
                    "Run only shard I of N (0 <= I < N; a contiguous, balanced block of runs) and write a shard "
                    "file for `greenshift merge`")
        ->type_name("I/N")
        ->check([](const std::string& text) {
            try {
                (void)parse_shard(text);
                return std::string();
            } catch (const std::invalid_argument& e) {
                return std::string(e.what());
            }
        });
    cmd->get_option("--resume")->excludes(cmd->get_option("--force"));
    return cmd;
}

int run_batch_command(const BatchArgs& a, const std::string& command_line, const std::atomic<int>& stop) {
    BatchPlan plan = load_batch(a.file);
    expand(plan);

    BatchOptions o;
    o.output = a.output;
    o.threads = resolve_threads(a.threads);
    o.resume = a.resume;
    o.force = a.force;
    o.command_line = command_line;
    o.stop = &stop;
    if (!a.shard.empty()) o.shard = parse_shard(a.shard);
    std::unique_ptr<Progress> bar;
    o.progress = [&](const BatchProgress& p) {
        if (!bar) {
            const std::string name = o.shard.active() ? "shard " + o.shard.text() : "batch";
            const std::string label = p.done > p.computed
                                          ? name + " (" + std::to_string(p.done) + " of " + std::to_string(p.total) +
                                                " runs already done)"
                                          : name;
            bar = std::make_unique<Progress>(label, static_cast<int>(p.to_compute), !a.quiet);
        }
        char detail[64];
        std::snprintf(detail, sizeof detail, "runs, %.1f runs/s,", p.seconds > 0 ? p.computed / p.seconds : 0.0);
        bar->update(static_cast<int>(p.computed), detail);
    };
    o.warn = [](const std::string& w) { std::cerr << "\ngreenshift: warning: " << w << "\n"; };

    const ScenarioForRun scenario_for = [&](const RunSpec& run) { return scenario_for_run(plan, run); };
#ifdef GREENSHIFT_WITH_MPI
    // Under mpirun: rank 0 runs the batch and writes; the other ranks compute runs it hands out.
    std::unique_ptr<MpiRunWorkers> ranks;
    if (mpi::world_size() > 1) {
        if (mpi::world_rank() != 0) {
            (void)work_for_rank0(MPI_COMM_WORLD, plan, scenario_for, o.threads);
            return exit_code::ok;
        }
        ranks = std::make_unique<MpiRunWorkers>(MPI_COMM_WORLD, plan.identity);
        o.workers = ranks.get();
    }
#endif
    const BatchReport r = run_batch(plan, scenario_for, o);
    if (r.was_complete) {
        std::cerr << a.output << " is complete (" << r.total << " runs); nothing to compute\n";
        return exit_code::ok;
    }
    if (r.interrupted) {
        if (bar) bar->finish("");
        std::cerr << "greenshift: interrupted by signal " << stop.load() << ": " << (r.already_done + r.computed)
                  << " of " << r.total << " runs done and saved in " << r.parts_dir
                  << "; run the same command with --resume to finish\n";
        return exit_code::interrupted;
    }
    std::string shard_note =
        o.shard.active() ? " of shard " + o.shard.text() + " (" + std::to_string(r.batch_runs) + " in the batch)" : "";
    if (o.workers != nullptr) shard_note += ", " + std::to_string(r.computed_elsewhere) + " computed by other ranks";
    // Thread-seconds of saving parts (encoding on the computing threads, writing and
    // syncing on the saver thread) shared over the threads, plus the assembly.
    const double write = r.part_write_seconds / o.threads + r.assemble_seconds;
    char line[768];
    // runs/s: runs computed over the whole time (batch file included); firm-steps/s:
    // over the time spent computing runs, the model's rate.
    std::snprintf(line, sizeof line,
                  "wrote %s: %u runs%s (%u computed, %u already done) in %.2f s with %d threads: %.2f runs/s, %.3g "
                  "firm-steps/s; HDF5 writing %.1f%% of the time (parts %.2f s, batch file %.2f s)",
                  a.output.c_str(), r.total, shard_note.c_str(), r.computed, r.already_done, r.wall_seconds, o.threads,
                  r.wall_seconds > 0 ? r.computed / r.wall_seconds : 0.0,
                  r.compute_seconds > 0 ? static_cast<double>(r.firm_steps) / r.compute_seconds : 0.0,
                  r.wall_seconds > 0 ? 100.0 * write / r.wall_seconds : 0.0, r.part_write_seconds, r.assemble_seconds);
    if (bar) bar->finish(line);
    if (!bar || a.quiet) std::cerr << line << "\n";
    return exit_code::ok;
}

}  // namespace greenshift::cli
