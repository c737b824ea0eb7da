// The batch-side subcommands of `greenshift` (batch, merge, summary, export), one file
// each; main.cpp registers them and maps exceptions to exit codes.
#pragma once

#include <CLI/CLI.hpp>

#include <atomic>
#include <string>
#include <vector>

namespace greenshift::cli {

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
};
CLI::App* add_summary_command(CLI::App& app, SummaryArgs& args);
int run_summary_command(const SummaryArgs& args);

struct ExportArgs {
    std::string file;
    std::string csv_dir;
    bool force = false;
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

}  // namespace greenshift::cli
