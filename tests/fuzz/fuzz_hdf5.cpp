// libFuzzer target: the readers of greenshift's HDF5 files (scripts/fuzz.sh). Each
// input is one of two things:
//
// - A whole file (it starts with the HDF5 signature), read as every command reads a
//   file: the checksum is checked first. A changed byte is refused there; this tests
//   the checksum's own parsing and refusals.
// - Otherwise, a list of changes made through the HDF5 library to one of the seed
//   files, opened from memory (H5Pset_file_image, the core driver): values replaced
//   by the input's bytes (NaN, huge numbers, indices out of range, strings of any
//   bytes), datasets given other shapes and types or deleted, root attributes set to
//   other numbers and texts, soft and external links added. The HDF5 library writes
//   the result, so its metadata is well formed; the target appends the checksum and
//   the file reaches every check after it — kinds, links, types, shapes against the
//   coordinates — and the readers themselves, which is what a file forged on purpose
//   could do.
//
// The file is then opened from memory (open_input_image) and, written to a file, by
// path as the commands open files, and read the way each command reads its kind:
// summary, export and plot's check (batch and run files), merge (shards), resume
// (parts). Only InputError (and export's SelectionError) is an acceptable failure.
//
// GREENSHIFT_FUZZ_FORGE=1 (by hand, not in CI) appends a checksum to changed whole
// files too, so that damaged HDF5 metadata reaches the library's parser: HDF5 1.10
// crashes on some within a few hundred inputs (docs/reliability.md, "Known limits").
//
// Seeds: the run, batch and shard files scripts/fuzz.sh makes with greenshift. At
// start-up the target adds to the corpus folder a part made from the run file and a
// few change lists.
#include <hdf5_hl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "batch/parts.hpp"
#include "batch/shard.hpp"
#include "io/batch_reader.hpp"
#include "io/file_checksum.hpp"
#include "io/hdf5.hpp"
#include "io/hdf5_input.hpp"
#include "io/input_error.hpp"
#include "io/run_reader.hpp"
#include "io/table_export.hpp"

namespace fs = std::filesystem;
using namespace greenshift;

namespace {

constexpr char kMagic[] = "greenshift checksum ";
const unsigned char kHdf5Signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

bool has_checksum(const unsigned char* data, std::size_t size) {
    return size > kChecksumBytes && std::memcmp(data + size - kChecksumBytes, kMagic, sizeof kMagic - 1) == 0;
}

std::vector<unsigned char> read_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& p, const void* data, std::size_t size) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
}

struct State {
    std::string path;                                  // the file, for the readers that take a path
    fs::path dir;                                      // where it is, and merge writes
    std::vector<std::vector<unsigned char>> bases;     // seed files without their checksum, for change lists
    bool forge = false;
    bool verbose = false;  // GREENSHIFT_FUZZ_VERBOSE=1: each outcome on stderr
};

