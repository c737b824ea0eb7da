// greenshift plot FILE.h5 -o DIR [--force]: the figures of a batch or run file as PNG,
// drawn by apps/greenshift_plot.py with matplotlib (Debian's python3-matplotlib).
// The script is found next to the executable (the build copies it there), else in
// the source tree it was built from; GREENSHIFT_PLOT_SCRIPT and GREENSHIFT_PYTHON
// override both.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <vector>

#include "apps/commands.hpp"
#include "apps/exit_codes.hpp"

extern char** environ;

namespace greenshift::cli {

namespace {

namespace fs = std::filesystem;

std::string plot_script() {
    if (const char* env = std::getenv("GREENSHIFT_PLOT_SCRIPT"); env != nullptr && *env != '\0') return env;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path beside = exe.parent_path() / "greenshift_plot.py";
        if (fs::exists(beside, ec)) return beside.string();
    }
    return GREENSHIFT_PLOT_SCRIPT_SOURCE;
}

}  // namespace

int run_figure_script(const std::string& mode, const std::string& file, const std::string& output, bool force) {
    const char* env_python = std::getenv("GREENSHIFT_PYTHON");
    const std::string python = env_python != nullptr && *env_python != '\0' ? env_python : "/usr/bin/python3";
    const std::string script = plot_script();
    if (::access(python.c_str(), X_OK) != 0) {
        std::cerr << "greenshift: error: " << mode << " needs " << python
                  << " with matplotlib; on Debian: apt-get install python3 python3-matplotlib python3-h5py "
                     "(scripts/setup.sh installs them)\n";
        return exit_code::internal_error;
    }
    std::error_code ec;
    if (!fs::exists(script, ec)) {
        std::cerr << "greenshift: error: the figure script " << script
                  << " is missing (it is installed next to the greenshift executable)\n";
        return exit_code::internal_error;
    }
    std::vector<std::string> args = {python, script, mode, file, output};
    if (force) args.emplace_back("--force");
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, python.c_str(), nullptr, nullptr, argv.data(), environ);
    if (rc != 0) {
        std::cerr << "greenshift: error: cannot start " << python << ": " << std::strerror(rc) << "\n";
        return exit_code::internal_error;
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            std::cerr << "greenshift: error: lost the figure process: " << std::strerror(errno) << "\n";
            return exit_code::internal_error;
        }
    if (WIFEXITED(status)) return WEXITSTATUS(status);  // the script speaks greenshift's exit codes
    std::cerr << "greenshift: error: the figure process ended by signal " << WTERMSIG(status) << "\n";
    return WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM ? exit_code::interrupted : exit_code::internal_error;
}

CLI::App* add_plot_command(CLI::App& app, PlotArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "plot", "Draw the figures of a batch or run file as PNG (adoption, CO2, budgets, cost per tCO2, jobs, by size)");
    cmd->add_option("file", a.file, "Batch file (greenshift batch) or run file (greenshift run)")->required();
    cmd->add_option("-o,--output", a.output_dir, "Folder for the PNG files (created if missing)")->required();
    cmd->add_flag("--force", a.force, "Overwrite PNG files that exist");
    return cmd;
}

int run_plot_command(const PlotArgs& a) { return run_figure_script("plot", a.file, a.output_dir, a.force); }

}  // namespace greenshift::cli
