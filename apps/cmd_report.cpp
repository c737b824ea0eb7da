// greenshift report FILE.h5 -o REPORT.html [--force]: one self-contained HTML page
// (figures embedded as data URIs, inline style, nothing fetched from the network)
// with the three promises in numbers, what drives them (a batch with a sensitivity:
// block), the figures and the indicator table.
#include "apps/commands.hpp"

namespace greenshift::cli {

CLI::App* add_report_command(CLI::App& app, ReportArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "report", "Write a self-contained HTML report (promises, what drives them, figures, indicator table) of a batch or run file");
    cmd->add_option("file", a.file, "Batch file (greenshift batch) or run file (greenshift run)")->required();
    cmd->add_option("-o,--output", a.output, "HTML file to write")->required();
    cmd->add_flag("--force", a.force, "Overwrite the HTML file if it exists");
    return cmd;
}

int run_report_command(const ReportArgs& a) { return run_figure_script("report", a.file, a.output, a.force); }

}  // namespace greenshift::cli