State& state() {
    static State s = [] {
        State x;
        // (HDF5 cannot open a memfd by its /proc/self/fd path: it resolves the real path.)
        const fs::path shm = "/dev/shm";
        std::string pattern = ((fs::is_directory(shm) ? shm : fs::temp_directory_path()) / "greenshift-fuzz-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) std::abort();
        x.dir = pattern;
        x.path = (x.dir / "input.h5").string();
        const char* forge = std::getenv("GREENSHIFT_FUZZ_FORGE");
        x.forge = forge != nullptr && std::strcmp(forge, "1") == 0;
        const char* verbose = std::getenv("GREENSHIFT_FUZZ_VERBOSE");
        x.verbose = verbose != nullptr && std::strcmp(verbose, "1") == 0;
        return x;
    }();
    return s;
}

// --- change lists ---

// The input's bytes, read in order; zeros once they run out.
class Cursor {
public:
    Cursor(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    bool done() const { return at_ >= size_; }
    std::uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
    std::uint64_t word() {
        std::uint64_t w = 0;
        for (int i = 0; i < 8; ++i) w = w << 8 | byte();
        return w;
    }
    // `n` bytes for values, repeating what is left of the input.
    std::vector<unsigned char> fill(std::size_t n) {
        std::vector<unsigned char> out(n);
        const std::size_t left = size_ > at_ ? size_ - at_ : 0;
        for (std::size_t i = 0; i < n; ++i) out[i] = left > 0 ? data_[at_ + i % left] : static_cast<unsigned char>(i);
        at_ += std::min(left, n);
        return out;
    }
    std::string text() {
        const std::size_t n = byte() % 40;
        std::string s;
        for (std::size_t i = 0; i < n; ++i) s += static_cast<char>(byte());
        return s;
    }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t at_ = 0;
};

struct Names {
    std::vector<std::string> datasets, groups;
};

herr_t collect(hid_t, const char* name, const H5O_info_t* info, void* data) {
    auto& n = *static_cast<Names*>(data);
    if (info->type == H5O_TYPE_DATASET) n.datasets.push_back(std::string("/") + name);
    if (info->type == H5O_TYPE_GROUP) n.groups.push_back(std::string("/") + name);
    return 0;
}

hid_t pick_type(std::uint8_t b) {
    switch (b % 6) {
        case 0: return H5Tcopy(H5T_IEEE_F64LE);
        case 1: return H5Tcopy(H5T_STD_I64LE);
        case 2: return H5Tcopy(H5T_STD_I32LE);
        case 3: return H5Tcopy(H5T_STD_U64LE);
        case 4: return H5Tcopy(H5T_STD_U8LE);
        default: {
            const hid_t t = H5Tcopy(H5T_C_S1);
            H5Tset_size(t, H5T_VARIABLE);
            return t;
        }
    }
}

// Writes values from the input into `dataset` of `type` (strings from its bytes).
void fill_dataset(hid_t dataset, hid_t type, Cursor& in) {
    const hid_t space = H5Dget_space(dataset);
    const hssize_t points = H5Sget_simple_extent_npoints(space);
    H5Sclose(space);
    if (points <= 0 || points > (1 << 20)) return;
    if (H5Tis_variable_str(type) > 0) {
        std::vector<std::string> texts(static_cast<std::size_t>(points));
        std::vector<const char*> pointers;
        for (std::string& t : texts) {
            t = in.text();
            t.erase(std::find(t.begin(), t.end(), '\0'), t.end());
            pointers.push_back(t.c_str());
        }
        H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data());
        return;
    }
    if (H5Tget_class(type) == H5T_STRING) return;
    const std::vector<unsigned char> bytes = in.fill(static_cast<std::size_t>(points) * H5Tget_size(type));
    H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data());
}

const char* const kRootNumbers[] = {"format_version", "sample_count", "replicate_count", "run_count",
                                    "shard_index",    "shard_count",  "variant_count",   "part_format",
                                    "seed",           "threads",      "shard_first_run", "shard_run_count"};
const char* const kRootTexts[] = {"program", "batch_identity", "shard", "scenario", "batch", "batch_file",
                                  "population", "Conventions"};

