#include "io/batch_reader.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include "greenshift/version.hpp"
#include "io/batch_writer.hpp"
#include "io/input_error.hpp"
#include "io/run_reader.hpp"

namespace greenshift {

namespace {

namespace fs = std::filesystem;

const char* const kGroups[] = {"runs", "statistics", "effects", "effect_statistics"};

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string q = "\"";
    for (const char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

std::string number(double x) {
    if (std::isnan(x)) return "";  // an empty cell: pandas reads NaN, Excel a blank
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", x);
    return buf;
}

// "days since YYYY-01-01 ..." + days -> "YYYY-MM-DD".
std::string iso_date(const std::string& units, double days) {
    int year = 0;
    if (std::sscanf(units.c_str(), "days since %d-", &year) != 1) return number(days);
    using namespace std::chrono;
    const sys_days d = sys_days(std::chrono::year(year) / January / 1) + std::chrono::days(static_cast<long>(std::floor(days)));
    const year_month_day ymd(d);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    return buf;
}

// The labels of a dimension scale as text, and the text of its auxiliary
// coordinates, read once per group.
struct Axis {
    std::string name;
    std::vector<std::string> labels;
    std::vector<std::string> aux_names;
    std::vector<std::vector<std::string>> aux;  // [aux][index]
};

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
    if (name == "time" && hdf5::has_attribute(d, "units")) {
        const std::string units = hdf5::read_text_attribute(d, "units");
        for (const double x : v) out.push_back(iso_date(units, x));
        return out;
    }
    for (const double x : v) out.push_back(number(x));
    return out;
}

struct GroupLayout {
    std::map<std::string, Axis> axes;
    // variables by their dimension tuple, in creation order
    std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> sets;
};

GroupLayout layout_of(const hdf5::Group& g) {
    GroupLayout out;
    std::vector<std::pair<std::string, std::vector<std::string>>> others;
    for (const std::string& name : list_datasets(g)) {
        const hdf5::Dataset d = hdf5::Dataset::open(g, name);
        const std::vector<std::string> dims = dimension_names(d);
        if (hdf5::is_dimension_scale(d)) {
            out.axes[name].name = name;
            out.axes[name].labels = as_text(g, name);
        } else {
            others.emplace_back(name, dims);
        }
    }
    for (const auto& [name, dims] : others) {
        if (dims.size() == 1 && out.axes.count(dims[0]) != 0 && name != "valid_runs") {
            Axis& a = out.axes[dims[0]];
            a.aux_names.push_back(name);
            a.aux.push_back(as_text(g, name));
            continue;
        }
        auto it = std::find_if(out.sets.begin(), out.sets.end(), [&dims = dims](const auto& s) { return s.first == dims; });
        if (it == out.sets.end()) {
            out.sets.emplace_back(dims, std::vector<std::string>{});
            it = out.sets.end() - 1;
        }
        it->second.push_back(name);
    }
    return out;
}

void write_csv(const hdf5::Group& g, const GroupLayout& layout, const std::vector<std::string>& dims,
               const std::vector<std::string>& variables, std::ostream& out) {
    std::vector<const Axis*> axes;
    for (const std::string& d : dims) {
        const auto it = layout.axes.find(d);
        if (it == layout.axes.end()) throw InputError(g.file_name(), 0, 0, "dimension " + d + " has no coordinate in " + g.path());
        axes.push_back(&it->second);
    }
    // header
    std::string header;
    for (const Axis* a : axes) {
        if (!header.empty()) header += ',';
        header += csv_field(a->name);
        for (const std::string& n : a->aux_names) {
            header += ',';
            header += csv_field(n);
        }
    }
    for (const std::string& v : variables) {
        header += ',';
        header += csv_field(v);
    }
    out << header << "\n";

    std::vector<hdf5::Dataset> data;
    std::vector<bool> counts;
    for (const std::string& v : variables) {
        data.push_back(hdf5::Dataset::open(g, v));
        counts.push_back(H5Tget_class(data.back().type().id()) == H5T_INTEGER);
    }
    const std::size_t rows = axes.empty() ? 1 : axes[0]->labels.size();
    std::size_t per_row = 1;
    for (std::size_t a = 1; a < axes.size(); ++a) per_row *= axes[a]->labels.size();
    std::vector<std::vector<double>> real(variables.size());
    std::vector<std::vector<std::int64_t>> whole(variables.size());
    std::vector<std::size_t> index(axes.size(), 0);
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t k = 0; k < variables.size(); ++k) {
            if (counts[k]) {
                whole[k].resize(per_row);
                read_row(data[k], r, H5T_NATIVE_INT64, whole[k].data());
            } else {
                real[k].resize(per_row);
                read_row(data[k], r, H5T_NATIVE_DOUBLE, real[k].data());
            }
        }
        for (std::size_t e = 0; e < per_row; ++e) {
            // the multi-index of element e within the row, last axis fastest
            std::size_t rest = e;
            for (std::size_t a = axes.size(); a-- > 1;) {
                index[a] = rest % axes[a]->labels.size();
                rest /= axes[a]->labels.size();
            }
            if (!axes.empty()) index[0] = r;
            std::string line;
            for (std::size_t a = 0; a < axes.size(); ++a) {
                if (a > 0) line += ',';
                line += csv_field(axes[a]->labels[index[a]]);
                for (const auto& aux : axes[a]->aux) {
                    line += ',';
                    line += csv_field(aux[index[a]]);
                }
            }
            for (std::size_t k = 0; k < variables.size(); ++k) {
                line += ',';
                line += counts[k] ? std::to_string(whole[k][e]) : number(real[k][e]);
            }
            out << line << "\n";
        }
    }
}

}  // namespace

