#include "io/batch_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "io/input_error.hpp"

namespace greenshift {

namespace {

std::string errno_text() { return std::strerror(errno); }

std::size_t product(const std::vector<hsize_t>& shape) {
    std::size_t n = 1;
    for (const hsize_t s : shape) n *= s;
    return n;
}

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

hdf5::Dataset string_scale(const hdf5::Location& where, Dim d, const std::vector<std::string>& labels) {
    hdf5::Dataset scale = hdf5::write_strings(where, dim_name(d), labels);
    hdf5::write_attribute(scale, "long_name", dim_long_name(d));
    hdf5::set_dimension_scale(scale, dim_name(d));
    return scale;
}

void auxiliary_strings(const hdf5::Location& where, const std::string& name,
                       const std::vector<std::string>& values, const char* long_name,
                       const hdf5::Dataset& scale) {
    const hdf5::Dataset dataset = hdf5::write_strings(where, name, values);
    hdf5::write_attribute(dataset, "long_name", long_name);
    hdf5::attach_dimension_scale(dataset, scale, 0);
}

// The selection of one row in `space` (a dataset's file space).
void select_row(const hdf5::Dataset& dataset, const hdf5::Dataspace& space, hsize_t row,
                std::vector<hsize_t>& count) {
    std::vector<hsize_t> shape = space.shape();
    if (shape.empty() || row >= shape[0])
        throw OutputError(dataset.file_name() + ": row " + std::to_string(row) + " is outside dataset " +
                          dataset.path());
    std::vector<hsize_t> start(shape.size(), 0);
    start[0] = row;
    count = shape;
    count[0] = 1;
    if (H5Sselect_hyperslab(space.id(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr) < 0)
        throw OutputError(dataset.file_name() + ": cannot select row " + std::to_string(row) + " of " +
                          dataset.path());
}

}  // namespace

void sync_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw OutputError("cannot open " + path + " to sync it: " + errno_text());
    const int status = ::fsync(fd);
    const std::string error = status != 0 ? errno_text() : std::string();
    ::close(fd);
    if (status != 0) throw OutputError("cannot sync " + path + " to disk: " + error);
}

void sync_directory(const std::string& path) noexcept {
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

std::string write_run_part_unsynced(const std::string& path, const RunResult& result, const RunMetadata& meta,
                                    const std::string& batch_identity, std::uint32_t run_index) {
    // The parts folder belongs to one batch process (it holds a lock on it), so a
    // fixed temporary name is safe and a leftover one from a killed process is
    // simply replaced.
    const std::string temporary = path + ".tmp";
    std::remove(temporary.c_str());
    try {
        hdf5::File file = hdf5::File::create(temporary);
        write_run_metadata(file, meta);
        hdf5::write_attribute(file, "batch_identity", batch_identity);
        hdf5::write_attribute(file, "run_index", static_cast<std::int32_t>(run_index));
        write_run_group(file, result);
        file.close();
    } catch (...) {
        std::remove(temporary.c_str());
        throw;
    }
    return temporary;
}

void commit_run_part(const std::string& temporary, const std::string& path) {
    try {
        sync_file(temporary);
        if (std::rename(temporary.c_str(), path.c_str()) != 0)
            throw OutputError("cannot rename " + temporary + " to " + path + ": " + errno_text());
    } catch (...) {
        std::remove(temporary.c_str());
        throw;
    }
}

void write_run_part(const std::string& path, const RunResult& result, const RunMetadata& meta,
                    const std::string& batch_identity, std::uint32_t run_index) {
    commit_run_part(write_run_part_unsynced(path, result, meta, batch_identity, run_index), path);
}

DimensionScales write_coordinates(const hdf5::Location& where, const Coordinates& c) {
    DimensionScales scales;
    if (!c.year.empty()) {
        const std::size_t n = c.year.size();
        hdf5::Dataset time = hdf5::write_array(where, "time", c.time_days, {n});
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
    if (!c.sector.empty()) scales[Dim::sector] = string_scale(where, Dim::sector, c.sector);
    if (!c.size_class.empty()) scales[Dim::size_class] = string_scale(where, Dim::size_class, c.size_class);
    if (!c.technology.empty()) {
        scales[Dim::technology] = string_scale(where, Dim::technology, c.technology);
        if (!c.technology_unit.empty())
            auxiliary_strings(where, "technology_unit", c.technology_unit,
                              "unit of the installed capacity of the technology", scales[Dim::technology]);
    }
    if (!c.policy.empty()) {
        scales[Dim::policy] = string_scale(where, Dim::policy, c.policy);
        if (!c.policy_type.empty())
            auxiliary_strings(where, "policy_type", c.policy_type, "policy instrument type", scales[Dim::policy]);
    }
    if (!c.io_sector.empty()) scales[Dim::io_sector] = string_scale(where, Dim::io_sector, c.io_sector);
    return scales;
}

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

hdf5::Dataset create_rows(const hdf5::Location& where, const std::string& name, hid_t file_type,
                          std::size_t element_bytes, hsize_t rows, const std::vector<hsize_t>& trailing) {
    std::vector<hsize_t> shape{rows};
    shape.insert(shape.end(), trailing.begin(), trailing.end());
    const std::size_t row_bytes = product(trailing) * element_bytes;
    std::vector<hsize_t> chunk;
    if (rows * row_bytes > hdf5::kCompressAboveBytes && row_bytes > 0) {
        // Whole rows per chunk: a row is written once and read back whole.
        constexpr std::size_t kTargetBytes = 64 * 1024;
        hsize_t per_chunk = row_bytes >= kTargetBytes ? 1 : kTargetBytes / row_bytes;
        per_chunk = std::min<hsize_t>(per_chunk, rows);
        chunk = shape;
        chunk[0] = std::max<hsize_t>(per_chunk, 1);
        for (hsize_t& c : chunk) c = c == 0 ? 1 : c;
    }
    return hdf5::Dataset::create(where, name, file_type, hdf5::Dataspace::simple(shape),
                                 hdf5::PropertyList::dataset_creation(chunk));
}

void write_row(const hdf5::Dataset& dataset, hsize_t row, hid_t memory_type, const void* data) {
    const hdf5::Dataspace file_space = dataset.space();
    std::vector<hsize_t> count;
    select_row(dataset, file_space, row, count);
    const hdf5::Dataspace memory_space = hdf5::Dataspace::simple(count);
    if (product(count) == 0) return;
    if (H5Dwrite(dataset.id(), memory_type, memory_space.id(), file_space.id(), H5P_DEFAULT, data) < 0)
        throw OutputError(dataset.file_name() + ": cannot write row " + std::to_string(row) + " of " +
                          dataset.path());
}

void read_row(const hdf5::Dataset& dataset, hsize_t row, hid_t memory_type, void* data) {
    const hdf5::Dataspace file_space = dataset.space();
    std::vector<hsize_t> count;
    select_row(dataset, file_space, row, count);
    const hdf5::Dataspace memory_space = hdf5::Dataspace::simple(count);
    if (product(count) == 0) return;
    if (H5Dread(dataset.id(), memory_type, memory_space.id(), file_space.id(), H5P_DEFAULT, data) < 0)
        throw InputError(dataset.file_name(), 0, 0, "cannot read row " + std::to_string(row) + " of " + dataset.path());
}

void read_row_as_double(const hdf5::Dataset& dataset, hsize_t row, std::vector<double>& out) {
    const std::vector<hsize_t> shape = dataset.shape();
    std::size_t n = 1;
    for (std::size_t i = 1; i < shape.size(); ++i) n *= shape[i];
    const std::size_t at = out.size();
    out.resize(at + n);
    read_row(dataset, row, H5T_NATIVE_DOUBLE, out.data() + at);
}

}  // namespace greenshift
