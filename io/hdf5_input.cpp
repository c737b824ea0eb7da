#include "io/hdf5_input.hpp"

#include <fcntl.h>
#include <hdf5_hl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <string_view>

#include "greenshift/version.hpp"
#include "io/batch_reader.hpp"
#include "io/file_checksum.hpp"
#include "io/input_error.hpp"
#include "io/interrupt.hpp"

namespace greenshift {

namespace {

[[noreturn]] void refuse(const std::string& path, const std::string& what) { throw InputError(path, 0, 0, what); }

// A dataset may declare at most this many times more bytes than it stores, plus
// kSlackBytes: deflate packs at most ~1032 bytes into one, and greenshift writes
// every chunk it declares. Larger claims (a forged shape over a few stored bytes)
// would make a reader allocate what the file cannot hold.
constexpr long double kMaxExpansion = 1100;
constexpr long double kSlackBytes = 1 << 20;
// More axes than any greenshift dataset has (effect statistics: 6).
constexpr int kMaxRank = 8;

std::string shape_text(const std::vector<hsize_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

// 1. A regular file, opened without blocking; returns its descriptor and size.
int open_regular(const std::string& path, std::uint64_t& bytes) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) refuse(path, "no such file");
        refuse(path, std::string("cannot be read: ") + std::strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) refuse(path, "is a directory, not an HDF5 file");
    if (S_ISFIFO(st.st_mode))
        refuse(path, "is a named pipe, not a regular file; greenshift reads HDF5 files from disk only (save the "
                     "data to a file first)");
    if (S_ISSOCK(st.st_mode)) refuse(path, "is a socket, not a regular file");
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) refuse(path, "is a device, not a regular file");
    if (!S_ISREG(st.st_mode)) refuse(path, "is not a regular file");
    // O_NONBLOCK: were the path swapped for a pipe since stat(), open would not wait.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) refuse(path, std::string("cannot be opened: ") + std::strerror(errno));
    struct stat opened {};
    if (::fstat(fd, &opened) != 0 || !S_ISREG(opened.st_mode) || opened.st_ino != st.st_ino ||
        opened.st_dev != st.st_dev) {
        ::close(fd);
        refuse(path, "changed while it was being opened");
    }
    bytes = static_cast<std::uint64_t>(opened.st_size);
    return fd;
}

bool text_attribute_is(const hdf5::Object& object, const char* name, const char* value) {
    return hdf5::has_attribute(object, name) && hdf5::read_text_attribute(object, name) == value;
}

FileKind kind_of(const hdf5::File& file, const std::string& path) {
    if (text_attribute_is(file, "kind", "calibration")) return FileKind::calibration;
    if (text_attribute_is(file, "kind", "calibration_checkpoint")) return FileKind::calibration_checkpoint;
    if (hdf5::has_attribute(file, "part_format")) return FileKind::part;
    if (hdf5::has_attribute(file, "shard_count")) return FileKind::shard;
    if (hdf5::has_attribute(file, "batch_identity")) {
        if (!file.contains("runs")) refuse(path, "has a batch identity but no /runs group: not a complete batch file");
        return FileKind::batch;
    }
    if (!hdf5::has_attribute(file, "scenario"))
        refuse(path, "is neither a run, batch, shard nor part file (no root attribute scenario)");
    return FileKind::run;
}

// "a run file", and who writes such files.
std::pair<std::string, std::string> described(FileKind kind, const hdf5::File& file) {
    switch (kind) {
        case FileKind::run: return {"a run file", "written by `greenshift run`"};
        case FileKind::batch: return {"a whole batch file", "written by `greenshift batch` or `greenshift merge`"};
        case FileKind::shard: {
            const std::string which = hdf5::has_attribute(file, "shard") ? hdf5::read_text_attribute(file, "shard") : "";
            return {"a shard file", (which.empty() ? std::string("one shard") : "shard " + which) +
                                        " of a batch, written by `greenshift batch --shard`"};
        }
        case FileKind::part: return {"a part file", "the saved runs of a running batch, in OUTPUT.parts/"};
        case FileKind::calibration: return {"a calibration file", "written by `greenshift calibrate`"};
        case FileKind::calibration_checkpoint:
            return {"a calibration checkpoint", "the saved evaluations of a running `greenshift calibrate`"};
    }
    return {"", ""};
}

// "run or batch file"
std::string kinds_text(std::initializer_list<FileKind> kinds) {
    std::string s;
    std::size_t i = 0;
    for (const FileKind k : kinds) {
        if (i > 0) s += i + 1 == kinds.size() ? " or " : ", ";
        std::string name = file_kind_name(k);
        s += name.substr(0, name.find(' '));
        ++i;
    }
    return s + " file";
}