hdf5::File open_batch_file(const std::string& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw InputError(path, 0, 0, "no such file");
    if (fs::is_directory(path, ec)) throw InputError(path, 0, 0, "is a directory, not a batch file");
    hdf5::File file = hdf5::File::open_read_only(path);
    if (!hdf5::has_attribute(file, "program") || hdf5::read_text_attribute(file, "program") != "greenshift")
        throw InputError(path, 0, 0, "not a greenshift file (no root attribute program = \"greenshift\")");
    hdf5::check_format_version(file, kFormatVersion);
    if (!hdf5::has_attribute(file, "batch_identity") || !file.contains("runs"))
        throw InputError(path, 0, 0, "a run file, not a batch file (made by `greenshift run`; use ncdump or xarray)");
    return file;
}

SummaryTable read_summary(const std::string& path) {
    const hdf5::File file = open_batch_file(path);
    SummaryTable t;
    t.runs_per_variant = static_cast<std::int64_t>(hdf5::read_attribute<std::int32_t>(file, "sample_count")) *
                         hdf5::read_attribute<std::int32_t>(file, "replicate_count");
    if (!file.contains("summary")) return t;
    const hdf5::Group g = hdf5::Group::open(file, "summary");
    t.variants = hdf5::read_strings(g, "variant");
    t.indicators = hdf5::read_strings(g, "indicator");
    t.units = hdf5::read_strings(g, "indicator_units");
    t.long_names = hdf5::read_strings(g, "indicator_long_name");
    t.statistics = hdf5::read_strings(g, "statistic");
    t.values = hdf5::read_array<double>(g, "value").values;
    t.valid_runs = hdf5::read_array<std::int64_t>(g, "valid_runs").values;
    if (t.values.size() != t.variants.size() * t.indicators.size() * t.statistics.size() ||
        t.valid_runs.size() != t.variants.size() * t.indicators.size())
        throw InputError(path, 0, 0, "/summary: value or valid_runs does not match its coordinates");
    return t;
}

