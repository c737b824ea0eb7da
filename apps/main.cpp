// greenshift: the command line. It parses arguments and calls the libraries; the
// exit code is decided here and only here.
#include <CLI/CLI.hpp>
#include <omp.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "apps/commands.hpp"
#include "apps/exit_codes.hpp"
#include "apps/progress.hpp"
#include "core/model.hpp"
#include "greenshift/version.hpp"
#include "io/input_error.hpp"
#include "io/memory_check.hpp"
#include "io/run_writer.hpp"
#include "io/scenario_loader.hpp"
#include "io/scenario_yaml.hpp"
#ifdef GREENSHIFT_WITH_MPI
#include "mpi/session.hpp"
#endif

namespace gs = greenshift;

namespace {

std::atomic<int> g_stop_signal{0};
extern "C" void on_stop_signal(int sig) { g_stop_signal.store(sig); }

struct Interrupted : std::runtime_error {
    explicit Interrupted(int sig) : std::runtime_error("interrupted by signal " + std::to_string(sig)) {}
};

std::string shell_quote(const std::string& a) {
    if (!a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") ==
                          std::string::npos)
        return a;
    std::string q = "'";
    for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

std::string command_line(int argc, char** argv) {
    std::string s;
    for (int i = 0; i < argc; ++i) s += (i ? " " : "") + shell_quote(argv[i]);
    return s;
}

// "512M", "8G", "1.5GiB", "2000000" -> bytes. Decimal and binary suffixes both
// mean powers of 1024, as memory sizes usually do.
std::uint64_t parse_size(const std::string& text) {
    std::size_t pos = 0;
    double v = 0;
    try {
        v = std::stod(text, &pos);
    } catch (const std::exception&) {
        throw CLI::ValidationError("--max-memory", "'" + text + "' is not a size (e.g. 512M, 8G, 1.5GiB)");
    }
    std::string unit = text.substr(pos);
    double mult = 1;
    if (unit == "" || unit == "B") mult = 1;
    else if (unit == "K" || unit == "KB" || unit == "KiB") mult = 1024.0;
    else if (unit == "M" || unit == "MB" || unit == "MiB") mult = 1024.0 * 1024;
    else if (unit == "G" || unit == "GB" || unit == "GiB") mult = 1024.0 * 1024 * 1024;
    else if (unit == "T" || unit == "TB" || unit == "TiB") mult = 1024.0 * 1024 * 1024 * 1024;
    else throw CLI::ValidationError("--max-memory", "unknown unit '" + unit + "' in '" + text + "' (use K, M, G or T)");
    if (!(v > 0) || v * mult > 1.8e19) throw CLI::ValidationError("--max-memory", "'" + text + "' is not a positive size");
    return static_cast<std::uint64_t>(v * mult);
}

// Refuse early, before minutes of simulation, what write_run would refuse at the end.
void check_output_path(const std::string& path, bool force) {
    namespace fs = std::filesystem;
    const fs::path p(path);
    std::error_code ec;
    if (fs::is_directory(p, ec)) throw gs::OutputError(path + ": is a directory; give a file name for the output");
    // symlink_status: a dangling link is something there too, not a free name
    if (fs::exists(fs::symlink_status(p, ec)) && !force)
        throw gs::OutputError(path + ": exists; use --force to overwrite it");
    const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
        throw gs::OutputError(path + ": '" + dir.string() + "' is not a directory");
    if (!fs::is_directory(dir, ec))
        throw gs::OutputError(path + ": directory '" + dir.string() + "' does not exist");
    if (access(dir.c_str(), W_OK) != 0)
        throw gs::OutputError(path + ": directory '" + dir.string() + "' is not writable");
}

struct ScenarioArgs {
    std::string file;
    std::vector<std::string> sets;
    std::vector<std::string> unsets;
    std::string max_memory;
    std::int64_t seed = -1;

    gs::Scenario load() const {
        gs::LoadOptions opt;
        for (const auto& u : unsets) opt.overrides.push_back("-" + u);  // removals first, then the values set
        opt.overrides.insert(opt.overrides.end(), sets.begin(), sets.end());
        if (seed >= 0) opt.overrides.push_back("run.seed=" + std::to_string(seed));
        if (!max_memory.empty()) opt.max_memory_bytes = parse_size(max_memory);
        return gs::load_scenario(file, opt);
    }
};

void add_scenario_options(CLI::App* cmd, ScenarioArgs& a) {
    cmd->add_option("scenario", a.file, "Scenario file (YAML, schema in docs/scenarios.md)")->required();
    cmd->add_option("--set", a.sets, "Override a scenario value: key.path=value (repeatable)")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    cmd->add_option("--unset", a.unsets,
                    "Remove a key of the scenario file and its value, e.g. policies.cop22_grant (repeatable; "
                    "applied before --set)")
        ->type_name("KEY")
        ->allow_extra_args(false);
    cmd->add_option("--max-memory", a.max_memory,
                    "Refuse scenarios needing more memory than this (default: memory available now)")
        ->type_name("SIZE");
}

int cmd_validate(const ScenarioArgs& a) {
    const gs::Scenario s = a.load();
    std::cout << gs::to_yaml(s);
    std::cerr << a.file << ": valid — " << s.total_firms() << " firms, " << s.sectors.size() << " sectors, "
              << s.technologies.size() << " technologies, " << s.policies.size() << " policies, "
              << s.run.steps() << " steps (" << s.run.start_year << "-" << s.run.end_year << "), "
              << gs::required_memory_bytes(s) / (1024 * 1024) << " MiB\n";
    return gs::exit_code::ok;
}

// The first stop signal any rank received (0: none); collective, so every rank
// of a split run calls it at the same step.
int any_rank_stopping(gs::Communicator& ranks) {
    const int mine = g_stop_signal.load();
    std::vector<std::byte> flag(1, static_cast<std::byte>(mine));
    std::vector<std::uint64_t> counts;
    for (const std::byte b : ranks.all_gather(flag, counts))
        if (b != std::byte{0}) return static_cast<int>(b);
    return 0;
}

struct RunArgs {
    ScenarioArgs scenario;
    std::string output;
    int threads = 0;
    bool force = false;
    bool quiet = false;
    bool timings = false;
};

// --timings: where the step time went, phase by phase, with the share of each.
void print_timings(const gs::Model& model, double total) {
    std::fprintf(stderr, "%-50s %9s %6s  %s\n", "phase", "s", "share", "threads");
    for (const auto& p : model.phase_times())
        std::fprintf(stderr, "%-50s %9.3f %5.1f%%  %s\n", p.name.c_str(), p.seconds,
                     total > 0 ? 100.0 * p.seconds / total : 0.0, p.parallel ? "all" : "one");
}

int cmd_run(const RunArgs& a, const std::string& cmdline) {
    check_output_path(a.output, a.force);
    const gs::Scenario s = a.scenario.load();
    if (a.threads > 0) omp_set_num_threads(a.threads);
    const int threads = omp_get_max_threads();

    // Under mpirun the run is split: each rank owns a block of firms (core/communicator.hpp).
    std::unique_ptr<gs::Communicator> ranks;
#ifdef GREENSHIFT_WITH_MPI
    ranks = gs::mpi::world_communicator();
#endif
    const bool writer = !ranks || ranks->rank() == 0;
    gs::Model model(s, ranks.get());
    gs::Progress progress("run " + s.name, model.steps(), !a.quiet && writer);
    const auto t0 = std::chrono::steady_clock::now();
    while (!model.done()) {
        // Every rank stops at the same step, or the others would wait for it forever.
        if (int sig = ranks ? any_rank_stopping(*ranks) : g_stop_signal.load()) throw Interrupted(sig);
        model.step();
        progress.update(model.steps_done(), std::to_string(s.run.start_year + (model.steps_done() - 1) / s.run.steps_per_year));
    }
    gs::RunResult result = model.result();
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (int sig = ranks ? any_rank_stopping(*ranks) : g_stop_signal.load()) throw Interrupted(sig);
    if (!writer) return gs::exit_code::ok;  // rank 0 writes

    gs::RunMetadata meta;
    meta.program_version = gs::kVersion;
    meta.git_commit = gs::kGitCommit;
    meta.command_line = cmdline;
    meta.scenario_yaml = gs::to_yaml(s);
    meta.scenario_name = s.name;
    meta.seed = s.run.seed;
    meta.threads = threads;
    meta.created_utc = gs::utc_now_iso8601();
    const auto w0 = std::chrono::steady_clock::now();
    gs::write_run(a.output, result, meta, a.force);
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
    return gs::exit_code::ok;
}

}  // namespace

int main(int argc, char** argv) {
#ifdef GREENSHIFT_WITH_MPI
    gs::mpi::Session mpi_session(argc, argv);  // only under an MPI launcher
#endif
    CLI::App app{"greenshift — projects how green technologies spread through a country's industrial\n"
                 "ecosystems under a policy package, firm by firm, and writes the time series to HDF5."};
    app.footer(
        "Examples:\n"
        "  greenshift run scenarios/morocco-cop22.yaml -o cop22.h5\n"
        "  greenshift run scenarios/morocco-cop22.yaml -o high-budget.h5 \\\n"
        "      --set policies.cop22_grant.annual_budget=1e8 --seed 7 --threads 2\n"
        "  greenshift validate scenarios/morocco-baseline.yaml\n"
        "  greenshift batch scenarios/morocco-cop22-batch.yaml -o batch.h5 --threads 2\n"
        "  greenshift batch scenarios/morocco-cop22-batch.yaml -o batch.h5 --resume   # after an interruption\n"
        "  greenshift batch scenarios/morocco-cop22-batch.yaml -o part-0.h5 --shard 0/4   # one Slurm array task\n"
        "  greenshift merge part-*.h5 -o batch.h5\n"
        "  greenshift summary batch.h5\n"
        "  greenshift export batch.h5 --csv batch-csv/\n"
        "  greenshift plot batch.h5 -o figures/ && greenshift report batch.h5 -o report.html\n"
        "\n"
        "Exit codes: 0 ok, 1 internal error, 2 usage, 3 bad input file, 4 output cannot be written\n"
        "(or exists without --force), 75 interrupted (SIGINT/SIGTERM/SIGUSR1; nothing written by run; a batch keeps its finished runs for --resume).");
    app.require_subcommand(0, 1);
    bool version = false;
    app.add_flag("--version", version, "Print the version, git commit and output format version");

    ScenarioArgs validate_args;
    CLI::App* validate = app.add_subcommand("validate", "Check a scenario; print it resolved (every default filled in)");
    add_scenario_options(validate, validate_args);

    RunArgs run_args;
    CLI::App* run = app.add_subcommand("run", "Run one scenario and write its time series to HDF5");
    add_scenario_options(run, run_args.scenario);
    run->add_option("-o,--output", run_args.output, "Output file (HDF5; see docs/output.md)")->required();
    run->add_option("--seed", run_args.scenario.seed, "Random seed (overrides run.seed)")->check(CLI::NonNegativeNumber);
    run->add_option("--threads", run_args.threads, "OpenMP threads (default: OMP_NUM_THREADS or all cores)")
        ->check(CLI::Range(1, 4096));
    run->add_flag("--force", run_args.force, "Overwrite the output file if it exists");
    run->add_flag("-q,--quiet", run_args.quiet, "No progress line");
    run->add_flag("--timings", run_args.timings, "Print the time of each phase of the steps (firm pass, budgets, ...)");

    gs::cli::BatchArgs batch_args;
    CLI::App* batch = gs::cli::add_batch_command(app, batch_args);
    gs::cli::MergeArgs merge_args;
    CLI::App* merge = gs::cli::add_merge_command(app, merge_args);
    gs::cli::SummaryArgs summary_args;
    CLI::App* summary = gs::cli::add_summary_command(app, summary_args);
    gs::cli::ExportArgs export_args;
    CLI::App* export_cmd = gs::cli::add_export_command(app, export_args);
    gs::cli::PlotArgs plot_args;
    CLI::App* plot = gs::cli::add_plot_command(app, plot_args);
    gs::cli::ReportArgs report_args;
    CLI::App* report = gs::cli::add_report_command(app, report_args);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? gs::exit_code::ok : gs::exit_code::usage;
    }
    if (version) {
        std::cout << "greenshift " << gs::kVersion << " (commit " << gs::kGitCommit << ", output format "
                  << gs::kFormatVersion << ")\n";
        return gs::exit_code::ok;
    }
    if (app.get_subcommands().empty()) {
        std::cout << app.help();
        return gs::exit_code::usage;
    }

    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
    std::signal(SIGUSR1, on_stop_signal);
    try {
        if (validate->parsed()) return cmd_validate(validate_args);
        if (run->parsed()) return cmd_run(run_args, command_line(argc, argv));
        if (batch->parsed()) return gs::cli::run_batch_command(batch_args, command_line(argc, argv), g_stop_signal);
        if (merge->parsed()) return gs::cli::run_merge_command(merge_args, command_line(argc, argv));
        if (summary->parsed()) return gs::cli::run_summary_command(summary_args);
        if (export_cmd->parsed()) return gs::cli::run_export_command(export_args);
        if (plot->parsed()) return gs::cli::run_plot_command(plot_args);
        if (report->parsed()) return gs::cli::run_report_command(report_args);
    } catch (const CLI::ValidationError& e) {
        std::cerr << "greenshift: error: " << e.what() << "\n";
        return gs::exit_code::usage;
    } catch (const gs::InputError& e) {
        std::cerr << "greenshift: error: " << e.what() << "\n";
        return gs::exit_code::bad_input;
    } catch (const gs::OutputError& e) {
        std::cerr << "greenshift: error: " << e.what() << "\n";
        return gs::exit_code::output;
    } catch (const Interrupted& e) {
        std::cerr << "\ngreenshift: " << e.what() << "; stopped, nothing written\n";
        return gs::exit_code::interrupted;
    } catch (const std::bad_alloc&) {
        std::cerr << "greenshift: error: out of memory\n";
        return gs::exit_code::internal_error;
    } catch (const std::exception& e) {
        std::cerr << "greenshift: internal error: " << e.what() << "\n";
        return gs::exit_code::internal_error;
    }
    return gs::exit_code::internal_error;
}