// What to do instead, when a command is given a kind of file it does not read.
std::string hint(FileKind found, const std::string& command) {
    if (found == FileKind::shard)
        return "join every shard of the batch with `greenshift merge SHARD.h5... -o BATCH.h5`, then run `greenshift " +
               command + " BATCH.h5`";
    if (found == FileKind::batch && command == "merge") return "merge takes the files of `greenshift batch --shard I/N`";
    if (found == FileKind::run && command == "summary")
        return "summary reads batch files; a run file has no indicators (export, plot and report read it)";
    if (found == FileKind::part) return "a part is read only by `greenshift batch --resume`";
    if (found == FileKind::calibration_checkpoint) return "a checkpoint is read only by `greenshift calibrate --resume`";
    return "";
}

// 5. Links, and every dataset's storage, type and size.
struct Scan {
    std::string problem;
};

herr_t find_foreign_link(hid_t, const char* name, const H5L_info_t* info, void* data) {
    if (info->type == H5L_TYPE_HARD) return 0;
    auto& scan = *static_cast<Scan*>(data);
    scan.problem = std::string("contains ") + (info->type == H5L_TYPE_SOFT ? "a soft" : "an external") + " link '/" +
                   name + "'; greenshift follows no soft or external link (it writes none): it could lead to "
                   "another file, or nowhere";
    return 1;
}

std::string check_type(hid_t type) {
    const H5T_class_t kind = H5Tget_class(type);
    const std::size_t size = H5Tget_size(type);
    if (kind == H5T_STRING) {
        const htri_t variable = H5Tis_variable_str(type);
        if (variable < 0) return "an unreadable string type";
        if (variable == 0 && size > (std::size_t{1} << 20)) return "fixed-length strings of " + std::to_string(size) + " bytes";
        return "";
    }
    if (kind == H5T_FLOAT || kind == H5T_INTEGER) {
        const bool sizes = kind == H5T_FLOAT ? (size == 4 || size == 8) : (size == 1 || size == 2 || size == 4 || size == 8);
        if (!sizes || H5Tget_order(type) != H5T_ORDER_LE) return "numbers of an unusual size or byte order";
        if (kind == H5T_FLOAT && H5Tequal(type, size == 8 ? H5T_IEEE_F64LE : H5T_IEEE_F32LE) <= 0)
            return "a floating-point type that is not IEEE";
        return "";
    }
    return "a type greenshift does not write (only numbers and strings)";
}

std::string check_dataset(hid_t dataset) {
    const hdf5::Owned type(H5Dget_type(dataset), H5Tclose);
    const hdf5::Owned space(H5Dget_space(dataset), H5Sclose);
    const hdf5::Owned creation(H5Dget_create_plist(dataset), H5Pclose);
    if (type.id() < 0 || space.id() < 0 || creation.id() < 0) return "cannot be inspected" + hdf5::error_text();
    if (std::string t = check_type(type.id()); !t.empty()) return "has " + t;
    const int rank = H5Sget_simple_extent_ndims(space.id());
    if (rank < 0 || rank > kMaxRank) return "has " + std::to_string(rank) + " axes";
    const hssize_t points = H5Sget_simple_extent_npoints(space.id());
    if (points < 0) return "has an unreadable shape";
    const H5D_layout_t layout = H5Pget_layout(creation.id());
    if (layout != H5D_COMPACT && layout != H5D_CONTIGUOUS && layout != H5D_CHUNKED)
        return "keeps its values in other files (a virtual dataset)";
    if (H5Pget_external_count(creation.id()) != 0) return "keeps its values in another file (external storage)";
    const int filters = H5Pget_nfilters(creation.id());
    if (filters < 0) return "has an unreadable filter list";
    for (int i = 0; i < filters; ++i) {
        unsigned flags = 0, config = 0;
        std::size_t values = 0;
        const H5Z_filter_t id = H5Pget_filter2(creation.id(), static_cast<unsigned>(i), &flags, &values, nullptr, 0,
                                               nullptr, &config);
        if (id != H5Z_FILTER_SHUFFLE && id != H5Z_FILTER_DEFLATE && id != H5Z_FILTER_FLETCHER32)
            return "needs HDF5 filter " + std::to_string(id) + " (greenshift writes only shuffle, deflate and Fletcher-32)";
    }
    const long double declared = static_cast<long double>(points) * static_cast<long double>(H5Tget_size(type.id()));
    const long double stored = static_cast<long double>(H5Dget_storage_size(dataset));
    if (declared > kMaxExpansion * stored + kSlackBytes)
        return "declares " + std::to_string(points) + " values but stores only " +
               std::to_string(static_cast<unsigned long long>(stored)) + " bytes";
    return "";
}

