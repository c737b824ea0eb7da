// greenshift export OUT.h5 --csv DIR [--force]: tidy CSV files of a batch or run file.
#include <iostream>

#include "apps/commands.hpp"
#include "apps/exit_codes.hpp"
#include "io/batch_reader.hpp"

namespace greenshift::cli {

CLI::App* add_export_command(CLI::App& app, ExportArgs& a) {
    CLI::App* cmd = app.add_subcommand("export", "Write a batch or run file as tidy CSV files (Excel, pandas)");
    cmd->add_option("file", a.file, "File written by `greenshift batch`, `merge` or `run`")->required();
    cmd->add_option("--csv", a.csv_dir, "Folder for the CSV files (created if missing)")->required();
    cmd->add_flag("--force", a.force, "Overwrite CSV files that exist");
    return cmd;
}

int run_export_command(const ExportArgs& a) {
    const std::vector<std::string> files = export_batch_csv(a.file, a.csv_dir, a.force);
    for (const std::string& f : files) std::cout << f << "\n";
    std::cerr << "wrote " << files.size() << " CSV files to " << a.csv_dir << "\n";
    return exit_code::ok;
}

}  // namespace greenshift::cli
