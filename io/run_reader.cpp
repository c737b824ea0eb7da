#include "io/run_reader.hpp"

#include <hdf5_hl.h>

#include <set>

#include "io/input_error.hpp"
#include "io/run_writer.hpp"

namespace greenshift {

namespace {

[[noreturn]] void bad(const hdf5::Object& where, const std::string& what) {
    throw InputError(where.file_name(), 0, 0, what);
}

}  // namespace

std::vector<std::string> list_datasets(const hdf5::Location& where) {
    struct Found {
        std::vector<std::string> names;
    } found;
    // Creation order is tracked and indexed in every greenshift group, so the listing
    // follows the order of writing, not the alphabet.
    hsize_t index = 0;
    const herr_t status = H5Literate(
        where.id(), H5_INDEX_CRT_ORDER, H5_ITER_INC, &index,
        [](hid_t group, const char* name, const H5L_info_t*, void* data) -> herr_t {
            const hid_t object = H5Oopen(group, name, H5P_DEFAULT);
            if (object < 0) return -1;
            const bool is_dataset = H5Iget_type(object) == H5I_DATASET;
            H5Oclose(object);
            if (is_dataset) static_cast<Found*>(data)->names.emplace_back(name);
            return 0;
        },
        &found);
    if (status < 0) bad(where, "cannot list the datasets of " + where.path());
    return found.names;
}

std::vector<std::string> dimension_names(const hdf5::Dataset& dataset) {
    const std::size_t rank = dataset.shape().size();
    std::vector<std::string> names(rank);
    for (std::size_t axis = 0; axis < rank; ++axis) {
        if (H5DSget_num_scales(dataset.id(), static_cast<unsigned>(axis)) <= 0) continue;
        int index = 0;
        H5DSiterate_scales(
            dataset.id(), static_cast<unsigned>(axis), &index,
            [](hid_t, unsigned, hid_t scale, void* data) -> herr_t {
                char buffer[256] = {};
                if (H5DSget_scale_name(scale, buffer, sizeof buffer) < 0) return -1;
                *static_cast<std::string*>(data) = buffer;
                return 1;  // the first scale names the axis
            },
            &names[axis]);
        H5Eclear2(H5E_DEFAULT);
    }
    return names;
}

Dim dim_from_name(const std::string& name, const std::string& where) {
    for (const Dim d : {Dim::time, Dim::sector, Dim::size_class, Dim::technology, Dim::policy, Dim::io_sector})
        if (name == dim_name(d)) return d;
    throw InputError(where, 0, 0,
                     "unknown dimension \"" + name +
                         "\" (expected time, sector, size_class, technology, policy or io_sector)");
}

Coordinates read_coordinates(const hdf5::Location& where) {
    Coordinates c;
    if (where.contains("time")) {
        c.time_days = hdf5::read_array<double>(where, "time").values;
        c.time_units = hdf5::read_text_attribute(hdf5::Dataset::open(where, "time"), "units");
        if (where.contains("year")) c.year = hdf5::read_array<std::int32_t>(where, "year").values;
    }
    if (where.contains("sector")) c.sector = hdf5::read_strings(where, "sector");
    if (where.contains("size_class")) c.size_class = hdf5::read_strings(where, "size_class");
    if (where.contains("technology")) c.technology = hdf5::read_strings(where, "technology");
    if (where.contains("technology_unit"))
        c.technology_unit = hdf5::read_strings(where, "technology_unit");
    if (where.contains("policy")) c.policy = hdf5::read_strings(where, "policy");
    if (where.contains("policy_type")) c.policy_type = hdf5::read_strings(where, "policy_type");
    if (where.contains("io_sector")) c.io_sector = hdf5::read_strings(where, "io_sector");
    return c;
}

RunResult read_run_group(const hdf5::Location& where) {
    RunResult r;
    r.coords = read_coordinates(where);
    for (const std::string& name : list_datasets(where)) {
        if (coordinate_names().count(name) != 0) continue;
        const hdf5::Dataset dataset = hdf5::Dataset::open(where, name);
        Variable v;
        v.name = name;
        if (hdf5::has_attribute(dataset, "units")) v.units = hdf5::read_text_attribute(dataset, "units");
        if (hdf5::has_attribute(dataset, "long_name"))
            v.long_name = hdf5::read_text_attribute(dataset, "long_name");
        const std::vector<hsize_t> shape = dataset.shape();
        const std::vector<std::string> dims = dimension_names(dataset);
        for (std::size_t axis = 0; axis < dims.size(); ++axis) {
            if (dims[axis].empty()) bad(where, "dataset " + dataset.path() + ": axis " + std::to_string(axis) + " has no dimension");
            const Dim d = dim_from_name(dims[axis], where.file_name());
            if (shape[axis] != r.coords.length(d))
                bad(where, "dataset " + dataset.path() + ": axis " + std::to_string(axis) + " has length " +
                               std::to_string(shape[axis]) + " but dimension " + dims[axis] + " has " +
                               std::to_string(r.coords.length(d)));
            v.dims.push_back(d);
        }
        v.is_count = H5Tget_class(dataset.type().id()) == H5T_INTEGER;
        if (v.is_count)
            v.counts = hdf5::read_array<std::int64_t>(where, name).values;
        else
            v.values = hdf5::read_array<double>(where, name).values;
        r.variables.push_back(std::move(v));
    }
    return r;
}

}  // namespace greenshift