herr_t scan_object(hid_t parent, const char* name, const H5O_info_t* info, void* data) {
    auto& scan = *static_cast<Scan*>(data);
    if (info->type == H5O_TYPE_GROUP || info->type == H5O_TYPE_NAMED_DATATYPE) return 0;
    if (info->type != H5O_TYPE_DATASET) {
        scan.problem = std::string("holds an object of unknown type at /") + name;
        return 1;
    }
    const hdf5::Owned dataset(H5Oopen(parent, name, H5P_DEFAULT), H5Oclose);
    const std::string problem = dataset.id() < 0 ? "cannot be opened" + hdf5::error_text()
                                                 : check_dataset(dataset.id());
    if (problem.empty()) return 0;
    scan.problem = std::string("dataset /") + name + " " + problem;
    return 1;
}

void scan_file(const hdf5::File& file, const std::string& path) {
    Scan scan;
    if (H5Lvisit(file.id(), H5_INDEX_NAME, H5_ITER_INC, find_foreign_link, &scan) < 0)
        refuse(path, "cannot list the links of the file" + hdf5::error_text());
    if (!scan.problem.empty()) refuse(path, scan.problem);
    if (H5Ovisit2(file.id(), H5_INDEX_NAME, H5_ITER_INC, scan_object, &scan, H5O_INFO_BASIC) < 0 && scan.problem.empty())
        refuse(path, "cannot list the objects of the file" + hdf5::error_text());
    if (!scan.problem.empty()) refuse(path, scan.problem);
}

// 3-5, on a file HDF5 has opened.
InputFile checked(hdf5::File file, const std::string& path, std::initializer_list<FileKind> accepted,
                  const std::string& command) {
    if (!text_attribute_is(file, "program", "greenshift"))
        refuse(path, "not a greenshift file (no root attribute program = \"greenshift\")");
    hdf5::check_format_version(file, kFormatVersion);
    const FileKind kind = kind_of(file, path);
    bool ok = false;
    for (const FileKind k : accepted) ok = ok || k == kind;
    if (!ok) {
        const std::string how = hint(kind, command);
        const auto [what, origin] = described(kind, file);
        refuse(path, "is " + what + ", not a " + kinds_text(accepted) + " (" + origin + ")" +
                         (how.empty() ? "" : "; " + how));
    }
    scan_file(file, path);
    InputFile in;
    in.file = std::move(file);
    in.kind = kind;
    in.path = path;
    return in;
}

}  // namespace

const char* file_kind_name(FileKind kind) {
    switch (kind) {
        case FileKind::run: return "run file";
        case FileKind::batch: return "batch file";
        case FileKind::shard: return "shard file";
        case FileKind::part: return "part file";
        case FileKind::calibration: return "calibration file";
        case FileKind::calibration_checkpoint: return "calibration checkpoint";
    }
    return "file";
}

InputFile open_input(const std::string& path, std::initializer_list<FileKind> accepted, const std::string& command) {
    std::uint64_t bytes = 0;
    const int fd = open_regular(path, bytes);
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    check_file_checksum(
        path, bytes,
        [fd](std::uint64_t offset, std::size_t size, unsigned char* buffer) {
            std::size_t done = 0;
            while (done < size) {
                const ssize_t n = ::pread(fd, buffer + done, size - done, static_cast<off_t>(offset + done));
                if (n < 0 && errno == EINTR) {
                    stop_if_requested();
                    continue;
                }
                if (n <= 0) return false;
                done += static_cast<std::size_t>(n);
            }
            return true;
        },
        stop_if_requested);
    return checked(hdf5::File::open_read_only(path), path, accepted, command);
}

InputFile open_input_image(const std::string& name, const void* image, std::size_t bytes,
                           std::initializer_list<FileKind> accepted, const std::string& command) {
    const auto* data = static_cast<const unsigned char*>(image);
    check_file_checksum(name, bytes, [data, bytes](std::uint64_t offset, std::size_t size, unsigned char* buffer) {
        if (offset > bytes || size > bytes - offset) return false;
        std::memcpy(buffer, data + offset, size);
        return true;
    });
    hdf5::prepare_library();
    // The core (memory) driver over a copy of the image, no backing file. (HDF5
    // 1.10's H5LTopen_file_image without a copy leaks its callback data.)
    const hdf5::Owned access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    if (access.id() < 0 || H5Pset_fapl_core(access.id(), 1 << 20, false) < 0 ||
        H5Pset_file_image(access.id(), const_cast<void*>(image), bytes) < 0)
        refuse(name, "cannot set up an HDF5 file image" + hdf5::error_text());
    const hid_t id = H5Fopen(name.c_str(), H5F_ACC_RDONLY, access.id());
    if (id < 0) refuse(name, "cannot open as an HDF5 file" + hdf5::error_text());
    return checked(hdf5::File::of(id, name), name, accepted, command);
}

void check_shape(const hdf5::Dataset& dataset, const std::vector<hsize_t>& expected, const std::string& what) {
    const std::vector<hsize_t> shape = dataset.shape();
    if (shape != expected)
        refuse(dataset.file_name(), "dataset " + dataset.path() + " has shape " + shape_text(shape) + ", but " + what +
                                        " give " + shape_text(expected));
}

