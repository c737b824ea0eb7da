// Tidy tables of a greenshift file (run or batch), as `greenshift export` writes them
// (docs/output.md, "Export"): one table per group and set of dimensions; columns are
// the coordinates first (each dimension followed by its auxiliary coordinates, the
// names listed in the variables' CF `coordinates` attribute), then the variables;
// one row per element. A selection keeps some variables, years and statistics.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/hdf5.hpp"

namespace greenshift {

// What to export; an empty list keeps everything.
struct ExportSelection {
    std::vector<std::string> groups;      // batch: summary, runs, statistics, effects, effect_statistics, ...
    std::vector<std::string> variables;   // by name, in every group that has them
    std::vector<std::int32_t> years;      // steps whose `year` (the year the step starts) is listed
    std::vector<std::string> statistics;  // mean, p5, ... of the statistic axes
};

// A selection naming what the file does not have (a usage error, not a bad file).
class SelectionError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct TableColumn {
    enum class Kind { text, integer, real, date };
    std::string name;
    Kind kind = Kind::text;
    bool coordinate = false;
    std::string units, long_name;
};
const char* kind_name(TableColumn::Kind kind);  // "text", "integer", "real", "date"

struct TableAxis {
    std::string name;                       // the dimension ("index" for an implicit one)
    std::vector<std::string> aux;           // its auxiliary coordinates, in `coordinates` order
    std::vector<std::size_t> picked;        // selected indices along it, in file order
    std::size_t length = 0;                 // its length in the file
    bool implicit = false;                  // no dimension scale: labelled 0, 1, ...
};

struct TablePlan {
    std::string name;        // "runs_run_time_sector": group, then dimensions ("run_..." in a run file)
    std::string group;       // "runs", "budgets", ...; "/" in a run file
    bool key_results = false;  // the summary table as `greenshift summary --csv` prints it
    std::vector<TableAxis> axes;
    std::vector<std::string> variables;
    std::vector<TableColumn> columns;  // coordinates, then variables
    std::uint64_t rows = 0;            // data rows after the selection
    std::uint64_t leading_rows() const { return axes.empty() ? 1 : axes[0].picked.size(); }
};

struct ExportPlan {
    std::string path;
    bool batch = false;
    // Every group of a batch file, in the order written (a run file: its root), the key
    // results first; a group's datasets over dimensions without a coordinate are tables
    // of their own, indexed 0, 1, ... when 1-d, else left out with a note.
    std::vector<TablePlan> tables;
    std::vector<std::string> notes;  // what the selection left out and why
};

// Opens `path` (a run or batch file written by greenshift; InputError otherwise).
hdf5::File open_export_input(const std::string& path);

// The tables of `file` that `selection` keeps. Throws SelectionError naming a
// group, variable, year or statistic that the file does not have, or a selection
// that keeps no table.
ExportPlan plan_export(const hdf5::File& file, const ExportSelection& selection);

// Writes `table` as CSV to `out`: a header row, then its rows; numbers as the
// shortest text that reads back to the same double, NaN as an empty field, time
// as an ISO date, codes of a variable with CF flag_meanings as their words.
// `advance(rows)` is called after each block of rows written.
void write_table_csv(const hdf5::File& file, const ExportPlan& plan, const TablePlan& table, std::ostream& out,
                     const std::function<void(std::uint64_t rows)>& advance = {});

}  // namespace greenshift
