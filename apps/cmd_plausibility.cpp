// greenshift check-plausibility RUN.h5 | SCENARIO.yaml [--set K=V] [--threads N] [--csv]:
// the scenario's `references` beside what the run simulates, each in or out of its
// band (docs/scenarios.md, `references`); exit 5 when one is out.
#include <omp.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "apps/commands.hpp"
#include "apps/exit_codes.hpp"
#include "core/model.hpp"
#include "core/observations.hpp"
#include "io/hdf5.hpp"
#include "io/hdf5_input.hpp"
#include "io/input_error.hpp"
#include "io/run_reader.hpp"
#include "io/scenario_loader.hpp"

namespace greenshift::cli {

namespace {

bool is_hdf5(const std::string& path) {
    // Only a regular file is opened here (a pipe would block the open); anything else
    // goes to the scenario loader, whose guard says what it is.
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return false;
    std::ifstream in(path, std::ios::binary);
    char head[8] = {};
    in.read(head, sizeof head);
    return in.gcount() == 8 && std::string(head, 8) == std::string("\x89HDF\r\n\x1a\n", 8);
}

// A few significant digits, no exponent for ordinary magnitudes.
std::string number(double x) {
    if (std::isnan(x)) return "n/a";
    char buf[64];
    const double a = std::abs(x);
    if (a != 0 && (a >= 1e7 || a < 1e-3)) std::snprintf(buf, sizeof buf, "%.3g", x);
    else if (a >= 100) std::snprintf(buf, sizeof buf, "%.0f", x);
    else std::snprintf(buf, sizeof buf, "%.3g", x);
    return buf;
}

std::string when(const Observation& o) {
    bool timed = false;
    for (const auto& v : o.of.variables) {
        const ObservableVariable* ov = find_observable(v);
        timed = timed || ov == nullptr || ov->rule != TimeRule::fixed;
    }
    if (!timed) return "-";
    if (o.of.first_year == o.of.last_year) return std::to_string(o.of.first_year);
    return std::to_string(o.of.first_year) + "-" + std::to_string(o.of.last_year) +
           (o.of.combine == Aggregate::Combine::mean ? " mean" : " sum");
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

}  // namespace

CLI::App* add_plausibility_command(CLI::App& app, PlausibilityArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "check-plausibility",
        "Compare a run with its scenario's sourced reference figures; exit 5 when one is out of range");
    cmd->add_option("input", a.scenario.file,
                    "A run file (from `greenshift run`), or a scenario file, which is run first")
        ->required();
    cmd->add_option("--set", a.scenario.sets, "With a scenario file: override a value, key.path=value (repeatable)")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    cmd->add_option("--unset", a.scenario.unsets, "With a scenario file: remove a key (repeatable)")
        ->type_name("KEY")
        ->allow_extra_args(false);
    cmd->add_option("--threads", a.threads, "OpenMP threads for a scenario's run (default: OMP_NUM_THREADS or all cores)")
        ->check(CLI::Range(1, 4096));
    cmd->add_flag("--csv", a.csv, "CSV instead of an aligned table");
    return cmd;
}

int run_plausibility_command(const PlausibilityArgs& a) {
    Scenario s;
    RunResult run;
    if (is_hdf5(a.scenario.file)) {
        if (!a.scenario.sets.empty() || !a.scenario.unsets.empty())
            throw CLI::ValidationError("--set/--unset", "apply to a scenario file, not to a run file");
        const InputFile in = open_input(a.scenario.file, {FileKind::run}, "check-plausibility");
        check_dimensions(in.file);
        // The references travel in the resolved scenario the file records.
        LoadOptions no_memory_check;  // its firms are not built again
        no_memory_check.max_memory_bytes = ~std::uint64_t{0} >> 1;
        s = load_scenario_text(hdf5::read_text_attribute(in.file, "scenario"), a.scenario.file + " (its scenario attribute)",
                               no_memory_check);
        run = read_run_group(in.file);
    } else {
        s = a.scenario.load();
        if (a.threads > 0) omp_set_num_threads(a.threads);
        if (!s.references.empty()) run = simulate(s);
    }
    if (s.references.empty()) {
        std::cerr << a.scenario.file << ": the scenario has no references; nothing to check (docs/scenarios.md, "
                  << "`references`)\n";
        return exit_code::ok;
    }
    std::vector<PlausibilityRow> rows;
    try {
        rows = check_plausibility(run, s.references);
    } catch (const std::invalid_argument& e) {
        throw InputError(a.scenario.file, 0, 0, std::string("a reference cannot be computed from this run: ") + e.what());
    }
    int out = 0;
    for (const auto& r : rows) out += r.verdict != 0 ? 1 : 0;

    if (a.csv) {
        std::cout << "reference,when,observed,band_lo,band_hi,level,simulated,unit,verdict,source\n";
        for (const auto& r : rows) {
            const Observation& o = *r.observation;
            std::cout << csv_field(o.name) << "," << csv_field(when(o)) << "," << number(o.value) << ","
                      << number(r.band.lo) << "," << number(r.band.hi) << "," << o.level << "," << number(r.simulated)
                      << "," << csv_field(o.unit) << "," << (r.verdict < 0 ? "low" : r.verdict > 0 ? "high" : "ok") << ","
                      << csv_field(o.source) << "\n";
        }
        return out == 0 ? exit_code::ok : exit_code::check_failed;
    }
    const auto band_text = [](const PlausibilityRow& r) {
        return number(r.band.lo) + " to " + number(r.band.hi) + " (" + number(100 * r.observation->level) + "%)";
    };
    std::size_t w_name = 9, w_when = 4, w_unit = 4, w_band = 4;
    for (const auto& r : rows) {
        w_name = std::max(w_name, r.observation->name.size());
        w_when = std::max(w_when, when(*r.observation).size());
        w_unit = std::max(w_unit, r.observation->unit.size());
        w_band = std::max(w_band, band_text(r).size());
    }
    std::printf("%s: %zu references, %zu in range, %d out of range\n", s.name.c_str(), rows.size(),
                rows.size() - static_cast<std::size_t>(out), out);
    std::printf("  %-*s  %-*s  %10s  %-*s  %10s  %-*s  %s\n", static_cast<int>(w_name), "reference",
                static_cast<int>(w_when), "when", "observed", static_cast<int>(w_band), "band", "simulated",
                static_cast<int>(w_unit), "unit", "verdict");
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        const Observation& o = *r.observation;
        std::printf("  %-*s  %-*s  %10s  %-*s  %10s  %-*s  %s [%zu]\n", static_cast<int>(w_name), o.name.c_str(),
                    static_cast<int>(w_when), when(o).c_str(), number(o.value).c_str(), static_cast<int>(w_band),
                    band_text(r).c_str(),
                    number(r.simulated).c_str(), static_cast<int>(w_unit), o.unit.empty() ? "-" : o.unit.c_str(),
                    r.verdict < 0 ? "LOW" : r.verdict > 0 ? "HIGH" : "ok", i + 1);
    }
    std::printf("\nBand: the reference's interval, or its value -/+ z standard errors at its level. Sources:\n");
    for (std::size_t i = 0; i < rows.size(); ++i)
        std::printf("  [%zu] %s\n", i + 1, rows[i].observation->source.c_str());
    return out == 0 ? exit_code::ok : exit_code::check_failed;
}

}  // namespace greenshift::cli
