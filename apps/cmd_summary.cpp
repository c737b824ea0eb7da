// greenshift summary OUT.h5 [--csv] [--names]: the indicators per variant, with 90%
// intervals, where their spread comes from, and what limited each budget; of a
// calibration file, the fit table and the parameters' estimates and intervals.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "apps/commands.hpp"
#include "apps/exit_codes.hpp"
#include "apps/summary_print.hpp"
#include "batch/budgets.hpp"
#include "io/batch_reader.hpp"
#include "io/calibration_file.hpp"
#include "io/hdf5_input.hpp"
#include "io/input_error.hpp"
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

bool is_calibration_file(const std::string& path) {
    try {
        open_input(path, {FileKind::calibration}, "summary");
        return true;
    } catch (const InputError&) {
        return false;  // read_summary says what the file is
    }
}

// A value and the band the fit table gives it, in the target's unit.
std::string number(double x) {
    char b[32];
    const double a = std::fabs(x);
    if (std::isnan(x)) return "n/a";
    if (a >= 1e5 || (a > 0 && a < 1e-3)) std::snprintf(b, sizeof b, "%.3g", x);
    else if (a >= 100) std::snprintf(b, sizeof b, "%.0f", x);
    else std::snprintf(b, sizeof b, "%.3g", x);
    return b;
}

// The observation's band of +/- 2 standard errors (multiplicative for lognormal errors).
std::pair<double, double> observed_band(const CalibrationFitRow& r) {
    if (r.error == "lognormal") return {r.observed * std::exp(-2 * r.se), r.observed * std::exp(2 * r.se)};
    return {r.observed - 2 * r.se, r.observed + 2 * r.se};
}

const char* verdict(const CalibrationFitRow& r) {
    const auto [lo, hi] = observed_band(r);
    return r.simulated < lo ? "below" : r.simulated > hi ? "above" : "inside";
}

// `summary CALIB.h5`: the fit table (each target observed with its +/- 2 se band,
// simulated at the estimate with the 90% posterior predictive band; held-out figures
// apart) and each parameter's estimate and 90% interval.
int print_calibration(const std::string& path, bool csv) {
    const CalibrationOutput c = read_calibration(path, "summary");
    if (csv) {
        std::printf("table,name,in_calibration,observed,band_lo,band_hi,simulated,p05,p95,unit,verdict\n");
        for (const auto& r : c.fit) {
            const auto [lo, hi] = observed_band(r);
            std::printf("fit,%s,%d,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%s,%s\n", r.name.c_str(), r.in_calibration ? 1 : 0,
                        r.observed, lo, hi, r.simulated, r.p05, r.p95, r.unit.c_str(), verdict(r));
        }
        for (std::size_t k = 0; k < c.keys.size(); ++k)
            std::printf("parameter,%s,1,,%.17g,%.17g,%.17g,%.17g,%.17g,,\n", c.keys[k].c_str(), c.lower[k], c.upper[k],
                        c.estimate[k], c.p05[k], c.p95[k]);
        return exit_code::ok;
    }
    std::size_t held = 0, inside = 0;
    for (const auto& r : c.fit) {
        held += r.in_calibration ? 0 : 1;
        inside += r.in_calibration && std::string(verdict(r)) == "inside" ? 1 : 0;
    }
    std::printf("Calibration %s: %zu parameters fitted to %zu targets (%zu held out); %s; %u replicates per evaluation; "
                "%zu posterior draws (acceptance %.2f)\n",
                path.c_str(), c.keys.size(), c.fit.size() - held, held, c.method.c_str(), c.replicates, c.sample.size(),
                c.acceptance);
    std::printf("\nFit: observed with +/- 2 standard errors; simulated at the estimate (mean of the replicates) with the "
                "90%% posterior predictive band\n");
    std::printf("  %-32s %10s %23s %10s %23s  %-6s %s\n", "target", "observed", "observed band", "simulated",
                "simulated 90% band", "unit", "");
    for (const bool in : {true, false}) {
        if (!in && held > 0) std::printf("  held out of the fit (out of sample):\n");
        for (const auto& r : c.fit) {
            if (r.in_calibration != in) continue;
            const auto [lo, hi] = observed_band(r);
            std::printf("  %-32s %10s %23s %10s %23s  %-6s %s\n", r.name.c_str(), number(r.observed).c_str(),
                        (number(lo) + " to " + number(hi)).c_str(), number(r.simulated).c_str(),
                        (number(r.p05) + " to " + number(r.p95)).c_str(), r.unit.c_str(), verdict(r));
        }
    }
    std::printf("  %zu of %zu targets inside their observed band at the estimate\n", inside, c.fit.size() - held);
    std::printf("\nParameters: the estimate, the posterior median and 90%% interval, the bounds\n");
    std::printf("  %-44s %11s %11s %25s %25s\n", "key path", "estimate", "median", "90% interval", "bounds");
    for (std::size_t k = 0; k < c.keys.size(); ++k)
        std::printf("  %-44s %11s %11s %25s %25s\n", c.keys[k].c_str(), number(c.estimate[k]).c_str(),
                    number(c.median[k]).c_str(), (number(c.p05[k]) + " to " + number(c.p95[k])).c_str(),
                    (number(c.lower[k]) + " to " + number(c.upper[k])).c_str());
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
    if (is_calibration_file(a.file)) return print_calibration(a.file, a.csv);
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
