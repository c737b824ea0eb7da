#include "io/hdf5.hpp"

#include <H5PLpublic.h>
#include <hdf5_hl.h>

#include <utility>

#include "io/file_checksum.hpp"
#include "io/input_error.hpp"

namespace greenshift::hdf5 {

namespace {

// HDF5 prints its whole error stack to stderr by default, which would bury the one
// message greenshift reports. The setting is per thread in thread-safe builds, so
// each thread that touches a file turns it off once.
// Filter plugins are off too: a file names its filters, and HDF5 would load a shared
// library of that name from HDF5_PLUGIN_PATH; greenshift files use only built-in ones.
void quiet() noexcept {
    thread_local bool done = false;
    if (!done) {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        H5PLset_loading_state(0);
        done = true;
    }
}

// What HDF5's error stack says went wrong, as one line. The innermost message is
// the one that says it ("unable to open file: ... errno = 13, error message =
// 'Permission denied'"); the outer ones only repeat which API call failed. A system
// error is reported by its own text alone: the driver's message around it spans two
// lines and holds buffer addresses. Clears the stack.
std::string hdf5_message() {
    std::string innermost;
    H5Ewalk2(
        H5E_DEFAULT, H5E_WALK_UPWARD,
        [](unsigned n, const H5E_error2_t* error, void* data) -> herr_t {
            if (n == 0 && error != nullptr && error->desc != nullptr)
                *static_cast<std::string*>(data) = error->desc;
            return 0;
        },
        &innermost);
    H5Eclear2(H5E_DEFAULT);
    if (innermost.empty()) return {};
    const std::string system = "error message = '";
    if (const auto at = innermost.find(system); at != std::string::npos) {
        const auto begin = at + system.size();
        const auto end = innermost.find('\'', begin);
        if (end != std::string::npos) return ": " + innermost.substr(begin, end - begin);
    }
    // One line, without the addresses HDF5 prints for its own debugging.
    std::string line = innermost.substr(0, innermost.find_first_of("\r\n"));
    if (const auto at = line.find(", buf = 0x"); at != std::string::npos) line.resize(at);
    while (!line.empty() && (line.back() == ' ' || line.back() == ',')) line.pop_back();
    return ": " + line;
}

}  // namespace

std::string error_text() { return hdf5_message(); }

namespace {

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string file_of(const Object& object) {
    const std::string name = object.file_name();
    return name.empty() ? std::string() : name + ": ";
}

[[noreturn]] void write_failed(const Object& where, const std::string& what) {
    throw OutputError(file_of(where) + what + hdf5_message());
}
[[noreturn]] void write_failed(const std::string& what) {
    throw OutputError(what + hdf5_message());
}
[[noreturn]] void read_failed(const Object& where, const std::string& what) {
    throw InputError(where.file_name(), 0, 0, what + hdf5_message());
}
[[noreturn]] void read_failed(const std::string& what) {
    throw InputError("", 0, 0, what + hdf5_message());
}

std::size_t product(const std::vector<hsize_t>& shape) {
    std::size_t n = 1;
    for (const hsize_t d : shape) n *= static_cast<std::size_t>(d);
    return n;
}

std::string shape_text(const std::vector<hsize_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

// Reading converts from the stored type to T; allow only conversions that keep every
// value exactly (same kind, same signedness, no narrower), so a file from a wider or
// different type is an error rather than rounded or wrapped numbers.
void check_readable(const Object& where, const std::string& what, hid_t stored,
                    hid_t memory, std::size_t memory_bytes) {
    const H5T_class_t stored_class = H5Tget_class(stored);
    bool ok = stored_class == H5Tget_class(memory) && H5Tget_size(stored) <= memory_bytes;
    if (ok && stored_class == H5T_INTEGER) ok = H5Tget_sign(stored) == H5Tget_sign(memory);
    if (!ok)
        throw InputError(where.file_name(), 0, 0,
                         what + " is stored as a type that cannot be read exactly as the "
                                "requested one (different kind, sign or a wider type)");
}

Attribute create_attribute(const Object& object, const std::string& name, hid_t type,
                           const Dataspace& space) {
    // Rewriting an attribute replaces it (merge and resume update run metadata).
    const htri_t exists = H5Aexists(object.id(), name.c_str());
    if (exists < 0) write_failed(object, "cannot query attribute " + quoted(name) + " on " + object.path());
    if (exists > 0 && H5Adelete(object.id(), name.c_str()) < 0)
        write_failed(object, "cannot replace attribute " + quoted(name) + " on " + object.path());
    const hid_t id = H5Acreate2(object.id(), name.c_str(), type, space.id(), H5P_DEFAULT, H5P_DEFAULT);
    if (id < 0) write_failed(object, "cannot create attribute " + quoted(name) + " on " + object.path());
    return Attribute::of(id);
}

Attribute open_attribute(const Object& object, const std::string& name) {
    quiet();
    const htri_t exists = H5Aexists(object.id(), name.c_str());
    if (exists == 0)
        throw InputError(object.file_name(), 0, 0,
                         "no attribute " + quoted(name) + " on " + object.path());
    const hid_t id = exists > 0 ? H5Aopen(object.id(), name.c_str(), H5P_DEFAULT) : -1;
    if (id < 0) read_failed(object, "cannot open attribute " + quoted(name) + " on " + object.path());
    return Attribute::of(id);
}

// Strings of a fixed-length string buffer: each element ends at its first NUL (or
// fills its slot).
std::vector<std::string> split_fixed(const std::vector<char>& buffer, std::size_t size,
                                     std::size_t count) {
    std::vector<std::string> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        const char* begin = buffer.data() + i * size;
        std::size_t length = 0;
        while (length < size && begin[length] != '\0') ++length;
        out.emplace_back(begin, length);
    }
    return out;
}

}  // namespace

void prepare_library() noexcept {
    // After a write fails (a full disk), HDF5 1.10 cannot close the file, and its
    // exit handler, which closes what is still open, then crashes (a segfault after
    // the error message). greenshift closes every file it opens itself (RAII), so
    // the handler has nothing to do; a file that failed is abandoned and removed.
    H5dont_atexit();
    quiet();
}

// --- Object ---

Object::Object(Object&& other) noexcept
    : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}

