// A thin RAII layer over the HDF5 C API. Handles are move-only and close themselves;
// every call is checked, and a failure becomes an exception that names the file and
// the object: OutputError when writing, InputError when reading. HDF5's own printing
// of its error stack is switched off; its innermost message is quoted instead.
//
// The layer writes what netCDF-4 needs to open a plain HDF5 file as a dataset with
// named dimensions: creation order tracked and indexed, dimension scales, text
// attributes as fixed-length strings, string coordinates as variable-length UTF-8.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace greenshift::hdf5 {

// Called at the start of `main`, before any other HDF5 call: no library clean-up at
// exit (which crashes after a failed write in HDF5 1.10), no error printing, no
// filter plugins.
void prepare_library() noexcept;

// What HDF5's error stack says about the last failure, as ": text" on one line (""
// when it says nothing); clears the stack.
std::string error_text();

// Owns one HDF5 identifier. The destructor closes it and ignores a failure (a
// destructor must not throw); code that must know a close succeeded calls
// File::close().
class Object {
public:
    Object() noexcept = default;
    Object(Object&& other) noexcept;
    Object& operator=(Object&& other) noexcept;
    Object(const Object&) = delete;
    Object& operator=(const Object&) = delete;
    ~Object();

    hid_t id() const noexcept { return id_; }
    bool valid() const noexcept { return id_ >= 0; }
    std::string path() const;       // the object's path in its file, "/" for the root
    std::string file_name() const;  // the file the object lives in

protected:
    using Closer = herr_t (*)(hid_t);
    Object(hid_t id, Closer closer) noexcept : id_(id), closer_(closer) {}
    void reset() noexcept;      // closes, ignoring failure
    hid_t release() noexcept;   // gives up ownership without closing

private:
    hid_t id_ = H5I_INVALID_HID;
    Closer closer_ = nullptr;
};

// Any identifier with the function that closes it, for calls this layer does not wrap.
class Owned : public Object {
public:
    Owned(hid_t id, Closer closer) noexcept : Object(id, closer) {}
};

class Datatype : public Object {
public:
    Datatype() = default;
    static Datatype copy_of(hid_t type);           // a modifiable copy of a predefined type
    static Datatype utf8_string();                 // variable length, UTF-8
    static Datatype utf8_text(std::size_t bytes);  // fixed length, null-terminated, UTF-8
    static Datatype of(hid_t owned_id);            // takes ownership of an open type id

private:
    explicit Datatype(hid_t id) noexcept : Object(id, H5Tclose) {}
};

class Dataspace : public Object {
public:
    Dataspace() = default;
    static Dataspace scalar();
    static Dataspace null();  // no elements: netCDF's encoding of an empty text attribute
    static Dataspace simple(const std::vector<hsize_t>& shape);
    static Dataspace of(hid_t owned_id);

    std::vector<hsize_t> shape() const;  // empty for scalar and null spaces
    std::size_t points() const;          // 1 for scalar, 0 for null
    bool is_null() const;

private:
    explicit Dataspace(hid_t id) noexcept : Object(id, H5Sclose) {}
};

// Creation and access property lists, already set up the way greenshift files need.
class PropertyList : public Object {
public:
    PropertyList() = default;
    // Root group: link and attribute creation order tracked and indexed.
    static PropertyList file_creation();
    // Close every object of the file with it, so a closed file is really closed.
    static PropertyList file_access();
    // Link and attribute creation order tracked and indexed, no timestamps.
    static PropertyList group_creation();
    // Attribute creation order tracked and indexed, no timestamps; chunked with
    // shuffle + deflate when `chunk` is not empty, contiguous otherwise.
    static PropertyList dataset_creation(const std::vector<hsize_t>& chunk = {});

private:
    explicit PropertyList(hid_t id) noexcept : Object(id, H5Pclose) {}
};

class Attribute : public Object {
public:
    Attribute() = default;
    static Attribute of(hid_t owned_id);

private:
    explicit Attribute(hid_t id) noexcept : Object(id, H5Aclose) {}
};

