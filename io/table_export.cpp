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
#include "io/hdf5_input.hpp"
#include "io/input_error.hpp"
#include "io/interrupt.hpp"
#include "io/run_reader.hpp"

namespace greenshift {

namespace {

// The groups directly under the root, in the order they were written (creation order
// is tracked in every greenshift file).
std::vector<std::string> list_groups(const hdf5::Location& where) {
    std::vector<std::string> names;
    hsize_t index = 0;
    const herr_t status = H5Literate(
        where.id(), H5_INDEX_CRT_ORDER, H5_ITER_INC, &index,
        [](hid_t group, const char* name, const H5L_info_t* info, void* data) -> herr_t {
            if (info->type != H5L_TYPE_HARD) return 0;  // links to elsewhere are not followed
            const hid_t object = H5Oopen(group, name, H5P_DEFAULT);
            if (object < 0) return -1;
            const bool is_group = H5Iget_type(object) == H5I_GROUP;
            H5Oclose(object);
            if (is_group) static_cast<std::vector<std::string>*>(data)->emplace_back(name);
            return 0;
        },
        &names);
    if (status < 0) throw InputError(where.file_name(), 0, 0, "cannot list the groups of " + where.path());
    return names;
}

// The datasets the key results table (summary --csv) already holds.
bool in_key_results(const std::string& group, const std::string& name) {
    return group == "summary" && (name == "value" || name == "valid_runs");
}

// The words of a CF flag variable (flag_meanings, with flag_values or 0, 1, ...) by code.
std::map<std::int64_t, std::string> flag_words(const hdf5::Dataset& d) {
    std::map<std::int64_t, std::string> out;
    if (!hdf5::has_attribute(d, "flag_meanings")) return out;
    std::vector<std::string> meanings;
    std::istringstream in(hdf5::read_text_attribute(d, "flag_meanings"));
    for (std::string w; in >> w;) meanings.push_back(w);
    std::vector<std::int64_t> values;
    if (hdf5::has_attribute(d, "flag_values")) {
        const hdf5::Attribute a = hdf5::Attribute::of(H5Aopen(d.id(), "flag_values", H5P_DEFAULT));
        const hdf5::Dataspace space = hdf5::Dataspace::of(H5Aget_space(a.id()));
        values.resize(space.points());
        if (values.empty() || H5Aread(a.id(), H5T_NATIVE_INT64, values.data()) < 0) values.clear();
    }
    if (values.empty())
        for (std::size_t i = 0; i < meanings.size(); ++i) values.push_back(static_cast<std::int64_t>(i));
    for (std::size_t i = 0; i < meanings.size() && i < values.size(); ++i) out[values[i]] = meanings[i];
    return out;
}

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
    std::map<std::string, TableAxis> axes;  // by dimension; implicit axes by "\x01" + dataset name
    std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> sets;
    std::vector<std::string> left_out;  // datasets over several axes, one without a coordinate
};

GroupLayout layout_of(const hdf5::Location& g) {
    // Every axis as long as its dimension scale, so that a row read has the length
    // the scales give (io/hdf5_input.hpp).
    check_dimensions(g);
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
        const bool unnamed = std::any_of(e.dims.begin(), e.dims.end(), [&out](const std::string& d) {
            return d.empty() || out.axes.count(d) == 0;
        });
        if (unnamed && e.dims.size() == 1) {
            // a list of its own (a dataset of sentences, say): indexed 0, 1, ...
            const std::string key = "\x01" + e.name;
            TableAxis& a = out.axes[key];
            a.name = "index";
            a.implicit = true;
            a.length = static_cast<std::size_t>(e.shape[0]);
            out.sets.emplace_back(std::vector<std::string>{key}, std::vector<std::string>{e.name});
            continue;
        }
        if (unnamed) {
            out.left_out.push_back(e.name);
            continue;
        }
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
    p.key_results = true;
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
    return open_input(path, {FileKind::run, FileKind::batch}, "export").file;
}

ExportPlan plan_export(const hdf5::File& file, const ExportSelection& sel) {
    ExportPlan plan;
    plan.path = file.name();
    plan.batch = hdf5::has_attribute(file, "batch_identity") && file.contains("runs");

    std::vector<std::string> groups;  // those present, in export order: the key results first
    if (plan.batch) {
        groups = list_groups(file);
        const auto summary = std::find(groups.begin(), groups.end(), "summary");
        if (summary != groups.end()) std::rotate(groups.begin(), summary, summary + 1);
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
        if (gname == "summary") plan.tables.push_back(summary_table(plan.path));
        const hdf5::Group g = hdf5::Group::open(file, gname);
        GroupLayout layout = layout_of(g);
        for (const std::string& name : layout.left_out)
            plan.notes.push_back(gname + "/" + name + " is not exported: one of its axes has no coordinate");
        for (auto& [name, axis] : layout.axes) {
            axis.picked.clear();
            const bool by_year = name == "year" ||
                                 (name == "time" && std::find(axis.aux.begin(), axis.aux.end(), "year") != axis.aux.end());
            if (!axis.implicit && by_year) {
                // steps by the year they start in (time with its year), or a yearly axis
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
                if (in_key_results(gname, v)) continue;
                variables_seen.insert(v);
                if (sel.variables.empty() || std::find(sel.variables.begin(), sel.variables.end(), v) != sel.variables.end())
                    vars.push_back(v);
            }
            if (vars.empty()) continue;
            TablePlan t;
            t.group = gname;
            t.name = gname == "/" ? "run" : gname;
            for (const std::string& d : dims) t.name += "_" + (layout.axes.at(d).implicit ? vars[0] : d);
            t.variables = vars;
            t.rows = 1;
            for (const std::string& d : dims) {
                const TableAxis& a = layout.axes.at(d);
                t.axes.push_back(a);
                t.rows *= a.picked.size();
                if (a.implicit) {
                    t.columns.push_back({"index", TableColumn::Kind::integer, true, "", "position in the list, from 0"});
                    continue;
                }
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
                const H5T_class_t c = H5Tget_class(ds.type().id());
                const TableColumn::Kind kind = c == H5T_STRING ? TableColumn::Kind::text
                                               : c != H5T_INTEGER ? TableColumn::Kind::real
                                               : flag_words(ds).empty() ? TableColumn::Kind::integer
                                                                        : TableColumn::Kind::text;
                t.columns.push_back({v, kind, false, text_attribute(ds, "units"), text_attribute(ds, "long_name")});
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
                             " no statistic axis (a batch file's statistics, effect_statistics, ... have)");
    for (const std::string& s : sel.statistics)
        if (statistics_seen.count(s) == 0)
            throw SelectionError("--stats: no statistic \"" + s + "\"; the file has " +
                                 joined(std::vector<std::string>(statistics_seen.begin(), statistics_seen.end())));
    if (plan.tables.empty()) throw SelectionError(plan.path + ": the selection keeps no table");
    if (!sel.statistics.empty() && std::any_of(plan.tables.begin(), plan.tables.end(),
                                               [](const TablePlan& t) { return t.key_results; }))
        plan.notes.push_back("the key results (summary.csv) keep every statistic they have: --stats selects along "
                             "the statistic axes of the other tables");
    return plan;
}

void write_table_csv(const hdf5::File& file, const ExportPlan& plan, const TablePlan& t, std::ostream& out,
                     const std::function<void(std::uint64_t)>& advance) {
    if (t.key_results) {
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
        if (t.axes[a].implicit) {
            for (std::size_t i = 0; i < t.axes[a].length; ++i) labels[a].push_back(std::to_string(i));
            continue;
        }
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
    std::vector<bool> whole, text;
    std::vector<std::map<std::int64_t, std::string>> words;  // by variable: flag words, if any
    std::vector<std::vector<std::string>> strings(t.variables.size());  // string variables, read whole
    for (std::size_t k = 0; k < t.variables.size(); ++k) {
        data.push_back(hdf5::Dataset::open(g, t.variables[k]));
        const H5T_class_t c = H5Tget_class(data.back().type().id());
        text.push_back(c == H5T_STRING);
        whole.push_back(c == H5T_INTEGER);
        words.push_back(whole.back() ? flag_words(data.back()) : std::map<std::int64_t, std::string>{});
        if (text.back()) strings[k] = hdf5::read_strings(g, t.variables[k]);
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
        stop_if_requested();
        const std::size_t row = t.axes.empty() ? 0 : t.axes[0].picked[r];
        for (std::size_t k = 0; k < t.variables.size(); ++k) {
            if (text[k]) continue;
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
                if (text[k]) {
                    const std::size_t at = row * per_row + offset;
                    line += csv_field(at < strings[k].size() ? strings[k][at] : std::string());
                } else if (!whole[k]) {
                    line += csv_number(real[k][offset]);
                } else if (const auto w = words[k].find(counts[k][offset]); w != words[k].end()) {
                    line += csv_field(w->second);
                } else {
                    line += std::to_string(counts[k][offset]);
                }
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
