// greenshift plot FILE.h5 -o DIR [--force]: the figures of a batch or run file as PNG,
// drawn by apps/greenshift_plot.py with matplotlib (Debian's python3-matplotlib).
// The figures are drawn into a temporary folder beside DIR, which is renamed to DIR
// when every figure is written (io/atomic_output.hpp); the report likewise goes to a
// temporary file first.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "apps/commands.hpp"
#include "apps/exit_codes.hpp"
#include "apps/python_script.hpp"
#include "io/atomic_output.hpp"
#include "io/hdf5_input.hpp"

namespace greenshift::cli {

int run_figure_script(const std::string& mode, const std::string& file, const std::string& output, bool force) {
    // The script reads the file with h5py, which checks nothing: the file gets every
    // check of the other commands first (checksum, kind, links, shapes).
    check_readable_whole(file, mode);
    const std::string script = python_script("greenshift_plot.py", "GREENSHIFT_PLOT_SCRIPT");
    const std::string needs = "numpy, h5py and matplotlib (apt-get install python3-numpy python3-h5py python3-matplotlib)";
    if (mode == "plot") {
        AtomicFolder folder(output, force, ".png", {file});
        const int rc = run_python_script(script, {"plot", file, folder.temporary()}, needs,
                                         {"GREENSHIFT_OUTPUT_NAME=" + folder.target()});
        if (rc != exit_code::ok) return rc;
        folder.commit();
        std::vector<std::string> names;
        for (const auto& entry : std::filesystem::directory_iterator(folder.target()))
            names.push_back((std::filesystem::path(folder.target()) / entry.path().filename()).string());
        std::sort(names.begin(), names.end());
        for (const std::string& n : names) std::cout << n << "\n";
        std::cerr << "wrote " << names.size() << " figures to " << folder.target() << "\n";
        return exit_code::ok;
    }
    AtomicFile page(output, force, {file});
    // the script replaces the (empty) temporary file that AtomicFile created
    const int rc = run_python_script(script, {mode, file, page.temporary(), "--force"}, needs,
                                     {"GREENSHIFT_OUTPUT_NAME=" + page.target()});
    if (rc != exit_code::ok) return rc;
    page.commit();
    std::cout << page.target() << "\n";
    std::cerr << "wrote " << page.target() << "\n";
    return exit_code::ok;
}

CLI::App* add_plot_command(CLI::App& app, PlotArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "plot", "Draw the figures of a batch or run file as PNG (adoption, CO2, budgets, cost per tCO2, jobs, by size; the drivers of a batch with a sensitivity: block)");
    cmd->add_option("file", a.file, "Batch file (greenshift batch) or run file (greenshift run)")->required();
    cmd->add_option("-o,--output", a.output_dir,
                    "Folder for the PNG files, written whole: created, or replaced with --force when it holds only "
                    "PNG files")
        ->required();
    cmd->add_flag("--force", a.force, "Replace the folder of an earlier plot (a folder holding only PNG files)");
    return cmd;
}

int run_plot_command(const PlotArgs& a) { return run_figure_script("plot", a.file, a.output_dir, a.force); }

}  // namespace greenshift::cli
