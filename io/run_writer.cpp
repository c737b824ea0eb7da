#include "io/run_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <set>

#include "io/input_error.hpp"

namespace greenshift {

namespace {

namespace fs = std::filesystem;

// Names taken by the coordinate variables; a result variable may not reuse them.
const std::set<std::string>& coordinate_names() {
    static const std::set<std::string> names = {"time",       "year",   "sector",
                                                "size_class", "technology", "technology_unit",
                                                "policy",     "policy_type", "io_sector"};
    return names;
}

std::string errno_text() { return std::strerror(errno); }

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
        case Dim::time: return "start of the simulation step";
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
    const std::string coordinates = auxiliary_coordinates(c, v.dims);
    if (!coordinates.empty()) hdf5::write_attribute(dataset, "coordinates", coordinates);
    for (std::size_t axis = 0; axis < v.dims.size(); ++axis)
        hdf5::attach_dimension_scale(dataset, scales[v.dims[axis]], static_cast<unsigned>(axis));
}

// Makes `from` appear as `to`. Without force the rename must not replace a file that
// appeared since the check in write_run: RENAME_NOREPLACE makes that atomic where the
// file system supports it.
void publish(const std::string& from, const std::string& to, bool force) {
    if (!force) {
        if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return;
        if (errno == EEXIST) throw OutputError(to + " exists; use --force to overwrite");
        if (errno != EINVAL && errno != ENOSYS)
            throw OutputError("cannot rename " + from + " to " + to + ": " + errno_text());
        std::error_code ec;
        if (fs::exists(fs::symlink_status(to, ec)))
            throw OutputError(to + " exists; use --force to overwrite");
    }
    if (std::rename(from.c_str(), to.c_str()) != 0)
        throw OutputError("cannot rename " + from + " to " + to + ": " + errno_text());
}

// The rename is only a safe commit point if the data reached the disk before it.
void sync_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw OutputError("cannot open " + path + " to sync it: " + errno_text());
    const int status = ::fsync(fd);
    const std::string error = status != 0 ? errno_text() : std::string();
    ::close(fd);
    if (status != 0) throw OutputError("cannot sync " + path + " to disk: " + error);
}

// Makes the rename itself durable. Best effort: some file systems refuse fsync on a
// directory, and the file is complete either way.
void sync_directory(const fs::path& dir) noexcept {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
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

// A writer killed mid-write (SIGKILL, out of memory, node failure) leaves its
// `<output>.tmp.<pid>`. Before writing the same output, remove those whose process
// is gone; a live pid (another writer, or a reused pid) is left alone.
static void remove_stale_temporaries(const fs::path& target) {
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    const std::string prefix = target.filename().string() + ".tmp.";
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
        const std::string digits = name.substr(prefix.size());
        if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) continue;
        const auto pid = static_cast<pid_t>(std::stol(digits));
        if (pid <= 0 || pid == ::getpid()) continue;
        if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive, or not ours to judge
        std::error_code rm;
        fs::remove(it->path(), rm);
    }
}

void write_run(const std::string& path, const RunResult& result, const RunMetadata& meta,
               bool force) {
    if (path.empty()) throw OutputError("no output file name given");
    check_run_result(result);

    // Refuse before anything is created: the checks below decide whether the write
    // can start at all.
    const fs::path target(path);
    std::error_code ec;
    const fs::file_status target_status = fs::symlink_status(target, ec);
    if (fs::exists(target_status)) {
        if (fs::is_directory(fs::status(target, ec)))
            throw OutputError(path + " is a directory, not an output file");
        if (!force) throw OutputError(path + " exists; use --force to overwrite");
    }
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    const fs::file_status dir_status = fs::status(dir, ec);
    if (!fs::exists(dir_status))
        throw OutputError("output directory " + dir.string() + " does not exist");
    if (!fs::is_directory(dir_status))
        throw OutputError("output directory " + dir.string() + " is not a directory");
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
        throw OutputError("output directory " + dir.string() + " is not writable: " + errno_text());

    remove_stale_temporaries(target);
    // Same directory, so that rename() is atomic (one file system); the pid keeps
    // two processes writing the same output apart.
    const std::string temporary = path + ".tmp." + std::to_string(::getpid());
    if (fs::exists(fs::symlink_status(temporary, ec)))
        throw OutputError("temporary file " + temporary +
                          " exists (another writer, or an interrupted run); remove it if no "
                          "greenshift is writing " + path);
    bool created = false;
    try {
        hdf5::File file = hdf5::File::create(temporary);
        created = true;
        write_run_metadata(file, meta);
        write_run_group(file, result);
        file.close();
        sync_file(temporary);
        publish(temporary, path, force);
    } catch (...) {
        // Only a file this call created is removed: File::create refuses an existing
        // temporary, which may belong to another writer.
        if (created) std::remove(temporary.c_str());
        throw;
    }
    sync_directory(dir);
}

}  // namespace greenshift