// Something that holds links: a file (its root group) or a group.
class Location : public Object {
public:
    bool contains(const std::string& name) const;  // a direct child link of that name

protected:
    Location() = default;
    Location(hid_t id, Closer closer) noexcept : Object(id, closer) {}
};

class File : public Location {
public:
    File() = default;
    // A new file; fails if `path` exists, so a file we did not create is never
    // truncated. close() appends its checksum (io/file_checksum.hpp).
    static File create(const std::string& path);
    // Opens without any of the checks of io/hdf5_input.hpp (which every command
    // uses): for the tests, and for open_input itself.
    static File open_read_only(const std::string& path);

    const std::string& name() const noexcept { return name_; }
    void flush();
    // Flushes and closes, reporting failure (the destructor cannot); a file made by
    // create() then gets its checksum. A file not closed by close() (an error
    // path) gets none, and is not a valid greenshift file.
    void close();
    // Takes an identifier of an open file (H5LTopen_file_image).
    static File of(hid_t owned_id, std::string name) noexcept { return File(owned_id, std::move(name), false); }

private:
    File(hid_t id, std::string name, bool checksum) noexcept
        : Location(id, H5Fclose), name_(std::move(name)), checksum_(checksum) {}
    std::string name_;
    bool checksum_ = false;
};

class Group : public Location {
public:
    Group() = default;
    static Group create(const Location& where, const std::string& name);
    static Group open(const Location& where, const std::string& name);

private:
    explicit Group(hid_t id) noexcept : Location(id, H5Gclose) {}
};

class Dataset : public Object {
public:
    Dataset() = default;
    static Dataset create(const Location& where, const std::string& name, hid_t file_type,
                          const Dataspace& space, const PropertyList& creation);
    static Dataset open(const Location& where, const std::string& name);

    Dataspace space() const;
    Datatype type() const;
    std::vector<hsize_t> shape() const { return space().shape(); }

private:
    explicit Dataset(hid_t id) noexcept : Object(id, H5Dclose) {}
};

// The HDF5 types of the C++ element types greenshift stores. Files always hold
// little-endian standard types so that they are the same on every machine; memory
// uses the native ones and HDF5 converts if they differ.
template <class T>
struct H5Type;  // not defined for other types: a compile error, not a silent cast
template <>
struct H5Type<double> {
    static hid_t file() { return H5T_IEEE_F64LE; }
    static hid_t memory() { return H5T_NATIVE_DOUBLE; }
};
template <>
struct H5Type<float> {
    static hid_t file() { return H5T_IEEE_F32LE; }
    static hid_t memory() { return H5T_NATIVE_FLOAT; }
};
template <>
struct H5Type<std::int32_t> {
    static hid_t file() { return H5T_STD_I32LE; }
    static hid_t memory() { return H5T_NATIVE_INT32; }
};
template <>
struct H5Type<std::int64_t> {
    static hid_t file() { return H5T_STD_I64LE; }
    static hid_t memory() { return H5T_NATIVE_INT64; }
};
template <>
struct H5Type<std::uint64_t> {
    static hid_t file() { return H5T_STD_U64LE; }
    static hid_t memory() { return H5T_NATIVE_UINT64; }
};
template <>
struct H5Type<std::uint8_t> {
    static hid_t file() { return H5T_STD_U8LE; }
    static hid_t memory() { return H5T_NATIVE_UINT8; }
};

// Arrays above this size are chunked and compressed (shuffle + deflate 1, lossless);
// smaller ones stay contiguous, where a chunk index would cost more than it saves.
inline constexpr std::size_t kCompressAboveBytes = 4096;

// The chunk shape used for an array of `shape` with elements of `element_bytes`:
// whole trailing dimensions, the leading ones split until a chunk is at most ~1 MiB.
std::vector<hsize_t> chunk_shape(const std::vector<hsize_t>& shape, std::size_t element_bytes);

