#include "apps/python_script.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string_view>

#include "apps/exit_codes.hpp"
#include "io/interrupt.hpp"

extern char** environ;

namespace greenshift::cli {

namespace fs = std::filesystem;

std::string python_script(const std::string& name, const char* env) {
    if (env != nullptr)
        if (const char* over = std::getenv(env); over != nullptr && *over != '\0') return over;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path beside = exe.parent_path() / name;
        if (fs::exists(beside, ec)) return beside.string();
    }
    return (fs::path(GREENSHIFT_APPS_SOURCE_DIR) / name).string();
}

int run_python_script(const std::string& script, const std::vector<std::string>& args, const std::string& needs,
                      const std::vector<std::string>& environment) {
    const char* env_python = std::getenv("GREENSHIFT_PYTHON");
    const std::string python = env_python != nullptr && *env_python != '\0' ? env_python : "/usr/bin/python3";
    if (::access(python.c_str(), X_OK) != 0) {
        std::cerr << "greenshift: error: " << python << " is missing; it needs python3 with " << needs
                  << " (scripts/setup.sh installs them)\n";
        return exit_code::internal_error;
    }
    std::error_code ec;
    if (!fs::exists(script, ec)) {
        std::cerr << "greenshift: error: the script " << script
                  << " is missing (it is installed next to the greenshift executable)\n";
        return exit_code::internal_error;
    }
    std::vector<std::string> all = {python, script};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    // the inherited environment without the names `environment` sets, then those
    std::vector<std::string> env_entries = environment;
    std::vector<char*> envp;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string_view entry(*e);
        const bool replaced = std::any_of(env_entries.begin(), env_entries.end(), [&entry](const std::string& x) {
            return entry.substr(0, entry.find('=') + 1) == std::string_view(x).substr(0, x.find('=') + 1);
        });
        if (!replaced) envp.push_back(*e);
    }
    for (std::string& e : env_entries) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, python.c_str(), &actions, nullptr, argv.data(), envp.data());
    ::posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        std::cerr << "greenshift: error: cannot start " << python << ": " << std::strerror(rc) << "\n";
        return exit_code::internal_error;
    }
    // Waits, passing a stop signal on: the script then ends at once, as the command
    // must (it is a child of ours, not in the terminal's foreground group under
    // a batch system that signals only greenshift).
    int status = 0;
    bool passed_on = false;
    for (;;) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) break;
        if (done < 0 && errno != EINTR) {
            std::cerr << "greenshift: error: lost the python process: " << std::strerror(errno) << "\n";
            return exit_code::internal_error;
        }
        if (const int sig = stop_signal(); sig != 0 && !passed_on) {
            ::kill(pid, SIGTERM);
            passed_on = true;
        }
        ::usleep(20000);
    }
    if (passed_on) {
        std::cerr << "greenshift: interrupted by signal " << stop_signal() << "; stopped, nothing written\n";
        return exit_code::interrupted;
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    std::cerr << "greenshift: error: the python process ended by signal " << WTERMSIG(status) << "\n";
    return WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM ? exit_code::interrupted
                                                                    : exit_code::internal_error;
}

}  // namespace greenshift::cli
