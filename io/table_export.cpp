#include "io/table_export.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "greenshift/version.hpp"
#include "io/batch_reader.hpp"
#include "io/batch_writer.hpp"
#include "io/csv_text.hpp"
#include "io/input_error.hpp"
#include "io/run_reader.hpp"

namespace greenshift {

namespace {

// The groups of a batch file, in the order they are exported (summary first).
const char* const kBatchGroups[] = {"summary", "runs", "statistics", "effects", "effect_statistics"};

// "days since YYYY-01-01 ..." + days -> "YYYY-MM-DD".
std::string iso_date(const std::string& units, double days) {
    int year = 0;
    if (std::sscanf(units.c_str(), "days since %d-", &year) != 1) return csv_number(days);
    using namespace std::chrono;
    const sys_days d =
        sys_days(std::chrono::year(year) / January / 1) + std::chrono::days(static_cast<long>(std::floor(days)));
    const year_month_day ymd(d);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    return buf;
}

TableColumn::Kind kind_of(const hdf5::Dataset& d, const std::string& name) {
    const H5T_class_t c = H5Tget_class(d.type().id());
    if (c == H5T_STRING) return TableColumn::Kind::text;
    if (c == H5T_INTEGER) return TableColumn::Kind::integer;
    if (name == "time" && hdf5::has_attribute(d, "units")) return TableColumn::Kind::date;
    return TableColumn::Kind::real;
}

std::string text_attribute(const hdf5::Dataset& d, const char* name) {
    return hdf5::has_attribute(d, name) ? hdf5::read_text_attribute(d, name) : std::string();
}

// A 1-d dataset as text, one label per element (dates for time, digits for integers).
std::vector<std::string> as_text(const hdf5::Location& g, const std::string& name) {
    const hdf5::Dataset d = hdf5::Dataset::open(g, name);
    const H5T_class_t c = H5Tget_class(d.type().id());
    std::vector<std::string> out;
    if (c == H5T_STRING) return hdf5::read_strings(g, name);
    if (c == H5T_INTEGER) {
        if (H5Tget_sign(d.type().id()) == H5T_SGN_NONE)
            for (const auto x : hdf5::read_array<std::uint64_t>(g, name).values) out.push_back(std::to_string(x));
        else
            for (const auto x : hdf5::read_array<std::int64_t>(g, name).values) out.push_back(std::to_string(x));
        return out;
    }
    const std::vector<double> v = hdf5::read_array<double>(g, name).values;
    const std::string units = text_attribute(d, "units");
    for (const double x : v) out.push_back(name == "time" && !units.empty() ? iso_date(units, x) : csv_number(x));
    return out;
}

std::vector<std::string> words(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

// The datasets of one group: its dimensions (with their auxiliary coordinates) and
// its variables, grouped by dimensions in creation order.
struct GroupLayout {
    std::map<std::string, TableAxis> axes;
    std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> sets;
};

GroupLayout layout_of(const hdf5::Location& g) {
    GroupLayout out;
    struct Entry {
        std::string name;
        std::vector<std::string> dims;
        std::vector<hsize_t> shape;
        bool scale;
    };
    std::vector<Entry> entries;
    std::vector<std::string> listed;  // names in the `coordinates` attributes, first appearance first
    for (const std::string& name : list_datasets(g)) {
        const hdf5::Dataset d = hdf5::Dataset::open(g, name);
        entries.push_back({name, dimension_names(d), d.shape(), hdf5::is_dimension_scale(d)});
        for (const std::string& w : words(text_attribute(d, "coordinates")))
            if (std::find(listed.begin(), listed.end(), w) == listed.end()) listed.push_back(w);
    }
    for (const Entry& e : entries)
        if (e.scale) {
            TableAxis& a = out.axes[e.name];
            a.name = e.name;
            a.length = e.shape.empty() ? 1 : static_cast<std::size_t>(e.shape[0]);
        }
    std::set<std::string> aux;
    for (const std::string& name : listed) {
        const auto it = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.name == name; });
        if (it == entries.end() || it->scale || it->dims.size() != 1 || out.axes.count(it->dims[0]) == 0) continue;
        out.axes[it->dims[0]].aux.push_back(name);
        aux.insert(name);
    }
    for (const Entry& e : entries) {
        if (e.scale || aux.count(e.name) != 0) continue;
        for (std::size_t a = 0; a < e.dims.size(); ++a)
            if (e.dims[a].empty() || out.axes.count(e.dims[a]) == 0)
                throw InputError(g.file_name(), 0, 0,
                                 g.path() + "/" + e.name + ": axis " + std::to_string(a) + " has no coordinate");
        auto it = std::find_if(out.sets.begin(), out.sets.end(), [&](const auto& s) { return s.first == e.dims; });
        if (it == out.sets.end()) {
            out.sets.emplace_back(e.dims, std::vector<std::string>{});
            it = out.sets.end() - 1;
        }
        it->second.push_back(e.name);
    }
    return out;
}

std::string joined(const std::vector<std::string>& items, std::size_t at_most = 1000) {
    std::string s;
    for (std::size_t i = 0; i < items.size() && i < at_most; ++i) s += (i ? ", " : "") + items[i];
    if (items.size() > at_most) s += ", ... (" + std::to_string(items.size()) + " in all)";
    return s;
}

// The summary table as `greenshift summary --csv` prints it.
TablePlan summary_table(const std::string& path) {
    const SummaryTable t = read_summary(path);
    std::ostringstream csv;
    write_summary_csv(t, csv);
    TablePlan p;
    p.name = "summary";
    p.group = "summary";
    p.rows = static_cast<std::uint64_t>(t.variants.size()) * t.indicators.size();
    const std::string header = csv.str().substr(0, csv.str().find('\n'));
    std::istringstream in(header);
    for (std::string name; std::getline(in, name, ',');) {
        TableColumn c;
        c.name = name;
        if (std::find(t.statistics.begin(), t.statistics.end(), name) != t.statistics.end()) c.kind = TableColumn::Kind::real;
        else if (name == "valid_runs") c.kind = TableColumn::Kind::integer;
        c.coordinate = name == "variant" || name == "indicator";
        p.columns.push_back(std::move(c));
    }
    return p;
}

}  // namespace

