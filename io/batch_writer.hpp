// The pieces a batch file is built from (layout: docs/output.md, "Batch files"):
// datasets with a leading row dimension written and read one row at a time (so a
// batch is streamed, never held in memory whole). Publishing a file, with the syncs
// that make it durable: io/publish.hpp. (Part files: batch/parts.hpp.)
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/results.hpp"
#include "io/hdf5.hpp"
#include "io/publish.hpp"
#include "io/run_writer.hpp"

namespace greenshift {

// DimensionScales, write_coordinates and auxiliary_coordinates: io/run_writer.hpp.

// A dataset of shape {rows, trailing...}, chunked so that a chunk holds whole rows
// (about 64 KiB, at least one row), shuffle + deflate; contiguous when it is small.
template <class T>
hdf5::Dataset create_rows(const hdf5::Location& where, const std::string& name, hsize_t rows,
                          const std::vector<hsize_t>& trailing);
hdf5::Dataset create_rows(const hdf5::Location& where, const std::string& name, hid_t file_type,
                          std::size_t element_bytes, hsize_t rows, const std::vector<hsize_t>& trailing);

// Writes / reads row `row` (the product of the trailing shape values); memory
// types convert as HDF5 converts (an int64 dataset reads as double exactly up to 2^53).
void write_row(const hdf5::Dataset& dataset, hsize_t row, hid_t memory_type, const void* data);
void read_row(const hdf5::Dataset& dataset, hsize_t row, hid_t memory_type, void* data);

template <class T>
void write_row(const hdf5::Dataset& dataset, hsize_t row, const std::vector<T>& values) {
    write_row(dataset, row, hdf5::H5Type<T>::memory(), values.data());
}
// Appends row `row` of `dataset` to `out` as doubles.
void read_row_as_double(const hdf5::Dataset& dataset, hsize_t row, std::vector<double>& out);
// Every row of `dataset` as doubles, in one read (each chunk is decompressed once).
std::vector<double> read_all_as_double(const hdf5::Dataset& dataset);

template <class T>
hdf5::Dataset create_rows(const hdf5::Location& where, const std::string& name, hsize_t rows,
                          const std::vector<hsize_t>& trailing) {
    return create_rows(where, name, hdf5::H5Type<T>::file(), sizeof(T), rows, trailing);
}

}  // namespace greenshift