Object& Object::operator=(Object&& other) noexcept {
    if (this != &other) {
        reset();
        id_ = std::exchange(other.id_, H5I_INVALID_HID);
        closer_ = other.closer_;
    }
    return *this;
}

Object::~Object() { reset(); }

void Object::reset() noexcept {
    if (id_ >= 0 && closer_ != nullptr) closer_(id_);
    id_ = H5I_INVALID_HID;
}

hid_t Object::release() noexcept { return std::exchange(id_, H5I_INVALID_HID); }

namespace {
// Names are looked up while an error message is composed, after the failing call:
// every HDF5 API call clears the error stack, so the stack that says what failed is
// set aside during the lookup and put back afterwards.
template <class GetName>
std::string name_keeping_errors(hid_t id, GetName get_name, const char* unknown) {
    if (id < 0) return unknown;
    const hid_t saved = H5Eget_current_stack();
    std::string s;
    const ssize_t n = get_name(id, nullptr, 0);
    if (n > 0) {
        s.assign(static_cast<std::size_t>(n) + 1, '\0');
        get_name(id, s.data(), s.size());
        s.resize(static_cast<std::size_t>(n));
    } else {
        s = unknown;
    }
    if (saved >= 0) H5Eset_current_stack(saved);
    return s;
}
}  // namespace

std::string Object::path() const { return name_keeping_errors(id_, H5Iget_name, "?"); }

std::string Object::file_name() const { return name_keeping_errors(id_, H5Fget_name, ""); }

// --- Datatype ---