namespace detail {
Dataset write_array(const Location& where, const std::string& name, hid_t file_type,
                    hid_t memory_type, std::size_t element_bytes, const void* data,
                    std::size_t count, const std::vector<hsize_t>& shape);
void read_array(const Dataset& dataset, hid_t memory_type, std::size_t element_bytes,
                void* data, std::size_t count);
void write_attribute(const Object& object, const std::string& name, hid_t file_type,
                     hid_t memory_type, const void* value);
void read_attribute(const Object& object, const std::string& name, hid_t memory_type,
                    std::size_t bytes, void* value);
}  // namespace detail

// --- writing ---

// A whole N-d array (row-major, `values.size()` must equal the product of `shape`;
// an empty shape is a scalar).
template <class T>
Dataset write_array(const Location& where, const std::string& name,
                    const std::vector<T>& values, const std::vector<hsize_t>& shape) {
    return detail::write_array(where, name, H5Type<T>::file(), H5Type<T>::memory(),
                               sizeof(T), values.data(), values.size(), shape);
}

// A 1-d dataset of variable-length UTF-8 strings (what netCDF-4 calls NC_STRING).
Dataset write_strings(const Location& where, const std::string& name,
                      const std::vector<std::string>& values);

// A text attribute: a scalar, fixed-length, null-terminated UTF-8 string, which
// netCDF reads as NC_CHAR text (an empty text gets a null dataspace, as netCDF does).
void write_attribute(const Object& object, const std::string& name, std::string_view text);
inline void write_attribute(const Object& object, const std::string& name, const char* text) {
    write_attribute(object, name, std::string_view(text));
}
inline void write_attribute(const Object& object, const std::string& name,
                            const std::string& text) {
    write_attribute(object, name, std::string_view(text));
}

// A scalar numeric attribute.
template <class T>
void write_attribute(const Object& object, const std::string& name, T value) {
    detail::write_attribute(object, name, H5Type<T>::file(), H5Type<T>::memory(), &value);
}

// Makes `dataset` the dimension scale named `dimension` (H5DSset_scale).
void set_dimension_scale(const Dataset& dataset, const std::string& dimension);
// Attaches `scale` to axis `axis` of `dataset` (H5DSattach_scale).
void attach_dimension_scale(const Dataset& dataset, const Dataset& scale, unsigned axis);

// --- reading ---

bool is_dimension_scale(const Dataset& dataset);
bool is_attached(const Dataset& dataset, const Dataset& scale, unsigned axis);
bool has_attribute(const Object& object, const std::string& name);

template <class T>
struct Array {
    std::vector<hsize_t> shape;
    std::vector<T> values;  // row-major
};

// A whole dataset. The stored type must be of the same kind as T (float or integer,
// same signedness) and no wider, so reading never rounds or wraps.
template <class T>
Array<T> read_array(const Location& where, const std::string& name) {
    const Dataset dataset = Dataset::open(where, name);
    Array<T> out;
    out.shape = dataset.shape();
    std::size_t count = 1;
    for (const hsize_t n : out.shape) count *= n;
    out.values.resize(count);
    detail::read_array(dataset, H5Type<T>::memory(), sizeof(T), out.values.data(), count);
    return out;
}

// A 1-d dataset of strings, variable or fixed length.
std::vector<std::string> read_strings(const Location& where, const std::string& name);

// A text attribute, fixed or variable length (trailing NULs dropped).
std::string read_text_attribute(const Object& object, const std::string& name);

// A scalar (or one-element) numeric attribute; the same kind rules as read_array.
template <class T>
T read_attribute(const Object& object, const std::string& name) {
    T value{};
    detail::read_attribute(object, name, H5Type<T>::memory(), sizeof(T), &value);
    return value;
}

// Reads the root attribute `format_version` and throws InputError (naming the file)
// unless it is between 1 and `newest_supported`. Returns the version found.
int check_format_version(const File& file, int newest_supported);

}  // namespace greenshift::hdf5
