// greenshift batch BATCH.yaml -o OUT.h5 [--threads N] [--resume] [--force] [--shard I/N]
#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <iostream>

#include "apps/commands.hpp"
#include "apps/exit_codes.hpp"
#include "apps/progress.hpp"
#include "batch/expand.hpp"
#include "batch/runner.hpp"
#include "batch/shard.hpp"
#include "io/batch_loader.hpp"
#include "io/input_error.hpp"
#include "io/memory_check.hpp"
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

namespace {

// The address space in use now (VmSize), 0 when unknown.
std::uint64_t address_space_bytes() {
    std::ifstream in("/proc/self/status");
    std::string key;
    std::uint64_t kib = 0;
    for (std::string line; std::getline(in, line);)
        if (std::istringstream(line) >> key >> kib && key == "VmSize:") return kib * 1024;
    return 0;
}

}  // namespace

int run_batch_command(const BatchArgs& a, const std::string& command_line, const std::atomic<int>& stop) {
    BatchPlan plan = load_batch(a.file);
    // A shard draws only the samples of its runs; the design's memory and time are
    // known before it is drawn.
    SampleRows rows;
    if (!a.shard.empty()) {
        const std::uint64_t runs = std::uint64_t{plan.samples} * plan.replicates * plan.variants.size();
        const RunBlock block = shard_runs(static_cast<std::uint32_t>(std::min<std::uint64_t>(runs, UINT32_MAX)),
                                          parse_shard(a.shard));
        rows = samples_of_runs(plan, block.first, block.last);
    }
    const DesignCost cost = design_cost(plan, rows);
    // The memory available now, or less under an address-space limit (ulimit -v):
    // what the limit leaves beyond the address space already in use.
    std::uint64_t available = available_memory_bytes();
    if (rlimit limit{}; ::getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
        const std::uint64_t used = address_space_bytes();
        const std::uint64_t left = limit.rlim_cur > used ? limit.rlim_cur - used : 0;
        available = available == 0 ? left : std::min(available, left);
    }
    const auto gib = [](std::uint64_t b) {
        char t[32];
        std::snprintf(t, sizeof t, "%.1f GiB", static_cast<double>(b) / (1024.0 * 1024 * 1024));
        return std::string(t);
    };
    if (available > 0 && cost.bytes > available)
        throw InputError(a.file, 0, 0,
                         "the design (" + std::to_string(plan.samples) + " samples x " +
                             std::to_string(plan.uncertain.size()) + " uncertain parameters, " +
                             std::to_string(std::uint64_t{plan.samples} * plan.replicates * plan.variants.size()) +
                             " runs) needs about " + gib(cost.bytes) + ", more than the " + gib(available) +
                             " available now; use fewer samples, replicates or variants, or --shard I/N (a shard "
                             "draws only the samples of its runs)");
    if (cost.seconds > 10 && !a.quiet)
        std::fprintf(stderr, "greenshift: drawing %llu values of the design (%u samples x %zu parameters): about %.0f s\n",
                     static_cast<unsigned long long>(cost.values), plan.samples, plan.uncertain.size(), cost.seconds);
    expand(plan, rows);

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
    // Writing the batch file takes a third of a small batch's time: say so rather than
    // leave the line at 100%.
    o.writing = [&] {
        if (a.quiet) return;
        const std::string what =
            (o.shard.active() ? "shard " + o.shard.text() + ": every run done; writing " + a.output
                              : "batch: every run done; writing " + a.output +
                                    " (statistics and effects across runs, budgets, summary)") + " ...";
        if (bar)
            bar->note(what);
        else
            std::cerr << what << "\n";
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
