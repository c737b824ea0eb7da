// greenshift summary OUT.h5 [--csv] [--names]: the indicators per variant, with 90%
// intervals, where their spread comes from, and what limited each budget.
#include <iostream>

#include "apps/commands.hpp"
#include "apps/exit_codes.hpp"
#include "apps/summary_print.hpp"
#include "io/batch_reader.hpp"

namespace greenshift::cli {

CLI::App* add_summary_command(CLI::App& app, SummaryArgs& a) {
    CLI::App* cmd = app.add_subcommand("summary", "Print the key indicators of a batch file (median and 90% interval)");
    cmd->add_option("file", a.file, "Batch file written by `greenshift batch` or `greenshift compare`")->required();
    cmd->add_flag("--csv", a.csv, "CSV instead of an aligned table");
    cmd->add_flag("--names", a.names, "Show the indicators' identifiers (the export's column names) instead of labels");
    return cmd;
}

int run_summary_command(const SummaryArgs& a) {
    const SummaryTable t = read_summary(a.file);
    if (t.variants.empty()) {
        std::cerr << a.file << ": no variant of this batch has a baseline, so there are no indicators; "
                  << "the per-variant statistics are in its /statistics group\n";
        return exit_code::ok;
    }
    if (a.csv) {
        write_summary_csv(t, std::cout);
        return exit_code::ok;
    }
    print_summary(t, std::cout, {a.names});
    return exit_code::ok;
}

}  // namespace greenshift::cli
