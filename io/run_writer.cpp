#include "io/run_writer.hpp"

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <optional>
#include <set>

#include "io/input_error.hpp"
#include "io/publish.hpp"

namespace greenshift {

const std::set<std::string>& coordinate_names() {
    static const std::set<std::string> names = [] {
        // The dimensions' own coordinates, and the auxiliary ones write_coordinates adds.
        std::set<std::string> out(kDimNames.begin(), kDimNames.end());
        out.insert({"year", "period", "technology_unit", "policy_type"});
        return out;
    }();
    return names;
}

namespace {

// The epoch year of "days since YYYY-01-01 ...", or nothing.
std::optional<int> epoch_year(const std::string& time_units) {
    int year = 0;
    if (std::sscanf(time_units.c_str(), "days since %d-", &year) != 1) return std::nullopt;
    return year;
}

// "2030-01-01 to 2030-12-31": the days each step covers, from its start to the day
// before the next one starts; the last step is as many months long as the one before
// it (a year when it is alone). Empty when time has no "days since" units.
std::vector<std::string> step_periods(const Coordinates& c) {
    using namespace std::chrono;
    const std::optional<int> epoch = epoch_year(c.time_units);
    if (!epoch || c.time_days.empty()) return {};
    const sys_days base = sys_days(std::chrono::year(*epoch) / January / 1);
    std::vector<sys_days> start;
    for (const double d : c.time_days) start.push_back(base + days(static_cast<long>(std::floor(d))));
    const auto text = [](sys_days d) {
        const year_month_day ymd(d);
        char buf[16];
        std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                      static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
        return std::string(buf);
    };
    const auto month_of = [](sys_days d) {
        const year_month_day ymd(d);
        return ymd.year() / ymd.month();
    };
    std::vector<std::string> out;
    for (std::size_t i = 0; i < start.size(); ++i) {
        sys_days next{};
        if (i + 1 < start.size()) {
            next = start[i + 1];
        } else {
            const months length = start.size() > 1 ? month_of(start[i]) - month_of(start[i - 1]) : months(12);
            next = sys_days((month_of(start[i]) + length) / year_month_day(start[i]).day());
        }
        out.push_back(text(start[i]) + " to " + text(next - days(1)));
    }
    return out;
}

[[noreturn]] void invalid(const std::string& message) {
    throw OutputError("cannot write run results: " + message);
}

std::size_t element_count(const Coordinates& coords, const std::vector<Dim>& dims) {
    std::size_t n = 1;
    for (const Dim d : dims) n *= coords.length(d);
    return n;
}

}  // namespace

// Everything that could make the file inconsistent is checked before the file is
// created, so that a bad result never leaves a half-written file behind.
void check_run_result(const RunResult& result) {
    const Coordinates& c = result.coords;
    if (c.time_days.size() != c.year.size())
        invalid("time has " + std::to_string(c.time_days.size()) + " steps but year has " +
                std::to_string(c.year.size()));
    if (!c.year.empty() && c.time_units.empty())
        invalid("time_units is empty (expected \"days since YYYY-01-01 00:00:00\")");
    if (!c.technology_unit.empty() && c.technology_unit.size() != c.technology.size())
        invalid("technology_unit has " + std::to_string(c.technology_unit.size()) +
                " entries for " + std::to_string(c.technology.size()) + " technologies");
    if (!c.policy_type.empty() && c.policy_type.size() != c.policy.size())
        invalid("policy_type has " + std::to_string(c.policy_type.size()) + " entries for " +
                std::to_string(c.policy.size()) + " policies");

    std::set<std::string> seen;
    for (const Variable& v : result.variables) {
        if (v.name.empty()) invalid("a variable has no name");
        if (v.name.find('/') != std::string::npos)
            invalid("variable \"" + v.name + "\": '/' is not allowed in a variable name");
        if (coordinate_names().count(v.name) != 0)
            invalid("variable \"" + v.name + "\" has the name of a coordinate");
        if (!seen.insert(v.name).second) invalid("variable \"" + v.name + "\" appears twice");
        const std::size_t expected = element_count(c, v.dims);
        const std::size_t got = v.is_count ? v.counts.size() : v.values.size();
        if (got != expected) {
            std::string dims;
            for (const Dim d : v.dims)
                dims += (dims.empty() ? "" : ", ") + std::string(dim_name(d)) + "=" +
                        std::to_string(c.length(d));
            invalid("variable \"" + v.name + "\" has " + std::to_string(got) +
                    " values but its dimensions (" + dims + ") hold " +
                    std::to_string(expected));
        }
    }
}

namespace {

const char* dim_long_name(Dim d) {
    switch (d) {
        case Dim::time: return "start of the simulation step (flows are totals over the step, stocks values at its end)";
        case Dim::sector: return "industrial ecosystem (sector)";
        case Dim::size_class: return "firm size class";
        case Dim::technology: return "green technology";
        case Dim::policy: return "policy instrument";
        case Dim::io_sector: return "sector of the input-output table (supplier sector)";
    }
    return "";
}


hdf5::Dataset write_string_scale(const hdf5::Location& where, Dim d,
                                 const std::vector<std::string>& labels) {
    // Variable-length strings: netCDF 4.9.0 (Debian 12) crashes reading a dimension
    // scale of fixed-length strings.
    hdf5::Dataset scale = hdf5::write_strings(where, dim_name(d), labels);
    hdf5::write_attribute(scale, "long_name", dim_long_name(d));
    hdf5::set_dimension_scale(scale, dim_name(d));
    return scale;
}

void write_auxiliary_strings(const hdf5::Location& where, const std::string& name,
                             const std::vector<std::string>& values, const char* long_name,
                             const hdf5::Dataset& scale) {
    const hdf5::Dataset dataset = hdf5::write_strings(where, name, values);
    hdf5::write_attribute(dataset, "long_name", long_name);
    hdf5::attach_dimension_scale(dataset, scale, 0);
}

}  // namespace

DimensionScales write_coordinates(const hdf5::Location& where, const Coordinates& c) {
    DimensionScales scales;
    if (!c.year.empty()) {
        const std::size_t n = c.year.size();
        hdf5::Dataset time = hdf5::write_array(where, "time", c.time_days, {n});
        // CF time: xarray decodes it to datetime64 from units + calendar.
        hdf5::write_attribute(time, "units", c.time_units);
        hdf5::write_attribute(time, "calendar", "standard");
        hdf5::write_attribute(time, "standard_name", "time");
        hdf5::write_attribute(time, "long_name", dim_long_name(Dim::time));
        hdf5::write_attribute(time, "axis", "T");
        hdf5::set_dimension_scale(time, "time");
        const hdf5::Dataset year = hdf5::write_array(where, "year", c.year, {n});
        hdf5::write_attribute(year, "long_name", "calendar year of the step start");
        hdf5::attach_dimension_scale(year, time, 0);
        const std::vector<std::string> periods = step_periods(c);
        if (periods.size() == n)
            write_auxiliary_strings(where, "period", periods,
                                    "the days the step covers: flows are totals over them, stocks values on the last",
                                    time);
        scales[Dim::time] = std::move(time);
    }
    if (!c.sector.empty()) scales[Dim::sector] = write_string_scale(where, Dim::sector, c.sector);
    if (!c.size_class.empty())
        scales[Dim::size_class] = write_string_scale(where, Dim::size_class, c.size_class);
    if (!c.technology.empty()) {
        scales[Dim::technology] = write_string_scale(where, Dim::technology, c.technology);
        if (!c.technology_unit.empty())
            write_auxiliary_strings(where, "technology_unit", c.technology_unit,
                                    "unit of the installed capacity of the technology",
                                    scales[Dim::technology]);
    }
    if (!c.policy.empty()) {
        scales[Dim::policy] = write_string_scale(where, Dim::policy, c.policy);
        if (!c.policy_type.empty())
            write_auxiliary_strings(where, "policy_type", c.policy_type, "policy instrument type",
                                    scales[Dim::policy]);
    }
    if (!c.io_sector.empty()) scales[Dim::io_sector] = write_string_scale(where, Dim::io_sector, c.io_sector);
    return scales;
}

// The non-dimension coordinates that belong with a variable of these dimensions, for
// its CF `coordinates` attribute (xarray then loads them as coordinates).
std::string auxiliary_coordinates(const Coordinates& c, const std::vector<Dim>& dims) {
    std::string out;
    const auto add = [&out](const char* name) {
        if (!out.empty()) out += ' ';
        out += name;
    };
    for (const Dim d : dims) {
        if (d == Dim::time && !c.year.empty()) add("year");
        if (d == Dim::time && !c.year.empty() && epoch_year(c.time_units)) add("period");
        if (d == Dim::technology && !c.technology_unit.empty()) add("technology_unit");
        if (d == Dim::policy && !c.policy_type.empty()) add("policy_type");
    }
    return out;
}

namespace {

void write_variable(const hdf5::Location& where, const Coordinates& c, const DimensionScales& scales,
                    const Variable& v) {
    std::vector<hsize_t> shape;
    for (const Dim d : v.dims) shape.push_back(c.length(d));
    const hdf5::Dataset dataset = v.is_count ? hdf5::write_array(where, v.name, v.counts, shape)
                                             : hdf5::write_array(where, v.name, v.values, shape);
    hdf5::write_attribute(dataset, "units", v.units);
    hdf5::write_attribute(dataset, "long_name", v.long_name);
    if (!v.flag_meanings.empty()) hdf5::write_attribute(dataset, "flag_meanings", v.flag_meanings);
    const std::string coordinates = auxiliary_coordinates(c, v.dims);
    if (!coordinates.empty()) hdf5::write_attribute(dataset, "coordinates", coordinates);
    for (std::size_t axis = 0; axis < v.dims.size(); ++axis)
        hdf5::attach_dimension_scale(dataset, scales[v.dims[axis]], static_cast<unsigned>(axis));
}

}  // namespace

std::string utc_now_iso8601() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

void write_run_group(const hdf5::Location& where, const RunResult& result) {
    check_run_result(result);
    const DimensionScales scales = write_coordinates(where, result.coords);
    for (const Variable& v : result.variables) {
        // A dimension of length 0 (a scenario without policies) is not written, and
        // neither are the variables over it: netCDF has no use for empty axes here.
        bool empty = false;
        for (const Dim d : v.dims) empty = empty || result.coords.length(d) == 0;
        if (!empty) write_variable(where, result.coords, scales, v);
    }
}

void write_run_metadata(const hdf5::Location& where, const RunMetadata& meta) {
    hdf5::write_attribute(where, "Conventions", "CF-1.8");
    hdf5::write_attribute(where, "format_version", static_cast<std::int32_t>(meta.format_version));
    hdf5::write_attribute(where, "program", "greenshift");
    hdf5::write_attribute(where, "program_version", meta.program_version);
    hdf5::write_attribute(where, "git_commit", meta.git_commit);
    hdf5::write_attribute(where, "seed", meta.seed);
    hdf5::write_attribute(where, "threads", static_cast<std::int32_t>(meta.threads));
    hdf5::write_attribute(where, "command_line", meta.command_line);
    hdf5::write_attribute(where, "scenario_name", meta.scenario_name);
    hdf5::write_attribute(where, "created_utc", meta.created_utc);
    hdf5::write_attribute(where, "scenario", meta.scenario_yaml);
}

void write_run(const std::string& path, const RunResult& result, const RunMetadata& meta,
               bool force) {
    check_run_result(result);
    // Refuse before anything is created.
    check_output_target(path, force);
    const std::string temporary = claim_temporary(path);
    bool created = false;
    try {
        hdf5::File file = hdf5::File::create(temporary);
        created = true;
        write_run_metadata(file, meta);
        write_run_group(file, result);
        file.close();
        publish_file(temporary, path, {.replace = force});
    } catch (const OutputError& e) {
        if (!created) throw;
        std::remove(temporary.c_str());
        throw OutputError(under_output_name(e.what(), temporary, path));
    } catch (...) {
        // Only a file this call created is removed: File::create refuses an existing
        // temporary, which may belong to another writer.
        if (created) std::remove(temporary.c_str());
        throw;
    }
}

}  // namespace greenshift
