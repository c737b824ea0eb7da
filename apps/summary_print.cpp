#include "apps/summary_print.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace greenshift::cli {

namespace {

// Readable magnitudes: thousands grouped, a few significant digits for small values.
std::string readable(double x) {
    if (std::isnan(x)) return "n/a";
    char buf[64];
    if (std::abs(x) >= 100) {
        std::snprintf(buf, sizeof buf, "%.0f", std::abs(x));
        std::string digits = buf, grouped;
        for (std::size_t i = 0; i < digits.size(); ++i) {
            if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ',';
            grouped += digits[i];
        }
        return (x < 0 && grouped != "0" ? "-" : "") + grouped;
    }
    if (std::abs(x) >= 10) std::snprintf(buf, sizeof buf, "%.1f", x);
    else if (x == 0) return "0";
    else std::snprintf(buf, sizeof buf, "%.3g", x);
    return buf;
}

std::string percent(double share) {
    if (std::isnan(share)) return "n/a";
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.0f%%", 100 * share);
    return buf;
}

std::size_t statistic(const SummaryTable& t, const char* name) {
    for (std::size_t s = 0; s < t.statistics.size(); ++s)
        if (t.statistics[s] == name) return s;
    return t.statistics.size();
}

}  // namespace

void print_summary(const SummaryTable& t, std::ostream& out, const SummaryPrintOptions& options) {
    const std::size_t I = t.indicators.size();
    const std::size_t p50 = statistic(t, "p50"), p5 = statistic(t, "p5"), p95 = statistic(t, "p95"),
                      mean = statistic(t, "mean");
    const auto text = [&](std::size_t i) { return options.names ? t.indicators[i] : t.labels[i]; };
    std::size_t w_label = 20;
    for (std::size_t i = 0; i < I; ++i) w_label = std::max(w_label, text(i).size());
    w_label = std::min<std::size_t>(w_label, 72);
    constexpr int w = 12;
    const auto stat = [&](std::size_t v, std::size_t i, std::size_t s) {
        return s < t.statistics.size() ? readable(t.value(v, i, s) * t.display_scale[i]) : std::string("n/a");
    };
    std::string runs = std::to_string(t.runs_per_variant) + (t.runs_per_variant == 1 ? " run" : " runs");
    if (t.samples > 0)
        runs += " (" + std::to_string(t.samples) + (t.samples == 1 ? " sample" : " samples") + " x " +
                std::to_string(t.replicates) + (t.replicates == 1 ? " replicate" : " replicates") +
                (t.population == "fixed" ? ", one firm population" : "") + ")";
    char line[512];
    const bool single = t.runs_per_variant == 1;  // one pair of runs (greenshift compare): one value each
    for (std::size_t v = 0; v < t.variants.size(); ++v) {
        const std::string baseline =
            v < t.baselines.size() && !t.baselines[v].empty() ? t.baselines[v] : std::string("its baseline");
        out << (v ? "\n" : "") << t.variants[v] << " against " << baseline << ": " << runs << "\n"
            << (single ? "one pair of runs: no interval\n" : "median and 90% interval (p5 to p95) across runs, and the mean\n");
        std::string group = "\x01";
        for (std::size_t i = 0; i < I; ++i) {
            if (t.groups[i] != group) {
                group = t.groups[i];
                if (single)
                    std::snprintf(line, sizeof line, "\n%-*s %*s  %s\n", static_cast<int>(w_label + 2),
                                  group.empty() ? "indicator" : group.c_str(), w, "value", "units");
                else
                    std::snprintf(line, sizeof line, "\n%-*s %*s %*s %*s %*s  %s\n", static_cast<int>(w_label + 2),
                                  group.empty() ? "indicator" : group.c_str(), w, "median", w, "p5", w, "p95", w,
                                  "mean", "units");
                out << line;
            }
            std::string label = text(i);
            if (label.size() > w_label) label = label.substr(0, w_label - 3) + "...";
            if (single)
                std::snprintf(line, sizeof line, "  %-*s %*s  %s", static_cast<int>(w_label), label.c_str(), w,
                              stat(v, i, mean).c_str(), t.display_units[i].c_str());
            else
                std::snprintf(line, sizeof line, "  %-*s %*s %*s %*s %*s  %s", static_cast<int>(w_label),
                              label.c_str(), w, stat(v, i, p50).c_str(), w, stat(v, i, p5).c_str(), w,
                              stat(v, i, p95).c_str(), w, stat(v, i, mean).c_str(), t.display_units[i].c_str());
            out << line;
            const std::int64_t valid = t.valid_runs[v * I + i];
            if (!single && valid < t.runs_per_variant) out << "  (defined in " << valid << " runs)";
            out << "\n";
        }
        if (v < t.budget_notes.size() && !t.budget_notes[v].empty()) {
            out << "\nBudgets and capacities: what was spent and what limited it\n";
            for (const std::string& note : t.budget_notes[v]) out << "  " << note << "\n";
        }
        // Where the spread comes from.
        if (single) continue;  // one pair: no spread to explain
        out << "\nWhere the spread across runs comes from";
        if (t.variance_share.empty() || t.replicates < 2) {
            out << ": not separable with one replicate per sample. Each run draws its own firm population and "
                   "random numbers, so the intervals above mix the uncertain parameters with that noise; set "
                   "replicates: 2 or more to split them.\n";
        } else {
            out << " (law of total variance over " << t.samples << (t.samples == 1 ? " sample" : " samples") << " x "
                << t.replicates << " replicates; docs/output.md):\n";
            const std::string stochastic =
                t.population == "fixed" ? "random draws (one firm population)" : "firm population and random draws";
            // The key results; files without that mark: the first rows.
            const bool marked = std::find(t.headline.begin(), t.headline.end(), 1) != t.headline.end();
            for (std::size_t i = 0; i < I; ++i) {
                if (marked ? !t.headline[i] : i >= 6) continue;
                const double a = t.variance_share[(v * I + i) * 2], b = t.variance_share[(v * I + i) * 2 + 1];
                if (std::isnan(a) && std::isnan(b)) continue;
                std::snprintf(line, sizeof line, "  %-*s %5s uncertain parameters, %5s %s\n",
                              static_cast<int>(w_label), text(i).substr(0, w_label).c_str(), percent(a).c_str(),
                              percent(b).c_str(), stochastic.c_str());
                out << line;
            }
        }
    }
    out << "\nn/a: a ratio undefined in every run (less than 1 t avoided or 1 MAD of support). Definitions: "
           "docs/output.md, \"Indicators\"; `greenshift summary --names` shows the identifiers used by export.\n";
}

}  // namespace greenshift::cli
