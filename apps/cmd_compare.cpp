// greenshift compare A.h5 B.h5 | BATCH.h5 --variants A B [-o OUT.h5] [--csv] [--names]:
// a quick what-if — the second run (or variant) against the first, as a paired
// batch: the same indicators, budgets and figures (batch/compare.hpp).
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "apps/commands.hpp"
#include "apps/exit_codes.hpp"
#include "apps/summary_print.hpp"
#include "batch/compare.hpp"
#include "greenshift/version.hpp"
#include "io/batch_reader.hpp"
#include "io/publish.hpp"

namespace greenshift::cli {

namespace {

namespace fs = std::filesystem;

// A file that is removed when the comparison is only printed.
struct Scratch {
    std::string path;
    ~Scratch() {
        std::error_code ec;
        if (!path.empty()) fs::remove(path, ec);
    }
};

}  // namespace

CLI::App* add_compare_command(CLI::App& app, CompareArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "compare", "Compare two runs (the second against the first) or two variants of a batch, as a paired batch");
    cmd->add_option("files", a.files, "Two run files (reference, then alternative), or one batch file with --variants")
        ->required()
        ->expected(1, 2);
    cmd->add_option("--variants", a.variants, "With a batch file: the reference variant, then the alternative")
        ->expected(2);
    cmd->add_option("-o,--output", a.output,
                    "Write the comparison as a batch file (summary, export, plot and report read it)");
    cmd->add_flag("--force", a.force, "Overwrite the output file if it exists");
    cmd->add_flag("--csv", a.csv, "Print the indicator table as CSV");
    cmd->add_flag("--names", a.names, "Show the indicators' identifiers instead of labels");
    return cmd;
}

int run_compare_command(const CompareArgs& a, const std::string& command_line) {
    if (a.files.size() == 2 && !a.variants.empty())
        throw CLI::ValidationError("--variants", "compares two variants of one batch file; give one file, not two");
    if (a.files.size() == 1 && a.variants.empty())
        throw CLI::ValidationError("files", "give two run files, or a batch file and --variants REFERENCE ALTERNATIVE");
    RunMetadata meta;
    meta.program_version = kVersion;
    meta.git_commit = kGitCommit;
    meta.command_line = command_line;
    meta.threads = 1;
    meta.created_utc = utc_now_iso8601();

    Scratch scratch;
    std::string target = a.output;
    if (target.empty()) {
        // Printed only: the file goes to the temporary folder and is removed.
        target = (fs::temp_directory_path() / ("greenshift-compare-" + std::to_string(::getpid()) + ".h5")).string();
        scratch.path = target;
    } else {
        check_output_target(target, a.force, a.files);
    }
    const std::string temporary = claim_temporary(target);
    CompareSummary what;
    try {
        what = a.variants.empty() ? compare_run_files(a.files[0], a.files[1], temporary, meta)
                                  : compare_batch_variants(a.files[0], a.variants[0], a.variants[1], temporary, meta);
        publish_file(temporary, target, {.replace = a.force || !scratch.path.empty()});
    } catch (...) {
        std::error_code ec;
        fs::remove(temporary, ec);
        throw;
    }
    const SummaryTable t = read_summary(target);
    if (a.csv) {
        write_summary_csv(t, std::cout);
    } else {
        print_summary(t, std::cout, {a.names});
        if (!a.output.empty())
            std::cout << "\nWritten to " << a.output << ": greenshift report " << a.output
                      << " -o REPORT.html draws its figures and report.\n";
    }
    std::cerr << "compared " << what.alternative << " against " << what.reference << " (" << what.pairs
              << (what.pairs == 1 ? " pair" : " pairs") << " of runs)\n";
    return exit_code::ok;
}

}  // namespace greenshift::cli