namespace {

struct ScaleLength {
    bool one_dimensional = false;
    hsize_t length = 0;
    std::string name;
};

herr_t first_scale(hid_t, unsigned, hid_t scale, void* data) {
    auto& out = *static_cast<ScaleLength*>(data);
    const hdf5::Owned space(H5Dget_space(scale), H5Sclose);
    if (space.id() < 0) return -1;
    out.one_dimensional = H5Sget_simple_extent_ndims(space.id()) == 1;
    if (out.one_dimensional && H5Sget_simple_extent_dims(space.id(), &out.length, nullptr) < 0) return -1;
    char name[256] = {};
    if (H5DSget_scale_name(scale, name, sizeof name) > 0) out.name = name;
    return 1;
}

struct AxesCheck {
    std::string prefix;  // the visited group's path, ending in '/'
    bool every_axis = false;  // an axis without a dimension scale is a problem
    std::string problem;
};

// The one dataset of greenshift's run and batch files without dimension scales: the
// budgets' sentences, whose length read_summary checks against the variants.
constexpr std::string_view kUnscaled = "/budgets/summary";

herr_t check_axes(hid_t parent, const char* relative, const H5O_info_t* info, void* data) {
    if (info->type != H5O_TYPE_DATASET) return 0;
    auto& check = *static_cast<AxesCheck*>(data);
    std::string& problem = check.problem;
    const std::string name = check.prefix + relative;
    const hdf5::Owned dataset(H5Dopen2(parent, relative, H5P_DEFAULT), H5Dclose);
    const hdf5::Owned space(dataset.id() < 0 ? -1 : H5Dget_space(dataset.id()), H5Sclose);
    const int rank = space.id() < 0 ? -1 : H5Sget_simple_extent_ndims(space.id());
    if (rank < 0) {
        problem = "dataset " + name + " cannot be inspected" + hdf5::error_text();
        return 1;
    }
    std::vector<hsize_t> shape(static_cast<std::size_t>(rank));
    if (rank > 0) H5Sget_simple_extent_dims(space.id(), shape.data(), nullptr);
    const bool must_be_scaled = check.every_axis && name != kUnscaled && H5DSis_scale(dataset.id()) <= 0;
    H5Eclear2(H5E_DEFAULT);
    for (unsigned axis = 0; axis < static_cast<unsigned>(rank); ++axis) {
        const int scales = H5DSget_num_scales(dataset.id(), axis);
        if (scales <= 0) {
            H5Eclear2(H5E_DEFAULT);
            if (must_be_scaled) {
                problem = "dataset " + name + " has no dimension scale on axis " + std::to_string(axis) +
                          "; greenshift attaches one to every axis of the datasets it writes, which it checks them "
                          "against";
                return 1;
            }
            continue;
        }
        ScaleLength scale;
        int index = 0;
        if (H5DSiterate_scales(dataset.id(), axis, &index, first_scale, &scale) < 0 || !scale.one_dimensional) {
            problem = "dataset " + name + ": the dimension scale of axis " + std::to_string(axis) +
                      " is unreadable or not one-dimensional" + hdf5::error_text();
            return 1;
        }
        if (scale.length != shape[axis]) {
            problem = "dataset " + name + " has " + std::to_string(shape[axis]) + " values along axis " +
                      std::to_string(axis) + ", but its dimension " + scale.name + " has " +
                      std::to_string(scale.length);
            return 1;
        }
    }
    return 0;
}

}  // namespace

void check_dimensions(const hdf5::Location& where, bool every_axis) {
    AxesCheck check;
    check.every_axis = every_axis;
    check.prefix = where.path();
    if (check.prefix.empty() || check.prefix.back() != '/') check.prefix += '/';
    const herr_t status = H5Ovisit2(where.id(), H5_INDEX_NAME, H5_ITER_INC, check_axes, &check, H5O_INFO_BASIC);
    if (!check.problem.empty()) refuse(where.file_name(), check.problem);
    if (status < 0) refuse(where.file_name(), "cannot list the datasets of " + where.path() + hdf5::error_text());
}

void check_readable_whole(const std::string& path, const std::string& command) {
    const InputFile in = open_input(path, {FileKind::run, FileKind::batch, FileKind::calibration}, command);
    // python reads every group by position: in a run or batch file, every axis must
    // have the scale it is checked against (a crafted file could drop them)
    check_dimensions(in.file, in.kind != FileKind::calibration);
    // A batch file's summary table gets the checks of `summary` too: its shapes
    // against the coordinates by name, which a dataset without dimension scales escapes.
    if (in.kind == FileKind::batch) read_summary(in.file);
}

}  // namespace greenshift
