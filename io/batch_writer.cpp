#include "io/batch_writer.hpp"

#include <cstdio>

#include "io/input_error.hpp"

namespace greenshift {

namespace {

std::size_t product(const std::vector<hsize_t>& shape) {
    std::size_t n = 1;
    for (const hsize_t s : shape) n *= s;
    return n;
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

std::vector<double> read_all_as_double(const hdf5::Dataset& dataset) {
    std::vector<double> out(product(dataset.shape()));
    if (!out.empty() && H5Dread(dataset.id(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
        throw InputError(dataset.file_name(), 0, 0, "cannot read " + dataset.path());
    return out;
}

}  // namespace greenshift
