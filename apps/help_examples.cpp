// The examples at the end of each subcommand's --help, in one table: every example
// runs as written from the repository's root after `mkdir -p out` (in the order of the
// table: run and batch make the files the later ones read), which
// tests/cli/test_help_examples.sh checks by running them.
#include "apps/help_examples.hpp"

#include <string>

namespace greenshift::cli {

namespace {

struct Examples {
    const char* command;
    const char* text;  // "Examples:\n" and the lines, then notes
};

// clang-format off
const Examples kExamples[] = {
    {"validate",
     "Examples:\n"
     "  greenshift validate scenarios/morocco-cop22.yaml\n"
     "  greenshift validate scenarios/morocco-cop22.yaml --set policies.cop22_grant.annual_budget=1e8\n"
     "  greenshift validate scenarios/morocco-baseline.yaml --unset policies.audit_mandate_law_47_09\n"
     "\n"
     "Prints the scenario resolved (every default filled in) on stdout; a summary on stderr.\n"},
    {"run",
     "Examples:\n"
     "  greenshift run scenarios/morocco-cop22.yaml -o out/morocco-cop22.h5\n"
     "  greenshift run scenarios/morocco-cop22.yaml -o out/high-budget.h5 \\\n"
     "      --set policies.cop22_grant.annual_budget=1e8 --seed 7 --threads 2\n"
     "  greenshift run scenarios/morocco-baseline.yaml -o out/no-mandate.h5 --unset policies.audit_mandate_law_47_09\n"
     "  greenshift run scenarios/morocco-cop22.yaml -o out/morocco-cop22.h5 --force --timings\n"
     "\n"
     "time is the date a step starts; flows are totals over the step, stocks values at its end\n"
     "(docs/output.md).\n"},
    {"batch",
     "Examples:\n"
     "  greenshift batch scenarios/morocco-cop22-batch.yaml -o out/cop22-batch.h5 --threads 2\n"
     "  greenshift batch scenarios/morocco-cop22-batch.yaml -o out/cop22-batch.h5 --resume   # after an interruption\n"
     "  greenshift batch scenarios/morocco-cop22-batch.yaml -o out/part-0.h5 --shard 0/2     # one Slurm array task\n"
     "\n"
     "Then: greenshift summary, export, plot, report OUT.h5. On a cluster: docs/hpc.md.\n"},
    {"calibrate",
     "Examples:\n"
     "  greenshift calibrate scenarios/morocco-calibration.yaml -o out/calib.h5 --threads 2\n"
     "  greenshift calibrate scenarios/morocco-calibration.yaml -o out/calib.h5 --resume   # after an interruption\n"
     "\n"
     "The estimate, the posterior sample, the trace and the fit table (observed vs simulated, 90%\n"
     "bands) go to OUT.h5; the checkpoint OUT.h5.checkpoint is kept until the end (docs/calibration.md).\n"},
    {"calibrated-scenario",
     "Examples:\n"
     "  greenshift calibrated-scenario out/morocco-calibration.h5 -o out/morocco-baseline-calibrated.yaml\n"
     "\n"
     "The base scenario's own text with each calibrated value replaced (its comments kept), under\n"
     "comment lines naming the calibration and each estimate with its 90% interval (docs/calibration.md).\n"},
    {"merge",
     "Examples:\n"
     "  greenshift merge out/part-0.h5 out/part-1.h5 -o out/merged.h5   # every shard of `batch --shard I/2`\n"
     "\n"
     "The merged file equals the one the unsharded batch writes, bit for bit.\n"},
    {"summary",
     "Examples:\n"
     "  greenshift summary out/cop22-batch.h5\n"
     "  greenshift summary out/cop22-batch.h5 --csv > out/summary.csv\n"
     "\n"
     "Definitions of the indicators: docs/output.md, \"Batch files\".\n"},
    {"compare",
     "Examples:\n"
     "  greenshift compare out/morocco-cop22.h5 out/high-budget.h5                  # the second against the first\n"
     "  greenshift compare out/morocco-cop22.h5 out/high-budget.h5 -o out/what-if.h5 --force\n"
     "  greenshift compare out/cop22-batch.h5 --variants cop22 grant_only           # two variants of a batch\n"
     "\n"
     "The second run (or variant) against the first as a paired batch: the indicators, budgets and,\n"
     "with -o, a batch file that summary, export, plot and report read (docs/output.md, \"Compare\").\n"},
    {"export",
     "Examples:\n"
     "  greenshift export out/cop22-batch.h5 --xlsx out/cop22-batch.xlsx\n"
     "  greenshift export out/cop22-batch.h5 --xlsx out/co2.xlsx --vars co2_emissions,co2_avoided \\\n"
     "      --years 2020,2025-2030 --stats mean,p5,p95\n"
     "  greenshift export out/cop22-batch.h5 --csv out/cop22-batch-csv/\n"
     "  greenshift export out/cop22-batch.h5 --csv out/runs-csv/ --groups runs --vars co2_emissions\n"
     "  greenshift export out/morocco-cop22.h5 --csv out/run-csv/        # a run file\n"
     "\n"
     "Columns: the coordinates first (run, variant, sample, replicate, seed; time as the ISO date\n"
     "the step starts, and year), then the variables. Flows are totals over the step, stocks\n"
     "are at its end. Numbers are the shortest text that reads back exactly; NaN is an empty cell.\n"
     "Layout: docs/output.md, \"Export\".\n"},
    {"plot",
     "Examples:\n"
     "  greenshift plot out/cop22-batch.h5 -o out/figures/\n"
     "  greenshift plot out/cop22-batch.h5 -o out/figures/ --force     # replace earlier figures\n"
     "  greenshift plot out/morocco-cop22.h5 -o out/run-figures/        # one run: single lines\n"
     "\n"
     "Writes adoption.png, co2.png, budgets.png, cost_per_tco2.png, jobs.png and by_size.png\n"
     "(docs/output.md, \"Figures and report\"). Names of scenarios, variants, sectors and\n"
     "technologies are shown as written (no markup), shortened when too long for a figure.\n"},
    {"report",
     "Examples:\n"
     "  greenshift report out/cop22-batch.h5 -o out/cop22-report.html\n"
     "  greenshift report out/morocco-cop22.h5 -o out/run-report.html   # one run: no baseline\n"
     "\n"
     "One self-contained HTML page: nothing is fetched from the network.\n"},
    {"check-plausibility",
     "Examples:\n"
     "  greenshift check-plausibility scenarios/morocco-cop22.yaml --threads 2\n"
     "  greenshift check-plausibility out/morocco-cop22.h5 --csv > out/plausibility.csv   # a run file\n"
     "\n"
     "The references are the scenario's `references:` (docs/scenarios.md); a run file carries its\n"
     "scenario. Exit 5 when a simulated figure is outside its reference's band.\n"},
    {"serve",
     "Examples:\n"
     "  greenshift serve                       # the scenarios/ folder; then open http://127.0.0.1:8080/\n"
     "  greenshift serve scenarios/ --port 0   # any free port\n"
     "\n"
     "docs/serve.md.\n"},
};
// clang-format on

const char* const kExitCodes =
    "Exit codes: 0 ok, 1 internal error, 2 usage, 3 bad input file, 4 output cannot be written\n"
    "(or exists without --force), 5 a figure out of its reference's band (check-plausibility),\n"
    "75 interrupted (SIGINT/SIGTERM/SIGUSR1).";

}  // namespace

void set_help_examples(CLI::App& app) {
    const std::string general = app.get_footer();
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
        const std::string name = sub->get_name();
        const Examples* found = nullptr;
        for (const Examples& e : kExamples)
            if (name == e.command) found = &e;
        if (found != nullptr)
            sub->footer(std::string(found->text) + "\n" + kExitCodes);
        else if (sub->get_footer() == general)  // inherited, not its own
            sub->footer(std::string("Examples of every command: greenshift --help\n\n") + kExitCodes);
    }
}

}  // namespace greenshift::cli
