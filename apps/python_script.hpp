// The Python helpers of the greenshift command (figures and report:
// greenshift_plot.py; workbooks: greenshift_xlsx.py), run with Debian's
// /usr/bin/python3. A script is found next to the executable (the build copies it
// there), else in the source tree it was built from; GREENSHIFT_PYTHON overrides the
// interpreter, GREENSHIFT_PLOT_SCRIPT the figure script.
#pragma once

#include <string>
#include <vector>

namespace greenshift::cli {

// The path of the script `name` ("greenshift_plot.py"); `env` names an environment
// variable that overrides it (nullptr: none).
std::string python_script(const std::string& name, const char* env = nullptr);

// Runs `python script args...` and returns its exit code (the scripts speak
// greenshift's exit codes). `needs` says what the script needs, for the message
// printed when the interpreter or the script is missing. The script's standard
// output is discarded (it names temporary files; the caller names the outputs).
// `environment` adds NAME=VALUE entries to the script's environment.
int run_python_script(const std::string& script, const std::vector<std::string>& args, const std::string& needs,
                      const std::vector<std::string>& environment = {});

}  // namespace greenshift::cli