void write_summary_csv(const SummaryTable& t, std::ostream& out) {
    out << "variant,indicator,units";
    for (const std::string& s : t.statistics) out << "," << csv_field(s);
    out << ",valid_runs,long_name\n";
    for (std::size_t v = 0; v < t.variants.size(); ++v)
        for (std::size_t i = 0; i < t.indicators.size(); ++i) {
            out << csv_field(t.variants[v]) << "," << csv_field(t.indicators[i]) << "," << csv_field(t.units[i]);
            for (std::size_t s = 0; s < t.statistics.size(); ++s) out << "," << number(t.value(v, i, s));
            out << "," << t.valid_runs[v * t.indicators.size() + i] << "," << csv_field(t.long_names[i]) << "\n";
        }
}

std::vector<std::string> export_batch_csv(const std::string& path, const std::string& dir, bool force) {
    // A run file (from `greenshift run`) exports like one group of a batch file: its
    // root holds the variables, named run_<dims>.csv.
    const hdf5::File file = hdf5::File::open_read_only(path);
    if (!hdf5::has_attribute(file, "program") || hdf5::read_text_attribute(file, "program") != "greenshift")
        throw InputError(path, 0, 0, "not a greenshift file (no root attribute program = \"greenshift\")");
    hdf5::check_format_version(file, kFormatVersion);
    const bool is_batch = hdf5::has_attribute(file, "batch_identity") && file.contains("runs");
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) throw OutputError(dir + " exists and is not a folder");
    if (!fs::exists(dir, ec)) {
        const fs::path parent = fs::path(dir).has_parent_path() ? fs::path(dir).parent_path() : fs::path(".");
        if (!fs::is_directory(parent, ec)) throw OutputError(dir + ": folder '" + parent.string() + "' does not exist");
    }
    struct Job {
        std::string group, file;
        std::vector<std::string> dims, variables;
    };
    std::vector<Job> jobs;
    std::map<std::string, GroupLayout> layouts;
    if (!is_batch) {
        const hdf5::Group root = hdf5::Group::open(file, "/");
        layouts["/"] = layout_of(root);
        for (const auto& [dims, vars] : layouts["/"].sets) {
            std::string f = "run";
            for (const std::string& d : dims) f += "_" + d;
            jobs.push_back({"/", (fs::path(dir) / (f + ".csv")).string(), dims, vars});
        }
    }
    for (const char* name : kGroups) {
        if (!is_batch || !file.contains(name)) continue;
        const hdf5::Group g = hdf5::Group::open(file, name);
        layouts[name] = layout_of(g);
        for (const auto& [dims, vars] : layouts[name].sets) {
            std::string f = name;
            for (const std::string& d : dims) f += "_" + d;
            jobs.push_back({name, (fs::path(dir) / (f + ".csv")).string(), dims, vars});
        }
    }
    const bool has_summary = is_batch && file.contains("summary");
    if (has_summary) jobs.push_back({"summary", (fs::path(dir) / "summary.csv").string(), {}, {}});
    if (!force)
        for (const Job& j : jobs)
            if (fs::exists(j.file, ec)) throw OutputError(j.file + " exists; use --force to overwrite");
    fs::create_directory(dir, ec);
    if (ec) throw OutputError("cannot create " + dir + ": " + ec.message());
    std::vector<std::string> written;
    for (const Job& j : jobs) {
        const std::string tmp = j.file + ".tmp." + std::to_string(::getpid());
        try {
            {
                std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
                if (!out) throw OutputError("cannot create " + tmp);
                if (j.group == "summary") {
                    write_summary_csv(read_summary(path), out);
                } else {
                    const hdf5::Group g = hdf5::Group::open(file, j.group);
                    write_csv(g, layouts[j.group], j.dims, j.variables, out);
                }
                out.flush();
                if (!out) throw OutputError("cannot write " + tmp);
            }
            sync_file(tmp);
            if (std::rename(tmp.c_str(), j.file.c_str()) != 0) throw OutputError("cannot rename " + tmp + " to " + j.file);
        } catch (...) {
            std::remove(tmp.c_str());
            throw;
        }
        written.push_back(j.file);
    }
    sync_directory(dir);
    return written;
}

}  // namespace greenshift