void apply(hid_t file, Cursor& in) {
    Names names;
    H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_INC, collect, &names, H5O_INFO_BASIC);
    if (names.datasets.empty()) return;
    const std::string& dataset = names.datasets[in.byte() % names.datasets.size()];
    switch (in.byte() % 8) {
        case 0:
        case 1: {  // new values, same shape and type
            const hid_t d = H5Dopen2(file, dataset.c_str(), H5P_DEFAULT);
            if (d < 0) return;
            const hid_t t = H5Dget_type(d);
            fill_dataset(d, t, in);
            H5Tclose(t);
            H5Dclose(d);
            break;
        }
        case 2: {  // another shape and type, maybe with the group's first scale on axis 0
            if (H5Ldelete(file, dataset.c_str(), H5P_DEFAULT) < 0) return;
            const int rank = in.byte() % 4;
            hsize_t dims[3] = {};
            for (int a = 0; a < rank; ++a) dims[a] = in.byte() % 9;
            const hid_t space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims, nullptr);
            const hid_t type = pick_type(in.byte());
            const hid_t d = H5Dcreate2(file, dataset.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            if (d >= 0) {
                fill_dataset(d, type, in);
                const std::string group = dataset.substr(0, dataset.rfind('/') + 1);
                const std::string scale = names.datasets[in.byte() % names.datasets.size()];
                if (rank > 0 && in.byte() % 2 == 0 && scale.rfind(group, 0) == 0) {
                    const hid_t s = H5Dopen2(file, scale.c_str(), H5P_DEFAULT);
                    if (s >= 0 && H5DSis_scale(s) > 0) H5DSattach_scale(d, s, 0);
                    if (s >= 0) H5Dclose(s);
                }
                H5Dclose(d);
            }
            H5Tclose(type);
            H5Sclose(space);
            break;
        }
        case 3:  // gone
            H5Ldelete(file, dataset.c_str(), H5P_DEFAULT);
            break;
        case 4: {  // a root attribute as another number
            const char* name = kRootNumbers[in.byte() % std::size(kRootNumbers)];
            const hid_t type = pick_type(in.byte() % 5);
            const std::vector<unsigned char> value = in.fill(H5Tget_size(type));
            if (H5Aexists(file, name) > 0) H5Adelete(file, name);
            const hid_t space = H5Screate(H5S_SCALAR);
            const hid_t a = H5Acreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
            if (a >= 0) {
                H5Awrite(a, type, value.data());
                H5Aclose(a);
            }
            H5Sclose(space);
            H5Tclose(type);
            break;
        }
        case 5: {  // a root attribute as another text
            const char* name = kRootTexts[in.byte() % std::size(kRootTexts)];
            std::string text = in.text();
            text.erase(std::find(text.begin(), text.end(), '\0'), text.end());
            if (H5Aexists(file, name) > 0) H5Adelete(file, name);
            if (!text.empty()) H5LTset_attribute_string(file, "/", name, text.c_str());
            break;
        }
        case 6: {  // a link out of the file, or to nowhere
            const std::string where = names.groups.empty() ? "/" : names.groups[in.byte() % names.groups.size()];
            const std::string name = where + (where == "/" ? "" : "/") + "link" + std::to_string(in.byte());
            if (in.byte() % 2 == 0)
                H5Lcreate_soft(dataset.c_str(), file, name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
            else
                H5Lcreate_external("/etc/hostname", "/x", file, name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
            break;
        }
        default: {  // a text attribute of the dataset (units, long_name, coordinates, ...)
            std::string text = in.text();
            text.erase(std::find(text.begin(), text.end(), '\0'), text.end());
            const char* attrs[] = {"units", "long_name", "coordinates", "method", "title"};
            const char* attr = attrs[in.byte() % std::size(attrs)];
            const hid_t d = H5Oopen(file, dataset.c_str(), H5P_DEFAULT);
            if (d < 0) return;
            if (H5Aexists(d, attr) > 0) H5Adelete(d, attr);
            H5Oclose(d);
            if (!text.empty()) H5LTset_attribute_string(file, dataset.c_str(), attr, text.c_str());
            break;
        }
    }
}

// A seed file changed by the list in `data`, as a whole file with its checksum;
// empty when the library refused the changes.
std::vector<unsigned char> changed_file(const std::uint8_t* data, std::size_t size) {
    const State& s = state();
    if (s.bases.empty()) return {};
    Cursor in(data, size);
    const std::vector<unsigned char>& base = s.bases[in.byte() % s.bases.size()];
    const hid_t access = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_core(access, 1 << 20, false);
    H5Pset_file_image(access, const_cast<unsigned char*>(base.data()), base.size());
    const hid_t file = H5Fopen("changed.h5", H5F_ACC_RDWR, access);
    H5Pclose(access);
    if (file < 0) return {};
    for (int n = 0; n < 16 && !in.done(); ++n) apply(file, in);
    H5Fflush(file, H5F_SCOPE_GLOBAL);
    std::vector<unsigned char> image;
    const ssize_t bytes = H5Fget_file_image(file, nullptr, 0);
    if (bytes > 0) {
        image.resize(static_cast<std::size_t>(bytes));
        if (H5Fget_file_image(file, image.data(), image.size()) != bytes) image.clear();
    }
    H5Fclose(file);
    H5Eclear2(H5E_DEFAULT);
    if (image.empty()) return {};
    const std::string block = file_checksum_block(image.data(), image.size());
    image.insert(image.end(), block.begin(), block.end());
    return image;
}

// --- reading, as the commands read ---

void read_as_commands(const std::string& path, FileKind kind) {
    switch (kind) {
        case FileKind::batch:
        case FileKind::run: {
            if (kind == FileKind::batch) {
                (void)read_summary(path);
                (void)read_sensitivity(path);
            }
            const hdf5::File file = open_export_input(path);
            const ExportPlan plan = plan_export(file, {});
            for (const TablePlan& t : plan.tables) {
                std::ostringstream out;
                write_table_csv(file, plan, t, out);
            }
            check_readable_whole(path, "plot");
            if (kind == FileKind::run) (void)read_run_group(open_input(path, {FileKind::run}, "fuzz").file);
            break;
        }
        case FileKind::shard: {
            (void)read_shard_identity(path);
            const fs::path out = state().dir / "merged.h5";
            std::error_code ec;
            RunMetadata meta;
            try {
                (void)merge_shards({path}, out.string(), true, meta);
                (void)read_summary(out.string());
            } catch (...) {
                fs::remove(out, ec);
                throw;
            }
            fs::remove(out, ec);
            break;
        }
        case FileKind::part: {
            const std::string identity =
                hdf5::read_text_attribute(open_input(path, {FileKind::part}, "fuzz").file, "batch_identity");
            PartFile::open(path, identity)->verify();
            break;
        }
    }
}

void read_image(const std::vector<unsigned char>& image) {
    try {
        (void)open_input_image("fuzz.h5", image.data(), image.size(),
                               {FileKind::run, FileKind::batch, FileKind::shard, FileKind::part}, "fuzz");
    } catch (const InputError&) {
    }
    State& s = state();
    write_bytes(s.path, image.data(), image.size());
    try {
        const FileKind kind =
            open_input(s.path, {FileKind::run, FileKind::batch, FileKind::shard, FileKind::part}, "fuzz").kind;
        read_as_commands(s.path, kind);
    } catch (const InputError& e) {
        // a refusal: what every damaged or hostile file must end in
        if (s.verbose) std::fprintf(stderr, "refused: %s\n", e.what());
        return;
    } catch (const SelectionError& e) {
        if (s.verbose) std::fprintf(stderr, "nothing to export: %s\n", e.what());
        return;
    }
    if (s.verbose) std::fprintf(stderr, "read\n");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    hdf5::prepare_library();
    State& s = state();
    // The corpus folder: the first argument that is not an option.
    for (int i = 1; i < *argc; ++i) {
        const std::string arg = (*argv)[i];
        if (arg.empty() || arg[0] == '-' || !fs::is_directory(arg)) continue;
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(arg)) files.push_back(entry.path());
        std::sort(files.begin(), files.end());
        for (const fs::path& p : files) {
            const std::vector<unsigned char> bytes = read_bytes(p);
            // Only files as greenshift wrote them: the corpus of an earlier session
            // holds changed ones too, which must not become bases with a new checksum.
            try {
                check_file_checksum(p.string(), bytes.size(), [&](std::uint64_t at, std::size_t n, unsigned char* out) {
                    std::memcpy(out, bytes.data() + at, n);
                    return true;
                });
            } catch (const InputError&) {
                continue;
            }
            s.bases.emplace_back(bytes.begin(), bytes.end() - static_cast<std::ptrdiff_t>(kChecksumBytes));
            if (p.filename().string().rfind("part-", 0) == 0) continue;
            try {  // a part holding the same run
                const InputFile in = open_input(p.string(), {FileKind::run}, "fuzz");
                const PartRun run = encode_part_run(0, read_run_group(in.file));
                const fs::path part = fs::path(arg) / ("part-" + p.stem().string() + ".h5");
                write_part(part.string(), "fuzz-identity", {&run});
                const std::vector<unsigned char> part_bytes = read_bytes(part);
                s.bases.emplace_back(part_bytes.begin(), part_bytes.end() - static_cast<std::ptrdiff_t>(kChecksumBytes));
            } catch (const InputError&) {
                // not a run file
            }
        }
        // Change lists to start from: each seed unchanged, and one change of each kind.
        for (std::size_t b = 0; b < s.bases.size() && b < 250; ++b)
            for (std::uint8_t op = 0; op < 8; ++op) {
                const std::uint8_t list[] = {static_cast<std::uint8_t>(b), 7, op, 3, 2, 1, 5, 9, 0xff, 0x7f, 0xf0};
                write_bytes(fs::path(arg) / ("changes-" + std::to_string(b) + "-" + std::to_string(op)), list,
                            sizeof list);
            }
        break;
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size >= sizeof kHdf5Signature && std::memcmp(data, kHdf5Signature, sizeof kHdf5Signature) == 0) {
        std::vector<unsigned char> image(data, data + size);
        if (state().forge) {  // the checksum of the bytes as they are, in place of any
            if (has_checksum(data, size)) image.resize(size - kChecksumBytes);
            const std::string block = file_checksum_block(image.data(), image.size());
            image.insert(image.end(), block.begin(), block.end());
        }
        read_image(image);
        return 0;
    }
    const std::vector<unsigned char> image = changed_file(data, size);
    if (!image.empty()) read_image(image);
    return 0;
}
