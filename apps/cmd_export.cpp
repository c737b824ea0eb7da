// greenshift export FILE.h5 (--csv DIR | --xlsx BOOK.xlsx | --tidy RUNS.csv) [--groups G]
// [--vars V] [--years Y] [--stats S] [--force] [-q]: tidy tables of a batch or run file
// (io/table_export.hpp) as CSV files or as one Excel workbook, or a batch's per-run
// indicators as one CSV (io/run_table.hpp). The CSV folder is
// written whole under a temporary name and renamed (io/atomic_output.hpp); the
// workbook is assembled by apps/greenshift_xlsx.py (python3-xlsxwriter) from the same
// tables, written first to a scratch folder beside it.
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "apps/commands.hpp"
#include "apps/exit_codes.hpp"
#include "apps/progress.hpp"
#include "apps/python_script.hpp"
#include "io/atomic_output.hpp"
#include "io/input_error.hpp"
#include "io/run_table.hpp"
#include "io/table_export.hpp"

namespace greenshift::cli {

namespace {

namespace fs = std::filesystem;

// Excel's sheet: 1,048,576 rows, the header included.
constexpr std::uint64_t kExcelRows = 1048576;

// "2020", "2025-2030" -> years.
std::vector<std::int32_t> parse_years(const std::vector<std::string>& items) {
    std::vector<std::int32_t> out;
    for (const std::string& item : items) {
        const auto bad = [&item](const std::string& why) {
            return CLI::ValidationError("--years", "'" + item + "' " + why + " (give years or ranges: 2020,2025-2030)");
        };
        const std::size_t dash = item.find('-', 1);
        try {
            std::size_t used = 0;
            const int first = std::stoi(item, &used);
            if (dash == std::string::npos) {
                if (used != item.size()) throw bad("is not a year");
                out.push_back(first);
                continue;
            }
            if (used != dash) throw bad("is not a year or a range");
            const std::string rest = item.substr(dash + 1);
            const int last = std::stoi(rest, &used);
            if (used != rest.size()) throw bad("is not a range of years");
            if (last < first) throw bad("ends before it starts");
            if (last - first > 10000) throw bad("spans more than 10,000 years");
            for (int y = first; y <= last; ++y) out.push_back(y);
        } catch (const std::logic_error&) {  // stoi: not a number, or out of range
            throw bad("is not a year");
        }
    }
    return out;
}

ExportSelection selection_of(const ExportArgs& a) {
    ExportSelection s;
    s.groups = a.groups;
    s.variables = a.variables;
    s.years = parse_years(a.years);
    s.statistics = a.statistics;
    return s;
}

ExportPlan plan_or_usage_error(const hdf5::File& file, const ExportSelection& s) {
    try {
        return plan_export(file, s);
    } catch (const SelectionError& e) {
        throw CLI::ValidationError(e.what());
    }
}

std::string tsv_field(std::string s) {
    for (char& c : s)
        if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    return s;
}

// Writes every table of `plan` as <name>.csv into `folder`; returns the rows written.
// Errors name `output`, the export being written, and the table.
std::uint64_t write_tables(const hdf5::File& file, const ExportPlan& plan, const fs::path& folder,
                           const std::string& output, bool quiet, const std::string& label) {
    std::uint64_t total = 0;
    for (const TablePlan& t : plan.tables) total += t.rows;
    Progress progress(label, static_cast<std::int64_t>(total), !quiet);
    std::uint64_t done = 0;
    for (const TablePlan& t : plan.tables) {
        const fs::path path = folder / (t.name + ".csv");
        const auto failed = [&](const char* what) {
            return OutputError("cannot " + std::string(what) + " " + output + " (table " + t.name +
                               "): " + (errno != 0 ? std::strerror(errno) : "write error") + "; nothing written");
        };
        errno = 0;
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        if (!out) throw failed("create");
        write_table_csv(file, plan, t, out, [&](std::uint64_t rows) {
            done += rows;
            progress.update(static_cast<std::int64_t>(done), t.name);
            if (!out) throw failed("write");
        });
        out.close();
        if (!out) throw failed("write");
    }
    return done;
}

// What greenshift_xlsx.py reads besides the CSV files: one line per record, fields
// separated by tabs.
void write_manifest(const ExportPlan& plan, const ExportSelection& s, const fs::path& folder) {
    std::ofstream out(folder / "tables.tsv", std::ios::binary | std::ios::trunc);
    out << "greenshift-tables\t1\n";
    out << "source\t" << tsv_field(plan.path) << "\t" << (plan.batch ? "batch" : "run") << "\n";
    const auto list = [](const auto& items) {
        std::string text;
        for (const auto& x : items) {
            std::ostringstream one;
            one << x;
            text += (text.empty() ? "" : ",") + one.str();
        }
        return text.empty() ? std::string("all") : text;
    };
    out << "selection\t" << tsv_field(list(s.groups)) << "\t" << tsv_field(list(s.variables)) << "\t"
        << tsv_field(list(s.years)) << "\t" << tsv_field(list(s.statistics)) << "\n";
    for (const std::string& n : plan.notes) out << "note\t" << tsv_field(n) << "\n";
    for (const TablePlan& t : plan.tables) {
        out << "table\t" << tsv_field(t.name) << "\t" << tsv_field(t.group) << "\t" << t.rows << "\t"
            << tsv_field(t.name + ".csv") << "\n";
        for (const TableColumn& c : t.columns) {
            const bool dimension = std::any_of(t.axes.begin(), t.axes.end(), [&c](const TableAxis& x) {
                return x.name == c.name;
            }) || (t.key_results && c.coordinate);
            const char* role = !c.coordinate ? "variable" : dimension ? "dimension" : "auxiliary";
            out << "column\t" << tsv_field(c.name) << "\t" << kind_name(c.kind) << "\t" << role << "\t"
                << tsv_field(c.units) << "\t" << tsv_field(c.long_name) << "\n";
        }
    }
    out.close();
    if (!out) throw OutputError("cannot write " + (folder / "tables.tsv").string());
}

// A folder for intermediate files, removed when done.
class ScratchFolder {
public:
    explicit ScratchFolder(const fs::path& beside) {
        const fs::path abs = fs::absolute(beside).lexically_normal();
        path_ = abs.parent_path() / ("." + abs.filename().string() + ".tables." + std::to_string(::getpid()));
        std::error_code ec;
        if (!fs::create_directory(path_, ec) || ec)
            throw OutputError("cannot create the scratch folder " + path_.string() + ": " +
                              (ec ? ec.message() : std::string("it exists")));
    }
    ScratchFolder(const ScratchFolder&) = delete;
    ScratchFolder& operator=(const ScratchFolder&) = delete;
    ~ScratchFolder() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

void excel_notes(const ExportPlan& plan) {
    for (const TablePlan& t : plan.tables)
        if (t.rows + 1 > kExcelRows)
            std::cerr << "note: " << t.name << ".csv has " << t.rows << " rows, more than Excel opens ("
                      << kExcelRows << " with the header); pandas reads it whole, or select with --vars/--years, or "
                      << "use --xlsx, which splits it across sheets\n";
}

int export_csv(const ExportArgs& a, const hdf5::File& file, const ExportSelection& s) {
    const ExportPlan plan = plan_or_usage_error(file, s);
    AtomicFolder folder(a.csv_dir, a.force, ".csv", {a.file});
    const std::uint64_t rows = write_tables(file, plan, folder.temporary(), folder.target(), a.quiet, "export csv");
    folder.commit();
    for (const TablePlan& t : plan.tables) std::cout << (fs::path(folder.target()) / (t.name + ".csv")).string() << "\n";
    std::uintmax_t bytes = 0;
    std::error_code ec;
    for (const TablePlan& t : plan.tables) bytes += fs::file_size(fs::path(folder.target()) / (t.name + ".csv"), ec);
    std::cerr << "wrote " << plan.tables.size() << " CSV files, " << rows << " rows, " << (bytes + 512 * 1024) / (1024 * 1024)
              << " MiB, to " << folder.target() << "\n";
    for (const std::string& n : plan.notes) std::cerr << "note: " << n << "\n";
    excel_notes(plan);
    return exit_code::ok;
}

int export_xlsx(const ExportArgs& a, const hdf5::File& file, const ExportSelection& s) {
    if (fs::path(a.xlsx).extension() != ".xlsx")
        throw CLI::ValidationError("--xlsx", "'" + a.xlsx + "': give a name ending in .xlsx (Excel opens a workbook by "
                                             "its extension)");
    ExportPlan plan = plan_or_usage_error(file, s);
    if (s.groups.empty() && plan.batch) {
        // Per-run tables reach millions of rows in a batch: the workbook holds the key
        // results, the statistics and the other tables over variants unless the runs
        // are asked for.
        const auto per_run = [](const TablePlan& t) {
            return std::any_of(t.axes.begin(), t.axes.end(), [](const TableAxis& axis) { return axis.name == "run"; });
        };
        std::set<std::string> groups_left_out;
        for (const TablePlan& t : plan.tables)
            if (per_run(t)) groups_left_out.insert(t.group);
        std::erase_if(plan.tables, per_run);
        if (plan.tables.empty()) throw CLI::ValidationError("--xlsx", "the selection keeps only per-run tables; name their groups with --groups");
        if (!groups_left_out.empty()) {
            std::string names;
            for (const std::string& g : groups_left_out) names += (names.empty() ? "" : ",") + g;
            plan.notes.push_back("tables per run (groups " + names + ") are left out by default: add them with --groups");
        }
    }
    AtomicFile book(a.xlsx, a.force, {a.file});
    const ScratchFolder scratch(a.xlsx);
    write_tables(file, plan, scratch.path(), book.target(), a.quiet, "export tables");
    write_manifest(plan, s, scratch.path());
    std::vector<std::string> args = {scratch.path().string(), book.temporary(), "--name", book.target()};
    if (a.quiet) args.emplace_back("--quiet");
    const int rc = run_python_script(python_script("greenshift_xlsx.py"), args,
                                     "xlsxwriter (apt-get install python3-xlsxwriter)");
    if (rc != exit_code::ok) return rc;
    book.commit();
    std::cout << book.target() << "\n";
    std::uint64_t rows = 0;
    for (const TablePlan& t : plan.tables) rows += t.rows;
    std::error_code ec;
    std::cerr << "wrote " << book.target() << ": " << plan.tables.size() << " tables, " << rows << " rows, "
              << (fs::file_size(book.target(), ec) + 512 * 1024) / (1024 * 1024) << " MiB\n";
    for (const std::string& n : plan.notes) std::cerr << "note: " << n << "\n";
    return exit_code::ok;
}

// The per-run table, written whole under a temporary name and renamed.
int export_tidy(const ExportArgs& a, const hdf5::File& file) {
    AtomicFile table(a.tidy, a.force, {a.file});
    errno = 0;
    std::ofstream out(table.temporary(), std::ios::binary | std::ios::trunc);
    const auto failed = [&](const char* what) {
        return OutputError("cannot " + std::string(what) + " " + table.target() + ": " +
                           (errno != 0 ? std::strerror(errno) : "write error") + "; nothing written");
    };
    if (!out) throw failed("create");
    const std::uint64_t rows = write_run_table_csv(file, a.file, out);
    out.close();
    if (!out) throw failed("write");
    table.commit();
    std::cout << table.target() << "\n";
    std::cerr << "wrote " << table.target() << ": " << rows << " runs (each paired run: seed, uncertain values, "
              << "indicators against its baseline)\n";
    return exit_code::ok;
}

}  // namespace

CLI::App* add_export_command(CLI::App& app, ExportArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "export", "Write a batch or run file as tidy tables: CSV files (pandas, R) or an Excel workbook");
    cmd->add_option("file", a.file, "File written by `greenshift batch`, `merge` or `run`")->required();
    cmd->add_option("--csv", a.csv_dir,
                    "Folder for the CSV files, written whole: created, or replaced with --force when it holds only "
                    "CSV files")
        ->type_name("DIR");
    cmd->add_option("--xlsx", a.xlsx,
                    "Excel workbook to write: the key results first, then one sheet per table (split where a table "
                    "passes Excel's 1,048,576 rows); a batch's per-run tables only with --groups")
        ->type_name("FILE");
    cmd->add_option("--tidy", a.tidy,
                    "CSV file of a batch's per-run scalar indicators: one row per run with a baseline (run, variant, "
                    "baseline_run, sample, replicate, seed, each uncertain parameter, each key indicator), for "
                    "OpenTURNS, SALib and the like; --groups, --vars, --years, --stats do not apply")
        ->type_name("FILE");
    cmd->add_option("--groups", a.groups,
                    "Batch groups to export, comma-separated: summary, runs, statistics, effects, effect_statistics "
                    "(default: all for CSV; summary, statistics, effect_statistics for --xlsx)")
        ->delimiter(',')
        ->type_name("LIST");
    cmd->add_option("--vars", a.variables, "Variables to export, comma-separated (default: all)")
        ->delimiter(',')
        ->type_name("LIST");
    cmd->add_option("--years", a.years,
                    "Steps to export by the year they start in, comma-separated years or ranges: 2020,2025-2030 "
                    "(stocks are at the end of the step)")
        ->delimiter(',')
        ->type_name("LIST");
    cmd->add_option("--stats", a.statistics,
                    "Statistics to export, comma-separated: mean, p5, p25, p50, p75, p95 (default: all)")
        ->delimiter(',')
        ->type_name("LIST");
    cmd->add_flag("--force", a.force, "Replace an earlier export (a CSV folder holding only CSV files, or the workbook)");
    cmd->add_flag("-q,--quiet", a.quiet, "No progress line");
    return cmd;
}

int run_export_command(const ExportArgs& a) {
    if (a.csv_dir.empty() && a.xlsx.empty() && a.tidy.empty())
        throw CLI::ValidationError("export", "give --csv DIR, --xlsx FILE, --tidy FILE, or several");
    const ExportSelection s = selection_of(a);
    const hdf5::File file = open_export_input(a.file);
    if (!a.tidy.empty()) {
        const int rc = export_tidy(a, file);
        if (rc != exit_code::ok || (a.csv_dir.empty() && a.xlsx.empty())) return rc;
    }
    if (!a.csv_dir.empty()) {
        const int rc = export_csv(a, file, s);
        if (rc != exit_code::ok) return rc;
    }
    if (!a.xlsx.empty()) return export_xlsx(a, file, s);
    return exit_code::ok;
}

}  // namespace greenshift::cli