const char* kind_name(TableColumn::Kind kind) {
    switch (kind) {
        case TableColumn::Kind::text: return "text";
        case TableColumn::Kind::integer: return "integer";
        case TableColumn::Kind::real: return "real";
        case TableColumn::Kind::date: return "date";
    }
    return "text";
}

hdf5::File open_export_input(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw InputError(path, 0, 0, "no such file");
    if (std::filesystem::is_directory(path, ec)) throw InputError(path, 0, 0, "is a folder, not a greenshift file");
    hdf5::File file = hdf5::File::open_read_only(path);
    if (!hdf5::has_attribute(file, "program") || hdf5::read_text_attribute(file, "program") != "greenshift")
        throw InputError(path, 0, 0, "not a greenshift file (no root attribute program = \"greenshift\")");
    hdf5::check_format_version(file, kFormatVersion);
    return file;
}

ExportPlan plan_export(const hdf5::File& file, const ExportSelection& sel) {
    ExportPlan plan;
    plan.path = file.name();
    plan.batch = hdf5::has_attribute(file, "batch_identity") && file.contains("runs");

    std::vector<std::string> groups;  // those present, in export order
    if (plan.batch) {
        for (const char* g : kBatchGroups)
            if (file.contains(g)) groups.emplace_back(g);
    } else {
        groups.emplace_back("/");
    }
    if (!sel.groups.empty()) {
        if (!plan.batch)
            throw SelectionError("--groups: " + plan.path + " is a run file; its variables are all in one group "
                                 "(--groups is for batch files)");
        for (const std::string& g : sel.groups)
            if (std::find(groups.begin(), groups.end(), g) == groups.end())
                throw SelectionError("--groups: " + plan.path + " has no group \"" + g + "\"; it has " + joined(groups));
        std::erase_if(groups, [&](const std::string& g) {
            return std::find(sel.groups.begin(), sel.groups.end(), g) == sel.groups.end();
        });
    }

    std::set<std::string> variables_seen, statistics_seen;
    std::set<std::int32_t> years_seen;
    bool has_statistic_axis = false;
    for (const std::string& gname : groups) {
        if (gname == "summary") {
            plan.tables.push_back(summary_table(plan.path));
            continue;
        }
        const hdf5::Group g = hdf5::Group::open(file, gname);
        GroupLayout layout = layout_of(g);
        for (auto& [name, axis] : layout.axes) {
            axis.picked.clear();
            if (name == "time" && std::find(axis.aux.begin(), axis.aux.end(), "year") != axis.aux.end()) {
                const std::vector<std::int32_t> year = hdf5::read_array<std::int32_t>(g, "year").values;
                years_seen.insert(year.begin(), year.end());
                for (std::size_t i = 0; i < year.size(); ++i)
                    if (sel.years.empty() || std::find(sel.years.begin(), sel.years.end(), year[i]) != sel.years.end())
                        axis.picked.push_back(i);
            } else if (name == "statistic") {
                has_statistic_axis = true;
                const std::vector<std::string> stats = hdf5::read_strings(g, "statistic");
                statistics_seen.insert(stats.begin(), stats.end());
                for (std::size_t i = 0; i < stats.size(); ++i)
                    if (sel.statistics.empty() ||
                        std::find(sel.statistics.begin(), sel.statistics.end(), stats[i]) != sel.statistics.end())
                        axis.picked.push_back(i);
            } else {
                for (std::size_t i = 0; i < axis.length; ++i) axis.picked.push_back(i);
            }
        }
        for (const auto& [dims, all_vars] : layout.sets) {
            std::vector<std::string> vars;
            for (const std::string& v : all_vars) {
                variables_seen.insert(v);
                if (sel.variables.empty() || std::find(sel.variables.begin(), sel.variables.end(), v) != sel.variables.end())
                    vars.push_back(v);
            }
            if (vars.empty()) continue;
            TablePlan t;
            t.group = gname;
            t.name = gname == "/" ? "run" : gname;
            for (const std::string& d : dims) t.name += "_" + d;
            t.variables = vars;
            t.rows = 1;
            for (const std::string& d : dims) {
                const TableAxis& a = layout.axes.at(d);
                t.axes.push_back(a);
                t.rows *= a.picked.size();
                const hdf5::Dataset scale = hdf5::Dataset::open(g, d);
                t.columns.push_back({d, kind_of(scale, d), true, "", text_attribute(scale, "long_name")});
                for (const std::string& x : a.aux) {
                    const hdf5::Dataset ds = hdf5::Dataset::open(g, x);
                    t.columns.push_back({x, kind_of(ds, x), true, text_attribute(ds, "units"),
                                         text_attribute(ds, "long_name")});
                }
            }
            for (const std::string& v : vars) {
                const hdf5::Dataset ds = hdf5::Dataset::open(g, v);
                const bool whole = H5Tget_class(ds.type().id()) == H5T_INTEGER;
                t.columns.push_back({v, whole ? TableColumn::Kind::integer : TableColumn::Kind::real, false,
                                     text_attribute(ds, "units"), text_attribute(ds, "long_name")});
            }
            if (t.rows > 0) plan.tables.push_back(std::move(t));
        }
    }

    for (const std::string& v : sel.variables)
        if (variables_seen.count(v) == 0)
            throw SelectionError("--vars: no variable \"" + v + "\" in " +
                                 (sel.groups.empty() ? plan.path : "the groups selected") + "; variables: " +
                                 joined(std::vector<std::string>(variables_seen.begin(), variables_seen.end())));
    for (const std::int32_t y : sel.years)
        if (years_seen.count(y) == 0)
            throw SelectionError("--years: no step starts in " + std::to_string(y) + " in " + plan.path +
                                 (years_seen.empty() ? std::string(" (it has no time axis)")
                                                     : " (its steps start in " + std::to_string(*years_seen.begin()) +
                                                           "-" + std::to_string(*years_seen.rbegin()) + ")"));
    if (!sel.statistics.empty() && !has_statistic_axis)
        throw SelectionError("--stats: " + plan.path + (plan.batch ? ": the groups selected have" : " is a run file: it has") +
                             " no statistics (they are in a batch file's statistics and effect_statistics groups)");
    for (const std::string& s : sel.statistics)
        if (statistics_seen.count(s) == 0)
            throw SelectionError("--stats: no statistic \"" + s + "\"; the file has " +
                                 joined(std::vector<std::string>(statistics_seen.begin(), statistics_seen.end())));
    if (plan.tables.empty()) throw SelectionError(plan.path + ": the selection keeps no table");
    if (!sel.statistics.empty() && std::any_of(plan.tables.begin(), plan.tables.end(),
                                               [](const TablePlan& t) { return t.group == "summary"; }))
        plan.notes.push_back("the key results (summary) keep every statistic they have: --stats selects the "
                             "statistic axes of the statistics and effect_statistics groups");
    return plan;
}

