// greenshift calibrate CALIB.yaml -o CALIB.h5 [--threads N] [--force] [--resume] [-q] [--write-scenario OUT.yaml]
#include <cmath>
#include <cstdio>
#include <iostream>

#include "apps/commands.hpp"
#include "apps/exit_codes.hpp"
#include "apps/progress.hpp"
#include "batch/calibrate.hpp"
#include "io/calibration_loader.hpp"
#include "io/interrupt.hpp"
#include "io/publish.hpp"
#ifdef GREENSHIFT_WITH_MPI
#include "mpi/calibrate_ranks.hpp"
#include "mpi/session.hpp"
#endif

namespace greenshift::cli {

CLI::App* add_calibrate_command(CLI::App& app, CalibrateArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "calibrate", "Fit scenario parameters to observed figures (NLopt), sample their posterior (MCMC); one HDF5 file");
    cmd->add_option("calibration", a.file, "Calibration file (YAML, docs/calibration.md)")->required();
    cmd->add_option("-o,--output", a.output, "Output file (HDF5; docs/calibration.md, \"The output\")")->required();
    cmd->add_option("--threads", a.threads, "Threads in all: an evaluation's replicates run side by side "
                                            "(default: OMP_NUM_THREADS or all cores)")
        ->check(CLI::Range(1, kMaxThreads));
    cmd->add_flag("--resume", a.resume, "Continue an interrupted calibration from OUTPUT.checkpoint");
    cmd->add_flag("--force", a.force, "Replace an existing output and discard a checkpoint; start over");
    cmd->add_flag("-q,--quiet", a.quiet, "No progress line");
    cmd->add_option("--write-scenario", a.write_scenario,
                    "Also write the base scenario with the estimates in (YAML; as `greenshift calibrated-scenario`)");
    cmd->get_option("--resume")->excludes(cmd->get_option("--force"));
    return cmd;
}

int run_calibrate_command(const CalibrateArgs& a, const std::string& command_line, const std::atomic<int>& stop) {
    const CalibrationPlan plan = load_calibration(a.file);
    if (!a.write_scenario.empty()) check_output_target(a.write_scenario, a.force, {a.file, plan.scenario_file});
    CalibrateOptions o;
    o.output = a.output;
    o.threads = resolve_threads(a.threads);
    o.resume = a.resume;
    o.force = a.force;
    o.command_line = command_line;
    o.stop = &stop;
    static const char* const kStages[] = {"global", "local", "posterior"};
    std::unique_ptr<Progress> bar;
    bool quiet = a.quiet;
    o.progress = [&](const CalibrationProgress& p) {
        if (!bar) bar = std::make_unique<Progress>("calibrate", static_cast<std::int64_t>(p.planned), !quiet);
        char detail[128];
        std::snprintf(detail, sizeof detail, "evaluations (%s; best loss %.6g),", kStages[p.stage], p.best_loss);
        bar->update(static_cast<std::int64_t>(p.evaluations), detail);
    };
    SimulatorModel local(plan, o.threads);
    CalibrationModel* model = &local;
#ifdef GREENSHIFT_WITH_MPI
    // Under mpirun: every rank runs the calibration, each evaluation's replicates are
    // shared out; rank 0 alone writes and reports.
    std::unique_ptr<MpiSimulatorModel> ranks;
    if (mpi::world_size() > 1) {
        ranks = std::make_unique<MpiSimulatorModel>(MPI_COMM_WORLD, plan, o.threads);
        model = ranks.get();
        o.stop = nullptr;  // the ranks agree on a stop inside each evaluation
        o.write = mpi::world_rank() == 0;
        quiet = quiet || !o.write;
        if (!o.write) o.progress = nullptr;
    }
#endif
    CalibrationReport r;
    try {
        r = calibrate(plan, *model, o);
    } catch (const Interrupted& e) {
        if (!o.write) return exit_code::interrupted;
        if (bar) bar->finish("");
        std::cerr << "greenshift: interrupted by signal " << e.signal() << ": the evaluations so far are saved in "
                  << checkpoint_path(a.output) << "; run the same command with --resume to finish\n";
        return exit_code::interrupted;
    }
    if (!o.write) return exit_code::ok;
    if (r.was_complete) {
        std::cerr << a.output << " is complete (" << r.output.trace.evaluations() << " evaluations); nothing to compute\n";
        if (!a.write_scenario.empty()) write_calibrated_scenario(a.output, a.write_scenario, a.force, "calibrate");
        return exit_code::ok;
    }
    const CalibrationOutput& out = r.output;
    char acceptance[64] = "";
    if (!out.sample.empty()) std::snprintf(acceptance, sizeof acceptance, "; chain acceptance %.2f", out.acceptance);
    char line[512];
    std::snprintf(line, sizeof line,
                  "wrote %s: %zu evaluations (%u computed, %u replayed from the checkpoint) x %u replicates in %.1f s "
                  "with %d threads (%.3f s per evaluation)%s",
                  a.output.c_str(), out.trace.evaluations(), r.computed, r.replayed, plan.replicates, r.seconds,
                  o.threads, r.computed ? r.seconds / r.computed : 0.0, acceptance);
    if (bar) bar->finish(line);
    if (!bar || quiet) std::cerr << line << "\n";
    if (!quiet) {
        std::cerr << "parameter                                  estimate        p05     median        p95\n";
        for (std::size_t i = 0; i < out.keys.size(); ++i) {
            std::snprintf(line, sizeof line, "%-40s %10.4g %10.4g %10.4g %10.4g", out.keys[i].c_str(), out.estimate[i],
                          out.p05[i], out.median[i], out.p95[i]);
            std::cerr << line << "\n";
        }
    }
    if (!a.write_scenario.empty()) write_calibrated_scenario(a.output, a.write_scenario, a.force, "calibrate");
    return exit_code::ok;
}

}  // namespace greenshift::cli
