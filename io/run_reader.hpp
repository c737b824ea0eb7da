// Reads back what io/run_writer writes: a run's coordinates and variables from a run
// file or from a group laid out the same way. Used by the batch runner to check and
// assemble the part files of a batch, and by the batch readers.
#pragma once

#include <string>
#include <vector>

#include "core/results.hpp"
#include "io/hdf5.hpp"

namespace greenshift {

// The names of the datasets directly under `where`, in creation order.
std::vector<std::string> list_datasets(const hdf5::Location& where);

// The dimension name of each axis of `dataset` (the NAME of the dimension scale
// attached to it; "" where none is attached).
std::vector<std::string> dimension_names(const hdf5::Dataset& dataset);

// The dimension called `name`; throws InputError naming `where` when it is none of
// time, sector, size_class, technology, policy.
Dim dim_from_name(const std::string& name, const std::string& where);

// The coordinates (time, year, sector, size_class, technology, policy and their
// auxiliary coordinates) stored under `where`; those absent are left empty.
Coordinates read_coordinates(const hdf5::Location& where);

// Coordinates and every result variable under `where`, as write_run_group wrote
// them. Throws InputError (naming the file and the dataset) on anything that does
// not fit.
RunResult read_run_group(const hdf5::Location& where);

}  // namespace greenshift