Datatype Datatype::copy_of(hid_t type) {
    quiet();
    const hid_t id = H5Tcopy(type);
    if (id < 0) write_failed("cannot copy an HDF5 datatype");
    return Datatype(id);
}

Datatype Datatype::of(hid_t owned_id) { return Datatype(owned_id); }

Datatype Datatype::utf8_string() {
    Datatype t = copy_of(H5T_C_S1);
    if (H5Tset_size(t.id(), H5T_VARIABLE) < 0 || H5Tset_cset(t.id(), H5T_CSET_UTF8) < 0)
        write_failed("cannot make a variable-length UTF-8 string type");
    return t;
}

Datatype Datatype::utf8_text(std::size_t bytes) {
    Datatype t = copy_of(H5T_C_S1);
    if (H5Tset_size(t.id(), bytes) < 0 || H5Tset_strpad(t.id(), H5T_STR_NULLTERM) < 0 ||
        H5Tset_cset(t.id(), H5T_CSET_UTF8) < 0)
        write_failed("cannot make a " + std::to_string(bytes) + "-byte UTF-8 string type");
    return t;
}

// --- Dataspace ---

Dataspace Dataspace::of(hid_t owned_id) { return Dataspace(owned_id); }

Dataspace Dataspace::scalar() {
    quiet();
    const hid_t id = H5Screate(H5S_SCALAR);
    if (id < 0) write_failed("cannot create a scalar dataspace");
    return Dataspace(id);
}

Dataspace Dataspace::null() {
    quiet();
    const hid_t id = H5Screate(H5S_NULL);
    if (id < 0) write_failed("cannot create a null dataspace");
    return Dataspace(id);
}

Dataspace Dataspace::simple(const std::vector<hsize_t>& shape) {
    quiet();
    if (shape.empty()) return scalar();
    const hid_t id = H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr);
    if (id < 0) write_failed("cannot create a dataspace of shape " + shape_text(shape));
    return Dataspace(id);
}

std::vector<hsize_t> Dataspace::shape() const {
    const int rank = H5Sget_simple_extent_ndims(id());
    if (rank < 0) read_failed("cannot read the rank of a dataspace");
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    if (rank > 0 && H5Sget_simple_extent_dims(id(), dims.data(), nullptr) < 0)
        read_failed("cannot read the shape of a dataspace");
    return dims;
}

std::size_t Dataspace::points() const {
    const hssize_t n = H5Sget_simple_extent_npoints(id());
    if (n < 0) read_failed("cannot count the points of a dataspace");
    return static_cast<std::size_t>(n);
}

bool Dataspace::is_null() const {
    const H5S_class_t c = H5Sget_simple_extent_type(id());
    if (c == H5S_NO_CLASS) read_failed("cannot read the class of a dataspace");
    return c == H5S_NULL;
}

// --- PropertyList ---

namespace {
constexpr unsigned kCreationOrder = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
}

PropertyList PropertyList::file_creation() {
    quiet();
    PropertyList p(H5Pcreate(H5P_FILE_CREATE));
    // netCDF-4 lists variables in link creation order and refuses to open a file for
    // writing unless the root group tracks and indexes creation order. No timestamps
    // on the root group either (see group_creation).
    if (!p.valid() || H5Pset_link_creation_order(p.id(), kCreationOrder) < 0 ||
        H5Pset_attr_creation_order(p.id(), kCreationOrder) < 0 ||
        H5Pset_obj_track_times(p.id(), false) < 0)
        write_failed("cannot set up file creation properties");
    return p;
}

PropertyList PropertyList::file_access() {
    quiet();
    PropertyList p(H5Pcreate(H5P_FILE_ACCESS));
    // Strong close: H5Fclose closes every object still open in the file, so once
    // File::close() returns the file is complete on disk and can be renamed.
    if (!p.valid() || H5Pset_fclose_degree(p.id(), H5F_CLOSE_STRONG) < 0)
        write_failed("cannot set up file access properties");
    return p;
}

