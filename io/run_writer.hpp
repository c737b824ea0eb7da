// Writes one run's results to an HDF5 file that netCDF-4 tools and xarray open with
// named dimensions and units. The layout is specified in docs/output.md.
#pragma once

#include <array>
#include <cstdint>
#include <set>
#include <string>

#include "core/results.hpp"
#include "greenshift/version.hpp"
#include "io/hdf5.hpp"

namespace greenshift {

// What made a run: stored as root attributes so that every file says how to make it
// again.
struct RunMetadata {
    std::string program_version;
    std::string git_commit;
    std::string command_line;
    std::string scenario_yaml;  // the resolved scenario text
    std::string scenario_name;
    std::uint64_t seed = 0;
    int threads = 1;
    int format_version = kFormatVersion;
    std::string created_utc;  // ISO 8601, e.g. "2024-05-01T12:00:00Z"
};

// The current time as ISO 8601 UTC ("YYYY-MM-DDTHH:MM:SSZ"), for RunMetadata.
std::string utc_now_iso8601();

// Writes `result` and `meta` to `path` atomically (io/publish.hpp): the file appears
// complete under its final name or not at all. Throws OutputError, before creating
// anything, when check_output_target refuses `path` (it exists and `force` is false,
// its directory is missing or not writable, ...); on any later failure the temporary
// file is removed.
void write_run(const std::string& path, const RunResult& result, const RunMetadata& meta,
               bool force);

// The names of the coordinate datasets write_coordinates may write (time, year,
// period, sector, ...): no result variable may take one, and readers skip them.
const std::set<std::string>& coordinate_names();

// The dimension scales of one group, by dimension; invalid where a dimension is
// absent (length 0).
struct DimensionScales {
    std::array<hdf5::Dataset, 6> by_dim;  // one per Dim (time ... io_sector)
    const hdf5::Dataset& operator[](Dim d) const { return by_dim[static_cast<std::size_t>(d)]; }
    hdf5::Dataset& operator[](Dim d) { return by_dim[static_cast<std::size_t>(d)]; }
};

// Writes time (with year), sector, size_class, technology (with technology_unit),
// policy (with policy_type) and io_sector under `where` as dimension scales, the
// way every greenshift group has them (run files, batch groups).
DimensionScales write_coordinates(const hdf5::Location& where, const Coordinates& coords);

// The CF `coordinates` attribute for a variable over `dims` ("year technology_unit").
std::string auxiliary_coordinates(const Coordinates& coords, const std::vector<Dim>& dims);

// Throws OutputError naming the variable (or coordinate) of `result` that does not
// fit its dimensions: what write_run and write_run_group check before writing.
void check_run_result(const RunResult& result);

// Writes the dimensions, coordinates and variables of `result` into `where` (the
// root group of a run file, or one group per run in a batch file). Validates the
// result first and throws OutputError naming the variable that does not fit.
void write_run_group(const hdf5::Location& where, const RunResult& result);

// The root attributes of a run file (program, seed, scenario text, ...).
void write_run_metadata(const hdf5::Location& where, const RunMetadata& meta);

}  // namespace greenshift