void write_table_csv(const hdf5::File& file, const ExportPlan& plan, const TablePlan& t, std::ostream& out,
                     const std::function<void(std::uint64_t)>& advance) {
    if (t.group == "summary") {
        write_summary_csv(read_summary(plan.path), out);
        if (advance) advance(t.rows);
        return;
    }
    const hdf5::Group g = hdf5::Group::open(file, t.group);
    // header
    for (std::size_t c = 0; c < t.columns.size(); ++c) out << (c ? "," : "") << csv_field(t.columns[c].name);
    out << "\n";

    // labels of each axis and of its auxiliary coordinates, already as CSV fields
    std::vector<std::vector<std::string>> labels(t.axes.size());
    for (std::size_t a = 0; a < t.axes.size(); ++a) {
        const std::vector<std::string> main = as_text(g, t.axes[a].name);
        std::vector<std::vector<std::string>> aux;
        for (const std::string& x : t.axes[a].aux) aux.push_back(as_text(g, x));
        labels[a].resize(main.size());
        for (std::size_t i = 0; i < main.size(); ++i) {
            std::string s = csv_field(main[i]);
            for (const auto& x : aux) {
                s += ',';
                s += csv_field(i < x.size() ? x[i] : std::string());
            }
            labels[a][i] = std::move(s);
        }
    }

    std::vector<hdf5::Dataset> data;
    std::vector<bool> whole;
    for (const std::string& v : t.variables) {
        data.push_back(hdf5::Dataset::open(g, v));
        whole.push_back(H5Tget_class(data.back().type().id()) == H5T_INTEGER);
    }
    // elements of one leading row in the file, and the stride of each trailing axis
    std::vector<std::size_t> stride(t.axes.size(), 1);
    for (std::size_t a = t.axes.size(); a-- > 1;) stride[a - 1] = stride[a] * t.axes[a].length;
    const std::size_t per_row = t.axes.empty() ? 1 : stride[0];
    std::vector<std::vector<double>> real(t.variables.size());
    std::vector<std::vector<std::int64_t>> counts(t.variables.size());

    std::vector<std::size_t> pos(t.axes.size(), 0);  // position in each axis's picked list
    std::string line;
    for (std::size_t r = 0; r < t.leading_rows(); ++r) {
        const std::size_t row = t.axes.empty() ? 0 : t.axes[0].picked[r];
        for (std::size_t k = 0; k < t.variables.size(); ++k) {
            if (whole[k]) {
                counts[k].resize(per_row);
                if (t.axes.empty()) counts[k] = hdf5::read_array<std::int64_t>(g, t.variables[k]).values;
                else read_row(data[k], row, H5T_NATIVE_INT64, counts[k].data());
            } else {
                real[k].resize(per_row);
                if (t.axes.empty()) real[k] = hdf5::read_array<double>(g, t.variables[k]).values;
                else read_row(data[k], row, H5T_NATIVE_DOUBLE, real[k].data());
            }
        }
        std::uint64_t written = 0;
        std::fill(pos.begin(), pos.end(), 0);
        bool more = true;
        while (more) {
            std::size_t offset = 0;
            line.clear();
            for (std::size_t a = 0; a < t.axes.size(); ++a) {
                const std::size_t i = a == 0 ? row : t.axes[a].picked[pos[a]];
                if (a > 0) {
                    offset += i * stride[a];
                    line += ',';
                }
                line += labels[a][i];
            }
            for (std::size_t k = 0; k < t.variables.size(); ++k) {
                if (!line.empty() || k > 0) line += ',';
                line += whole[k] ? std::to_string(counts[k][offset]) : csv_number(real[k][offset]);
            }
            line += '\n';
            out << line;
            ++written;
            // next element: the last axis fastest
            more = false;
            for (std::size_t a = t.axes.size(); a-- > 1;) {
                if (++pos[a] < t.axes[a].picked.size()) {
                    more = true;
                    break;
                }
                pos[a] = 0;
            }
        }
        if (advance) advance(written);
    }
}

}  // namespace greenshift
