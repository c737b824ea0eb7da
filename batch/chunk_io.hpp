// Faster writing and reading of the row datasets of a batch file (create_rows in
// io/batch_writer.hpp: chunks of whole rows, shuffle + deflate). HDF5 runs its
// filters on the calling thread, and deflate is most of the cost of writing a batch
// file; here a chunk's rows are gathered in memory, its filters (the same shuffle
// and a zlib deflate stream at the dataset's level, found with run-length matches
// only, which any reader inflates as HDF5's own)
// run on every thread of the current TBB arena, and the filtered chunk goes to the
// file with H5Dwrite_chunk; reading whole datasets back is the same in reverse with
// H5Dread_chunk. HDF5 itself is only ever called from the calling thread.
//
// A dataset whose layout or filters are anything else (contiguous, other filters,
// other element types) is written and read through HDF5 as usual.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "io/hdf5.hpp"

namespace greenshift {

class ChunkedRowWriter {
public:
    // Filtered chunks are written when the complete ones waiting reach this size.
    explicit ChunkedRowWriter(std::size_t batch_bytes = std::size_t{16} << 20);
    ~ChunkedRowWriter();
    ChunkedRowWriter(const ChunkedRowWriter&) = delete;
    ChunkedRowWriter& operator=(const ChunkedRowWriter&) = delete;

    // Writes row `row` of `dataset`, a dataset of create_rows whose element type is
    // T (double or std::int64_t); `values` holds the row. Every row of a dataset
    // written with this writer must go through it (rows never written read as 0).
    // The dataset must stay open until finish().
    void write_row(const hdf5::Dataset& dataset, hsize_t row, const std::vector<double>& values);
    void write_row(const hdf5::Dataset& dataset, hsize_t row, const std::vector<std::int64_t>& values);
    // Writes every chunk, complete or not. Call before reading the datasets back.
    void finish();

private:
    struct Target;
    struct Job;
    Target& target(const hdf5::Dataset& dataset, hid_t memory_type, std::size_t element_bytes);
    void write(const hdf5::Dataset& dataset, hsize_t row, hid_t memory_type, std::size_t element_bytes,
               const void* data, std::size_t count);
    void flush();
    std::size_t batch_bytes_;
    std::size_t waiting_bytes_ = 0;
    std::map<hid_t, std::unique_ptr<Target>> targets_;
    std::vector<Job> ready_;
};

// Every row of `dataset` (shape {rows, ...}) as doubles (integers converted as HDF5
// converts them), in one read: chunks read raw and unfiltered on every thread of the
// current TBB arena.
std::vector<double> read_rows_as_double(const hdf5::Dataset& dataset);

}  // namespace greenshift
