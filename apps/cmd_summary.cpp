// greenshift summary OUT.h5 [--csv] [--names]: the indicators per variant, with 90%
// intervals, where their spread comes from, and what limited each budget.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <vector>

#include "apps/commands.hpp"
#include "apps/exit_codes.hpp"
#include "apps/summary_print.hpp"
#include "batch/budgets.hpp"
#include "io/batch_reader.hpp"
#include "io/hdf5_input.hpp"
#include "io/input_error.hpp"
#include "io/run_reader.hpp"

namespace greenshift::cli {

namespace {

// What drives each indicator: the parameters ranked by total Sobol index (or by
// Morris mu*), with the measures and intervals (docs/sensitivity.md).
void print_drivers(const SensitivityTable& t) {
    if (t.method.empty()) return;
    const bool sobol = t.method == "sobol";
    const std::size_t key = sobol ? 3 : 1;  // ST or mu_star
    for (std::size_t v = 0; v < t.variants.size(); ++v) {
        std::printf("\n%s: what drives each indicator (%s)\n", t.variants[v].c_str(),
                    sobol ? "Sobol indices, ranked by total index ST; S1 first order; 95% bootstrap intervals"
                          : "Morris elementary effects, ranked by mu*; sigma their spread");
        for (std::size_t i = 0; i < t.indicators.size(); ++i) {
            std::vector<std::size_t> order(t.parameters.size());
            for (std::size_t p = 0; p < order.size(); ++p) order[p] = p;
            std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
                const double x = t.value(key, v, i, a), y = t.value(key, v, i, b);
                return std::isnan(y) ? !std::isnan(x) : x > y;
            });
            std::printf("  %s\n", t.indicators[i].c_str());
            if (std::isnan(t.value(key, v, i, order[0]))) {
                std::printf("    n/a (undefined in some runs, or the same in every run)\n");
                continue;
            }
            for (std::size_t r = 0; r < order.size(); ++r) {
                const std::size_t p = order[r];
                if (sobol)
                    std::printf("    %2zu. %-40s ST %6.3f [%6.3f, %6.3f]  S1 %6.3f [%6.3f, %6.3f]\n", r + 1,
                                t.parameters[p].c_str(), t.value(3, v, i, p), t.value(4, v, i, p), t.value(5, v, i, p),
                                t.value(0, v, i, p), t.value(1, v, i, p), t.value(2, v, i, p));
                else
                    std::printf("    %2zu. %-40s mu* %11.4g  sigma %11.4g  mu %11.4g\n", r + 1,
                                t.parameters[p].c_str(), t.value(1, v, i, p), t.value(2, v, i, p), t.value(0, v, i, p));
            }
        }
    }
}

// A run file has no indicators (they compare a programme with its baseline): what
// limited each of its budgets, and how to compare it with another run.
int summarise_run(const std::string& path, const InputFile& in, bool csv) {
    if (csv)
        throw InputError(path, 0, 0, "a run file has no indicator table to write as CSV (indicators compare two runs); "
                                     "use greenshift compare BASELINE.h5 " + path + " --csv");
    const RunResult run = read_run_group(in.file);
    const std::string name = hdf5::has_attribute(in.file, "scenario_name")
                                 ? hdf5::read_text_attribute(in.file, "scenario_name") : path;
    std::printf("%s: a single run, without a baseline: no indicators, which compare a programme with its baseline. "
                "To set it against another run: greenshift compare BASELINE.h5 %s\n", name.c_str(), path.c_str());
    const auto table = budgets::aggregate({budgets::of_run(run)}, {budgets::labelled_by_year(run)});
    bool first = true;
    for (const std::string& note : budgets::describe(table, run.coords.policy, run.coords.policy_type)) {
        if (note.empty()) continue;
        if (first) std::printf("\nBudgets and capacities: what was spent and what limited it\n");
        first = false;
        std::printf("  %s\n", note.c_str());
    }
    return exit_code::ok;
}

}  // namespace

CLI::App* add_summary_command(CLI::App& app, SummaryArgs& a) {
    CLI::App* cmd = app.add_subcommand("summary", "Print the key indicators of a batch file (median and 90% interval)");
    cmd->add_option("file", a.file,
                    "Batch file written by `greenshift batch` or `greenshift compare`; a run file: its budgets")
        ->required();
    cmd->add_flag("--csv", a.csv, "CSV instead of an aligned table");
    cmd->add_flag("--names", a.names, "Show the indicators' identifiers (the export's column names) instead of labels");
    return cmd;
}

int run_summary_command(const SummaryArgs& a) {
    {
        const InputFile in = open_input(a.file, {FileKind::run, FileKind::batch}, "summary");
        if (in.kind == FileKind::run) return summarise_run(a.file, in, a.csv);
    }
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
    print_drivers(read_sensitivity(a.file));
    return exit_code::ok;
}

}  // namespace greenshift::cli