PropertyList PropertyList::group_creation() {
    quiet();
    PropertyList p(H5Pcreate(H5P_GROUP_CREATE));
    // Timestamps off: two runs with the same inputs give the same bytes.
    if (!p.valid() || H5Pset_link_creation_order(p.id(), kCreationOrder) < 0 ||
        H5Pset_attr_creation_order(p.id(), kCreationOrder) < 0 ||
        H5Pset_obj_track_times(p.id(), false) < 0)
        write_failed("cannot set up group creation properties");
    return p;
}

PropertyList PropertyList::dataset_creation(const std::vector<hsize_t>& chunk) {
    quiet();
    PropertyList p(H5Pcreate(H5P_DATASET_CREATE));
    if (!p.valid() || H5Pset_attr_creation_order(p.id(), kCreationOrder) < 0 ||
        H5Pset_obj_track_times(p.id(), false) < 0)
        write_failed("cannot set up dataset creation properties");
    if (!chunk.empty()) {
        // Shuffle groups the bytes of each significance together, which lets deflate
        // find the runs in slowly varying doubles; both are lossless. Level 1: on a
        // Morocco Sobol batch (448 runs) level 4 took 8% more CPU time (the batch file's
        // deflate is most of its assembly) for a file 2% smaller (77.3 MB vs 78.9 MB).
        if (H5Pset_chunk(p.id(), static_cast<int>(chunk.size()), chunk.data()) < 0 ||
            H5Pset_shuffle(p.id()) < 0 || H5Pset_deflate(p.id(), 1) < 0)
            write_failed("cannot set up chunking " + shape_text(chunk) + " with shuffle and deflate");
    }
    return p;
}

// --- Attribute ---

Attribute Attribute::of(hid_t owned_id) { return Attribute(owned_id); }

// --- Location, File, Group ---

bool Location::contains(const std::string& name) const {
    quiet();
    const htri_t exists = H5Lexists(id(), name.c_str(), H5P_DEFAULT);
    if (exists < 0) read_failed(*this, "cannot look up " + quoted(name) + " in " + path());
    return exists > 0;
}

File File::create(const std::string& path) {
    quiet();
    const PropertyList creation = PropertyList::file_creation();
    const PropertyList access = PropertyList::file_access();
    const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_EXCL, creation.id(), access.id());
    if (id < 0) write_failed("cannot create HDF5 file " + path);
    return File(id, path, true);
}

File File::open_read_only(const std::string& path) {
    quiet();
    const PropertyList access = PropertyList::file_access();
    const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, access.id());
    if (id < 0) throw InputError(path, 0, 0, "cannot open as an HDF5 file" + hdf5_message());
    return File(id, path, false);
}

void File::flush() {
    quiet();
    if (H5Fflush(id(), H5F_SCOPE_GLOBAL) < 0) write_failed(name_ + ": cannot flush");
}

void File::close() {
    if (!valid()) return;
    flush();
    if (H5Fclose(release()) < 0) write_failed(name_ + ": cannot close");
    if (checksum_) write_file_checksum(name_);
}

Group Group::create(const Location& where, const std::string& name) {
    quiet();
    const PropertyList creation = PropertyList::group_creation();
    const hid_t id = H5Gcreate2(where.id(), name.c_str(), H5P_DEFAULT, creation.id(), H5P_DEFAULT);
    if (id < 0) write_failed(where, "cannot create group " + quoted(name) + " in " + where.path());
    return Group(id);
}

Group Group::open(const Location& where, const std::string& name) {
    quiet();
    if (!where.contains(name))
        throw InputError(where.file_name(), 0, 0, "no group " + quoted(name) + " in " + where.path());
    const hid_t id = H5Gopen2(where.id(), name.c_str(), H5P_DEFAULT);
    if (id < 0) read_failed(where, "cannot open group " + quoted(name) + " in " + where.path());
    return Group(id);
}

// --- Dataset ---

