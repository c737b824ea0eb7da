// The subcommands of `greenshift`, one file each (apps/cmd_NAME.cpp); main.cpp
// registers them and maps exceptions to exit codes.
#pragma once

#include <CLI/CLI.hpp>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "core/scenario.hpp"

namespace greenshift::cli {

// The scenario options run and validate share (apps/scenario_options.cpp).
struct ScenarioArgs {
    std::string file;
    std::vector<std::string> sets;
    std::vector<std::string> unsets;
    std::string max_memory;
    std::string seed;  // run's --seed, checked by seed_option_error; empty: the scenario's run.seed

    // The scenario with --unset, --set and --seed applied, in that order.
    Scenario load() const;
};
void add_scenario_options(CLI::App* cmd, ScenarioArgs& args);
// "" when `text` is a seed --seed takes (decimal digits, 0 to 2^64 - 1), else what is
// wrong with it, for CLI11's check().
std::string seed_option_error(const std::string& text);

// The thread count to use: `requested` (a --threads value, 0 when not given), else
// OMP_NUM_THREADS, else every core, never more than kMaxThreads. Sets OpenMP's
// count to it. Throws CLI::ValidationError for an OMP_NUM_THREADS that --threads
// would refuse (apps/threads.cpp).
inline constexpr int kMaxThreads = 4096;
int resolve_threads(int requested);

CLI::App* add_validate_command(CLI::App& app, ScenarioArgs& args);
int run_validate_command(const ScenarioArgs& args);

struct RunArgs {
    ScenarioArgs scenario;
    std::string output;
    int threads = 0;
    bool force = false;
    bool quiet = false;
    bool timings = false;
};
CLI::App* add_run_command(CLI::App& app, RunArgs& args);
// `stop` becomes non-zero on SIGINT/SIGTERM/SIGUSR1.
int run_run_command(const RunArgs& args, const std::string& command_line, const std::atomic<int>& stop);

struct BatchArgs {
    std::string file;
    std::string output;
    int threads = 0;  // 0: OMP_NUM_THREADS or every core
    bool resume = false;
    bool force = false;
    bool quiet = false;
    std::string shard;  // "I/N", empty: the whole batch
};
CLI::App* add_batch_command(CLI::App& app, BatchArgs& args);
// `stop` becomes non-zero on SIGINT/SIGTERM/SIGUSR1.
int run_batch_command(const BatchArgs& args, const std::string& command_line, const std::atomic<int>& stop);

struct CalibrateArgs {
    std::string file;
    std::string output;
    int threads = 0;  // 0: OMP_NUM_THREADS or every core
    bool resume = false;
    bool force = false;
    bool quiet = false;
    std::string write_scenario;  // --write-scenario OUT.yaml: the calibrated scenario too
};
CLI::App* add_calibrate_command(CLI::App& app, CalibrateArgs& args);
// `stop` becomes non-zero on SIGINT/SIGTERM/SIGUSR1.
int run_calibrate_command(const CalibrateArgs& args, const std::string& command_line, const std::atomic<int>& stop);

struct CalibratedScenarioArgs {
    std::string file;
    std::string output;
    bool force = false;
};
CLI::App* add_calibrated_scenario_command(CLI::App& app, CalibratedScenarioArgs& args);
int run_calibrated_scenario_command(const CalibratedScenarioArgs& args);
// Writes the scenario of the calibration file `calibration` to `output` (shared by
// calibrated-scenario and calibrate --write-scenario); throws InputError, OutputError.
void write_calibrated_scenario(const std::string& calibration, const std::string& output, bool force,
                               const std::string& command);

struct MergeArgs {
    std::vector<std::string> parts;
    std::string output;
    bool force = false;
};
CLI::App* add_merge_command(CLI::App& app, MergeArgs& args);
int run_merge_command(const MergeArgs& args, const std::string& command_line);

struct SummaryArgs {
    std::string file;
    bool csv = false;
    bool names = false;
};
CLI::App* add_summary_command(CLI::App& app, SummaryArgs& args);
int run_summary_command(const SummaryArgs& args);

struct CompareArgs {
    std::vector<std::string> files;     // two run files, or one batch file
    std::vector<std::string> variants;  // with a batch file: reference, alternative
    std::string output;                 // empty: print only
    bool force = false;
    bool csv = false;
    bool names = false;
};
CLI::App* add_compare_command(CLI::App& app, CompareArgs& args);
int run_compare_command(const CompareArgs& args, const std::string& command_line);

struct ExportArgs {
    std::string file;
    std::string csv_dir;  // --csv DIR
    std::string xlsx;     // --xlsx FILE
    std::string tidy;     // --tidy FILE.csv: the per-run table (io/run_table.hpp)
    std::vector<std::string> groups, variables, years, statistics;  // selection; empty: all
    bool force = false;
    bool quiet = false;
};
CLI::App* add_export_command(CLI::App& app, ExportArgs& args);
int run_export_command(const ExportArgs& args);

// Figures and report (apps/greenshift_plot.py, run with /usr/bin/python3 + matplotlib).
struct PlotArgs {
    std::string file;
    std::string output_dir;
    bool force = false;
};
CLI::App* add_plot_command(CLI::App& app, PlotArgs& args);
int run_plot_command(const PlotArgs& args);
struct ReportArgs {
    std::string file;
    std::string output;
    bool force = false;
};
CLI::App* add_report_command(CLI::App& app, ReportArgs& args);
int run_report_command(const ReportArgs& args);
// Runs the figure script in `mode` (plot or report); returns its exit code.
int run_figure_script(const std::string& mode, const std::string& file, const std::string& output, bool force);

// The scenario's references beside a run (apps/cmd_plausibility.cpp).
struct PlausibilityArgs {
    ScenarioArgs scenario;  // its file is a scenario or a run file
    int threads = 0;
    bool csv = false;
};
CLI::App* add_plausibility_command(CLI::App& app, PlausibilityArgs& args);
int run_plausibility_command(const PlausibilityArgs& args);

// A local web page for exploring a programme (apps/cmd_serve.cpp, docs/serve.md).
struct ServeArgs {
    std::string folder = "scenarios";
    int port = 8080;
    std::string bind = "127.0.0.1";
    int threads = 0;  // 0: OMP_NUM_THREADS or every core
    int max_replicates = 200;
    std::uint64_t max_firms = 2'000'000;
    std::uint64_t max_firm_steps = 500'000'000;
    int max_studies = 2;
};
CLI::App* add_serve_command(CLI::App& app, ServeArgs& args);
// Serves until `stop` becomes non-zero (SIGINT/SIGTERM).
int run_serve_command(const ServeArgs& args, const std::atomic<int>& stop);

}  // namespace greenshift::cli
