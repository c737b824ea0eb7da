// greenshift: the command line. It registers the subcommands (apps/cmd_*.cpp, one
// per file), installs the stop signals, and maps the exceptions they throw to exit
// codes (apps/exit_codes.hpp), here and only here.
#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <iostream>
#include <new>
#include <string>

#include "apps/commands.hpp"
#include "apps/exit_codes.hpp"
#include "apps/help_examples.hpp"
#include "apps/progress.hpp"
#include "greenshift/version.hpp"
#include "io/hdf5.hpp"
#include "io/input_error.hpp"
#include "io/interrupt.hpp"
#ifdef GREENSHIFT_WITH_MPI
#include "mpi/session.hpp"
#endif

namespace gs = greenshift;

namespace {

extern "C" void on_stop_signal(int sig) { gs::note_stop_signal(sig); }

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

}  // namespace

int main(int argc, char** argv) {
    gs::hdf5::prepare_library();  // before any other HDF5 call
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
        "  greenshift check-plausibility scenarios/morocco-baseline.yaml   # the run against its sourced references\n"
        "  greenshift batch scenarios/morocco-cop22-batch.yaml -o batch.h5 --threads 2\n"
        "  greenshift batch scenarios/morocco-cop22-batch.yaml -o batch.h5 --resume   # after an interruption\n"
        "  greenshift batch scenarios/morocco-cop22-batch.yaml -o part-0.h5 --shard 0/4   # one Slurm array task\n"
        "  greenshift merge part-*.h5 -o batch.h5\n"
        "  greenshift calibrate scenarios/morocco-calibration.yaml -o calib.h5 --threads 2\n"
        "  greenshift summary batch.h5\n"
        "  greenshift compare cop22.h5 high-budget.h5   # the second run against the first\n"
        "  greenshift export batch.h5 --csv batch-csv/\n"
        "  greenshift plot batch.h5 -o figures/ && greenshift report batch.h5 -o report.html\n"
        "  greenshift serve scenarios/   # then open http://127.0.0.1:8080/\n"
        "\n"
        "greenshift COMMAND --help ends with examples of that command.\n"
        "\n"
        "Exit codes: 0 ok, 1 internal error, 2 usage, 3 bad input file, 4 output cannot be written\n"
        "(or exists without --force), 5 a figure out of its reference's band (check-plausibility), 75 interrupted (SIGINT/SIGTERM/SIGUSR1; nothing written by run; a batch keeps its finished runs, a calibration its checkpoint, for --resume).");
    app.require_subcommand(0, 1);
    bool version = false;
    app.add_flag("--version", version, "Print the version, git commit and output format version");

    gs::cli::ScenarioArgs validate_args;
    CLI::App* validate = gs::cli::add_validate_command(app, validate_args);
    gs::cli::RunArgs run_args;
    CLI::App* run = gs::cli::add_run_command(app, run_args);

    gs::cli::BatchArgs batch_args;
    CLI::App* batch = gs::cli::add_batch_command(app, batch_args);
    gs::cli::CalibrateArgs calibrate_args;
    CLI::App* calibrate = gs::cli::add_calibrate_command(app, calibrate_args);
    gs::cli::CalibratedScenarioArgs calibrated_scenario_args;
    CLI::App* calibrated_scenario = gs::cli::add_calibrated_scenario_command(app, calibrated_scenario_args);
    gs::cli::MergeArgs merge_args;
    CLI::App* merge = gs::cli::add_merge_command(app, merge_args);
    gs::cli::SummaryArgs summary_args;
    CLI::App* summary = gs::cli::add_summary_command(app, summary_args);
    gs::cli::CompareArgs compare_args;
    CLI::App* compare = gs::cli::add_compare_command(app, compare_args);
    gs::cli::ExportArgs export_args;
    CLI::App* export_cmd = gs::cli::add_export_command(app, export_args);
    gs::cli::PlotArgs plot_args;
    CLI::App* plot = gs::cli::add_plot_command(app, plot_args);
    gs::cli::ReportArgs report_args;
    CLI::App* report = gs::cli::add_report_command(app, report_args);
    gs::cli::PlausibilityArgs plausibility_args;
    CLI::App* plausibility = gs::cli::add_plausibility_command(app, plausibility_args);
    gs::cli::ServeArgs serve_args;
    CLI::App* serve = gs::cli::add_serve_command(app, serve_args);
    gs::cli::set_help_examples(app);  // after every subcommand: each gets its own examples

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);  // --help
        // One line, as every other error: what is wrong, and where the help is.
        std::string help = "greenshift --help";
        for (const CLI::App* sub : app.get_subcommands()) help = "greenshift " + sub->get_name() + " --help";
        std::cerr << "greenshift: error: " << e.what() << " (see " << help << ")\n";
        return gs::exit_code::usage;
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
        if (validate->parsed()) return gs::cli::run_validate_command(validate_args);
        if (run->parsed()) return gs::cli::run_run_command(run_args, command_line(argc, argv), gs::stop_flag());
        if (batch->parsed()) return gs::cli::run_batch_command(batch_args, command_line(argc, argv), gs::stop_flag());
        if (calibrate->parsed())
            return gs::cli::run_calibrate_command(calibrate_args, command_line(argc, argv), gs::stop_flag());
        if (calibrated_scenario->parsed()) return gs::cli::run_calibrated_scenario_command(calibrated_scenario_args);
        if (merge->parsed()) return gs::cli::run_merge_command(merge_args, command_line(argc, argv));
        if (summary->parsed()) return gs::cli::run_summary_command(summary_args);
        if (compare->parsed()) return gs::cli::run_compare_command(compare_args, command_line(argc, argv));
        if (export_cmd->parsed()) return gs::cli::run_export_command(export_args);
        if (plot->parsed()) return gs::cli::run_plot_command(plot_args);
        if (report->parsed()) return gs::cli::run_report_command(report_args);
        if (plausibility->parsed()) return gs::cli::run_plausibility_command(plausibility_args);
        if (serve->parsed()) return gs::cli::run_serve_command(serve_args, gs::stop_flag());
    } catch (const CLI::ValidationError& e) {
        std::cerr << "greenshift: error: " << e.what() << "\n";
        return gs::exit_code::usage;
    } catch (const gs::InputError& e) {
        std::cerr << "greenshift: error: " << e.what() << "\n";
        return gs::exit_code::bad_input;
    } catch (const gs::OutputError& e) {
        std::cerr << "greenshift: error: " << e.what() << "\n";
        return gs::exit_code::output;
    } catch (const gs::Interrupted& e) {
        // Raised while a file was checked, read or merged: temporaries are gone.
        std::cerr << gs::end_of_progress_line() << "greenshift: " << e.what() << "; stopped, nothing written\n";
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