Dataset Dataset::create(const Location& where, const std::string& name, hid_t file_type,
                        const Dataspace& space, const PropertyList& creation) {
    quiet();
    const hid_t id = H5Dcreate2(where.id(), name.c_str(), file_type, space.id(), H5P_DEFAULT,
                                creation.id(), H5P_DEFAULT);
    if (id < 0) write_failed(where, "cannot create dataset " + quoted(name) + " in " + where.path());
    return Dataset(id);
}

Dataset Dataset::open(const Location& where, const std::string& name) {
    quiet();
    if (!where.contains(name))
        throw InputError(where.file_name(), 0, 0, "no dataset " + quoted(name) + " in " + where.path());
    const hid_t id = H5Dopen2(where.id(), name.c_str(), H5P_DEFAULT);
    if (id < 0) read_failed(where, "cannot open dataset " + quoted(name) + " in " + where.path());
    return Dataset(id);
}

Dataspace Dataset::space() const {
    const hid_t id = H5Dget_space(this->id());
    if (id < 0) read_failed(*this, "cannot get the dataspace of " + path());
    return Dataspace::of(id);
}

Datatype Dataset::type() const {
    const hid_t id = H5Dget_type(this->id());
    if (id < 0) read_failed(*this, "cannot get the datatype of " + path());
    return Datatype::of(id);
}

// --- arrays ---

std::vector<hsize_t> chunk_shape(const std::vector<hsize_t>& shape, std::size_t element_bytes) {
    constexpr std::size_t kTargetBytes = std::size_t{1} << 20;
    std::vector<hsize_t> chunk = shape;
    for (hsize_t& c : chunk) c = c == 0 ? 1 : c;  // a chunk dimension must be at least 1
    // Halve the slowest dimension first: a reader usually wants all sectors and
    // technologies of a span of steps, which then sit in one chunk.
    std::size_t axis = 0;
    while (axis < chunk.size() && product(chunk) * element_bytes > kTargetBytes) {
        if (chunk[axis] > 1)
            chunk[axis] = (chunk[axis] + 1) / 2;
        else
            ++axis;
    }
    return chunk;
}

