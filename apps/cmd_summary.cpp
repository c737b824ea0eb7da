// greenshift summary OUT.h5 [--csv]: the key indicators per variant, with 90% intervals.
#include <cmath>
#include <cstdio>
#include <iostream>

#include "apps/commands.hpp"
#include "apps/exit_codes.hpp"
#include "io/batch_reader.hpp"

namespace greenshift::cli {

namespace {

// Readable magnitudes: thousands grouped, a few significant digits for small values.
std::string readable(double x) {
    if (std::isnan(x)) return "n/a";
    char buf[64];
    if (std::abs(x) >= 1000) {
        std::snprintf(buf, sizeof buf, "%.0f", std::abs(x));
        std::string digits = buf, grouped;
        for (std::size_t i = 0; i < digits.size(); ++i) {
            if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ',';
            grouped += digits[i];
        }
        return (x < 0 ? "-" : "") + grouped;
    }
    if (std::abs(x) >= 10) std::snprintf(buf, sizeof buf, "%.1f", x);
    else std::snprintf(buf, sizeof buf, "%.3g", x);
    return buf;
}

}  // namespace

CLI::App* add_summary_command(CLI::App& app, SummaryArgs& a) {
    CLI::App* cmd = app.add_subcommand("summary", "Print the key indicators of a batch file (mean and 90% interval)");
    cmd->add_option("file", a.file, "Batch file written by `greenshift batch`")->required();
    cmd->add_flag("--csv", a.csv, "CSV instead of an aligned table");
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
    std::size_t w_name = 9, w_units = 5;
    for (std::size_t i = 0; i < t.indicators.size(); ++i) {
        w_name = std::max(w_name, t.indicators[i].size());
        w_units = std::max(w_units, t.units[i].size());
    }
    constexpr int w = 15;
    for (std::size_t v = 0; v < t.variants.size(); ++v) {
        std::printf("%s%s against its baseline (%lld runs; mean, median and 90%% interval p5-p95)\n", v ? "\n" : "",
                    t.variants[v].c_str(), static_cast<long long>(t.runs_per_variant));
        std::printf("  %-*s  %-*s %*s %*s %*s %*s\n", static_cast<int>(w_name), "indicator", static_cast<int>(w_units),
                    "units", w, "mean", w, "p5", w, "p50", w, "p95");
        for (std::size_t i = 0; i < t.indicators.size(); ++i) {
            std::printf("  %-*s  %-*s", static_cast<int>(w_name), t.indicators[i].c_str(), static_cast<int>(w_units),
                        t.units[i].c_str());
            for (std::size_t s = 0; s < t.statistics.size(); ++s) std::printf(" %*s", w, readable(t.value(v, i, s)).c_str());
            const std::int64_t valid = t.valid_runs[v * t.indicators.size() + i];
            if (valid < t.runs_per_variant) std::printf("  (defined in %lld runs)", static_cast<long long>(valid));
            std::printf("\n");
        }
    }
    std::printf("\nNaN ratios (n/a): less than 1 t avoided or 1 MAD granted in a run; such runs are left out of "
                "the ratio's statistics. Definitions: docs/output.md, \"Batch files\".\n");
    return exit_code::ok;
}

}  // namespace greenshift::cli