Dataset detail::write_array(const Location& where, const std::string& name, hid_t file_type,
                            hid_t memory_type, std::size_t element_bytes, const void* data,
                            std::size_t count, const std::vector<hsize_t>& shape) {
    quiet();
    if (count != product(shape))
        throw OutputError(file_of(where) + "cannot write dataset " + quoted(name) + ": " +
                          std::to_string(count) + " values for shape " + shape_text(shape));
    const bool compress = !shape.empty() && count * element_bytes > kCompressAboveBytes;
    const PropertyList creation =
        PropertyList::dataset_creation(compress ? chunk_shape(shape, element_bytes)
                                                : std::vector<hsize_t>{});
    Dataset dataset = Dataset::create(where, name, file_type, Dataspace::simple(shape), creation);
    if (count > 0 && H5Dwrite(dataset.id(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        write_failed(where, "cannot write dataset " + quoted(name) + " in " + where.path());
    return dataset;
}

void detail::read_array(const Dataset& dataset, hid_t memory_type, std::size_t element_bytes,
                        void* data, std::size_t count) {
    quiet();
    const Datatype stored = dataset.type();
    check_readable(dataset, "dataset " + dataset.path(), stored.id(), memory_type, element_bytes);
    if (count > 0 && H5Dread(dataset.id(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        read_failed(dataset, "cannot read dataset " + dataset.path());
}

Dataset write_strings(const Location& where, const std::string& name,
                      const std::vector<std::string>& values) {
    quiet();
    std::vector<const char*> pointers;
    pointers.reserve(values.size());
    for (const std::string& s : values) {
        // A C string ends at the first NUL: refuse rather than store a truncated name.
        if (s.find('\0') != std::string::npos)
            throw OutputError(file_of(where) + "cannot write dataset " + quoted(name) +
                              ": a value contains a NUL character");
        pointers.push_back(s.c_str());
    }
    const Datatype type = Datatype::utf8_string();
    Dataset dataset = Dataset::create(where, name, type.id(), Dataspace::simple({values.size()}),
                                      PropertyList::dataset_creation());
    if (!values.empty() &&
        H5Dwrite(dataset.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()) < 0)
        write_failed(where, "cannot write dataset " + quoted(name) + " in " + where.path());
    return dataset;
}

std::vector<std::string> read_strings(const Location& where, const std::string& name) {
    const Dataset dataset = Dataset::open(where, name);
    const Datatype stored = dataset.type();
    if (H5Tget_class(stored.id()) != H5T_STRING)
        throw InputError(where.file_name(), 0, 0, "dataset " + dataset.path() + " does not hold strings");
    const Dataspace space = dataset.space();
    const std::size_t count = space.points();
    if (count == 0) return {};
    const htri_t variable = H5Tis_variable_str(stored.id());
    if (variable < 0) read_failed(dataset, "cannot read the string type of " + dataset.path());
    if (variable > 0) {
        std::vector<char*> pointers(count, nullptr);
        if (H5Dread(dataset.id(), stored.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()) < 0)
            read_failed(dataset, "cannot read dataset " + dataset.path());
        std::vector<std::string> out;
        out.reserve(count);
        for (const char* p : pointers) out.emplace_back(p != nullptr ? p : "");
        H5Dvlen_reclaim(stored.id(), space.id(), H5P_DEFAULT, pointers.data());
        return out;
    }
    const std::size_t size = H5Tget_size(stored.id());
    std::vector<char> buffer(count * size);
    if (H5Dread(dataset.id(), stored.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()) < 0)
        read_failed(dataset, "cannot read dataset " + dataset.path());
    return split_fixed(buffer, size, count);
}

// --- attributes ---

void write_attribute(const Object& object, const std::string& name, std::string_view text) {
    quiet();
    if (text.find('\0') != std::string_view::npos)
        throw OutputError(file_of(object) + "cannot write attribute " + quoted(name) + " on " +
                          object.path() + ": the text contains a NUL character");
    // netCDF stores text as a string exactly as long as the text; an empty text,
    // which no string type can hold, as a null dataspace.
    const Datatype type = Datatype::utf8_text(text.empty() ? 1 : text.size());
    const Dataspace space = text.empty() ? Dataspace::null() : Dataspace::scalar();
    const Attribute attribute = create_attribute(object, name, type.id(), space);
    if (!text.empty() && H5Awrite(attribute.id(), type.id(), text.data()) < 0)
        write_failed(object, "cannot write attribute " + quoted(name) + " on " + object.path());
}

void detail::write_attribute(const Object& object, const std::string& name, hid_t file_type,
                             hid_t memory_type, const void* value) {
    quiet();
    const Attribute attribute = create_attribute(object, name, file_type, Dataspace::scalar());
    if (H5Awrite(attribute.id(), memory_type, value) < 0)
        write_failed(object, "cannot write attribute " + quoted(name) + " on " + object.path());
}

bool has_attribute(const Object& object, const std::string& name) {
    quiet();
    const htri_t exists = H5Aexists(object.id(), name.c_str());
    if (exists < 0) read_failed(object, "cannot look up attribute " + quoted(name) + " on " + object.path());
    return exists > 0;
}

std::string read_text_attribute(const Object& object, const std::string& name) {
    const Attribute attribute = open_attribute(object, name);
    const std::string what = "attribute " + quoted(name) + " on " + object.path();
    const Datatype stored = Datatype::of(H5Aget_type(attribute.id()));
    const Dataspace space = Dataspace::of(H5Aget_space(attribute.id()));
    if (!stored.valid() || !space.valid()) read_failed(object, "cannot inspect " + what);
    if (H5Tget_class(stored.id()) != H5T_STRING)
        throw InputError(object.file_name(), 0, 0, what + " is not text");
    const std::size_t count = space.is_null() ? 0 : space.points();
    if (count == 0) return {};
    const htri_t variable = H5Tis_variable_str(stored.id());
    if (variable < 0) read_failed(object, "cannot read the string type of " + what);
    std::string out;
    if (variable > 0) {
        std::vector<char*> pointers(count, nullptr);
        if (H5Aread(attribute.id(), stored.id(), pointers.data()) < 0)
            read_failed(object, "cannot read " + what);
        for (const char* p : pointers) out += p != nullptr ? p : "";
        H5Dvlen_reclaim(stored.id(), space.id(), H5P_DEFAULT, pointers.data());
        return out;
    }
    // A one-dimensional array of characters (older netCDF text) joins into one text.
    const std::size_t size = H5Tget_size(stored.id());
    std::vector<char> buffer(count * size);
    if (H5Aread(attribute.id(), stored.id(), buffer.data()) < 0)
        read_failed(object, "cannot read " + what);
    for (const std::string& s : split_fixed(buffer, size, count)) out += s;
    return out;
}

void detail::read_attribute(const Object& object, const std::string& name, hid_t memory_type,
                            std::size_t bytes, void* value) {
    const Attribute attribute = open_attribute(object, name);
    const std::string what = "attribute " + quoted(name) + " on " + object.path();
    const Datatype stored = Datatype::of(H5Aget_type(attribute.id()));
    const Dataspace space = Dataspace::of(H5Aget_space(attribute.id()));
    if (!stored.valid() || !space.valid()) read_failed(object, "cannot inspect " + what);
    check_readable(object, what, stored.id(), memory_type, bytes);
    if (space.is_null() || space.points() != 1)
        throw InputError(object.file_name(), 0, 0, what + " is not a single value");
    if (H5Aread(attribute.id(), memory_type, value) < 0) read_failed(object, "cannot read " + what);
}

// --- dimension scales ---

void set_dimension_scale(const Dataset& dataset, const std::string& dimension) {
    quiet();
    if (H5DSset_scale(dataset.id(), dimension.c_str()) < 0)
        write_failed(dataset, "cannot make " + dataset.path() + " the dimension scale " + quoted(dimension));
}

void attach_dimension_scale(const Dataset& dataset, const Dataset& scale, unsigned axis) {
    quiet();
    if (H5DSattach_scale(dataset.id(), scale.id(), axis) < 0)
        write_failed(dataset, "cannot attach dimension scale " + scale.path() + " to axis " +
                                  std::to_string(axis) + " of " + dataset.path());
}

bool is_dimension_scale(const Dataset& dataset) {
    quiet();
    const htri_t is = H5DSis_scale(dataset.id());
    if (is < 0) read_failed(dataset, "cannot tell whether " + dataset.path() + " is a dimension scale");
    return is > 0;
}

bool is_attached(const Dataset& dataset, const Dataset& scale, unsigned axis) {
    quiet();
    const htri_t is = H5DSis_attached(dataset.id(), scale.id(), axis);
    if (is < 0)
        read_failed(dataset, "cannot tell whether " + scale.path() + " is attached to axis " +
                                 std::to_string(axis) + " of " + dataset.path());
    return is > 0;
}

// --- format version ---

int check_format_version(const File& file, int newest_supported) {
    if (!has_attribute(file, "format_version"))
        throw InputError(file.name(), 0, 0,
                         "no root attribute \"format_version\": not a greenshift output file");
    const auto version = read_attribute<std::int64_t>(file, "format_version");
    if (version < 1)
        throw InputError(file.name(), 0, 0, "invalid format_version " + std::to_string(version));
    if (version > newest_supported)
        throw InputError(file.name(), 0, 0,
                         "format_version " + std::to_string(version) +
                             " is newer than this greenshift reads (up to " +
                             std::to_string(newest_supported) + "); use a newer greenshift");
    return static_cast<int>(version);
}

}  // namespace greenshift::hdf5
