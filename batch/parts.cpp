#include "batch/parts.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "batch/run_codec.hpp"
#include "greenshift/version.hpp"
#include "io/hdf5.hpp"
#include "io/hdf5_input.hpp"
#include "io/input_error.hpp"
#include "io/interrupt.hpp"
#include "io/publish.hpp"
#include "io/run_writer.hpp"

namespace greenshift {

namespace {

// Version of the part layout below (root attribute `part_format`).
constexpr std::int32_t kPartFormat = 2;  // 2: a variable's record ends with its flag_meanings
// Chunks of the byte datasets: a Fletcher-32 checksum per MiB.
constexpr hsize_t kChunkBytes = hsize_t{1} << 20;
// Parts kept open by PartIndex.
constexpr std::size_t kOpenParts = 8;

std::string numbered(const char* prefix, std::uint32_t index) {
    char name[48];
    std::snprintf(name, sizeof name, "%s-%06u", prefix, index);
    return name;
}

void write_bytes(const hdf5::File& file, const std::string& name, const std::vector<std::byte>& bytes) {
    const auto fail = [&](const char* what) {
        throw OutputError(file.name() + ": cannot " + what + " dataset " + name + " of the part");
    };
    const hsize_t n = bytes.size();
    if (n == 0) fail("write an empty");
    const hdf5::Owned space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    const hdf5::Owned creation(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    const hsize_t chunk = std::min(n, kChunkBytes);
    if (space.id() < 0 || creation.id() < 0 || H5Pset_chunk(creation.id(), 1, &chunk) < 0 ||
        H5Pset_fletcher32(creation.id()) < 0 || H5Pset_fill_time(creation.id(), H5D_FILL_TIME_NEVER) < 0)
        fail("set up");
    const hdf5::Owned dataset(
        H5Dcreate2(file.id(), name.c_str(), H5T_STD_U8LE, space.id(), H5P_DEFAULT, creation.id(), H5P_DEFAULT),
        H5Dclose);
    if (dataset.id() < 0) fail("create");
    if (H5Dwrite(dataset.id(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) < 0) fail("write");
}

[[noreturn]] void refuse(const std::string& what) { throw OutputError("cannot write run results: " + what); }

void check_text(const std::string& s, const std::string& what) {
    if (s.find('\0') != std::string::npos) refuse(what + " contains a NUL character");
}

void check_texts(const std::vector<std::string>& v, const char* what) {
    for (const std::string& s : v) check_text(s, std::string("a label of ") + what);
}

}  // namespace

RunResult stored_form(const RunResult& result) {
    // What write_run_group refuses, and what HDF5 names and strings cannot hold.
    check_run_result(result);
    const Coordinates& c = result.coords;
    check_texts(c.sector, "sector");
    check_texts(c.size_class, "size_class");
    check_texts(c.technology, "technology");
    check_texts(c.technology_unit, "technology_unit");
    check_texts(c.policy, "policy");
    check_texts(c.policy_type, "policy_type");
    check_texts(c.io_sector, "io_sector");
    check_text(c.time_units, "time_units");

    RunResult s;
    s.coords = c;
    if (c.year.empty()) {  // write_coordinates writes time only with its years
        s.coords.time_days.clear();
        s.coords.time_units.clear();
    }
    for (const Variable& v : result.variables) {
        check_text(v.name, "a variable name");
        check_text(v.units, "the units of " + v.name);
        check_text(v.long_name, "the long_name of " + v.name);
        bool empty = false;
        for (const Dim d : v.dims) empty = empty || c.length(d) == 0;
        if (!empty) s.variables.push_back(v);  // write_run_group leaves these out
    }
    s.firm_steps = result.firm_steps;
    s.seconds = result.seconds;
    return s;
}

PartRun encode_part_run(std::uint32_t index, const RunResult& result) {
    RunResult stored = stored_form(result);
    PartRun p;
    p.index = index;
    encode_run(stored, p.record);
    for (Variable& v : stored.variables) {
        v.values = {};
        v.counts = {};
    }
    encode_run(stored, p.layout);
    return p;
}

std::string part_file_name(std::uint32_t first) { return numbered("run", first) + ".h5"; }

bool is_part_file_name(const std::string& name, bool tmp) {
    return name.rfind("run-", 0) == 0 && (name.ends_with(".h5") || (tmp && name.ends_with(".h5.tmp")));
}

void write_part(const std::string& temporary, const std::string& identity, const std::vector<const PartRun*>& runs) {
    if (runs.empty()) throw std::invalid_argument("write_part: no runs");
    std::remove(temporary.c_str());
    try {
        hdf5::File file = hdf5::File::create(temporary);
        // The newest format: checksummed metadata, compact headers (parts are read
        // only by the program that writes them).
        if (H5Fset_libver_bounds(file.id(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST) < 0)
            throw OutputError(temporary + ": cannot select the latest HDF5 file format");
        hdf5::write_attribute(file, "program", "greenshift");
        hdf5::write_attribute(file, "program_version", kVersion);
        hdf5::write_attribute(file, "format_version", static_cast<std::int32_t>(kFormatVersion));
        hdf5::write_attribute(file, "part_format", kPartFormat);
        hdf5::write_attribute(file, "batch_identity", identity);
        std::vector<std::int32_t> index;
        for (const PartRun* r : runs) {
            if (!index.empty() && static_cast<std::int32_t>(r->index) <= index.back())
                throw std::invalid_argument("write_part: runs not sorted");
            index.push_back(static_cast<std::int32_t>(r->index));
        }
        hdf5::write_array(file, "run_index", index, {index.size()});
        for (const PartRun* r : runs) {
            write_bytes(file, numbered("layout", r->index), r->layout);
            write_bytes(file, numbered("record", r->index), r->record);
        }
        file.close();
    } catch (...) {
        std::remove(temporary.c_str());
        throw;
    }
}

// --- reading ---

struct PartFile::Impl {
    hdf5::File file;
};

PartFile::PartFile(std::string path) : path_(std::move(path)), impl_(std::make_unique<Impl>()) {}
PartFile::~PartFile() = default;

std::unique_ptr<PartFile> PartFile::open(const std::string& path, const std::string& identity) {
    std::unique_ptr<PartFile> p(new PartFile(path));
    p->impl_->file = open_input(path, {FileKind::part}, "batch --resume").file;
    const hdf5::File& f = p->impl_->file;
    if (!hdf5::has_attribute(f, "part_format") || hdf5::read_attribute<std::int32_t>(f, "part_format") != kPartFormat)
        throw InputError(path, 0, 0, "not a part of this greenshift version (part_format)");
    if (hdf5::read_text_attribute(f, "batch_identity") != identity)
        throw InputError(path, 0, 0, "belongs to another batch");
    const std::vector<std::int32_t> index = hdf5::read_array<std::int32_t>(f, "run_index").values;
    if (index.empty()) throw InputError(path, 0, 0, "holds no run");
    for (std::size_t k = 0; k < index.size(); ++k) {
        if (index[k] < 0 || (k > 0 && index[k] <= index[k - 1]))
            throw InputError(path, 0, 0, "has an invalid run list");
        p->runs_.push_back(static_cast<std::uint32_t>(index[k]));
    }
    return p;
}

bool PartFile::holds(std::uint32_t run) const { return std::binary_search(runs_.begin(), runs_.end(), run); }

namespace {
RunResult decode(const hdf5::File& file, const std::string& path, const std::string& name) {
    const std::vector<std::uint8_t> bytes = hdf5::read_array<std::uint8_t>(file, name).values;
    try {
        return decode_run(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size());
    } catch (const std::runtime_error& e) {
        throw InputError(path, 0, 0, name + ": " + e.what());
    }
}
}  // namespace

RunResult PartFile::layout(std::uint32_t run) const {
    if (!holds(run)) throw InputError(path_, 0, 0, "does not hold run " + std::to_string(run));
    return decode(impl_->file, path_, numbered("layout", run));
}

RunResult PartFile::run(std::uint32_t run) const {
    if (!holds(run)) throw InputError(path_, 0, 0, "does not hold run " + std::to_string(run));
    return decode(impl_->file, path_, numbered("record", run));
}

void PartFile::verify() const {
    for (const std::uint32_t r : runs_) {
        (void)layout(r);
        (void)run(r);
    }
}

void PartIndex::add(const std::string& path, const std::vector<std::uint32_t>& runs) {
    for (const std::uint32_t r : runs) where_.emplace(r, path);
}

const std::string& PartIndex::path_of(std::uint32_t run) const {
    const auto it = where_.find(run);
    if (it == where_.end()) throw InputError("", 0, 0, "no part holds run " + std::to_string(run));
    return it->second;
}

const PartFile& PartIndex::part(std::uint32_t run) {
    const std::string& path = path_of(run);
    for (auto it = open_.rbegin(); it != open_.rend(); ++it)
        if ((*it)->path() == path) {
            if (it != open_.rbegin()) std::rotate(it.base() - 1, it.base(), open_.end());
            return *open_.back();
        }
    if (open_.size() == kOpenParts) open_.erase(open_.begin());
    open_.push_back(PartFile::open(path, identity_));
    return *open_.back();
}

RunResult PartIndex::layout(std::uint32_t run) { return part(run).layout(run); }
RunResult PartIndex::run(std::uint32_t run) { return part(run).run(run); }

// --- the parts folder ---

namespace {

namespace fs = std::filesystem;

// Files greenshift puts in a parts folder; nothing else is ever removed from it.
bool is_ours(const std::string& name) {
    if (name == "identity" || name == "batch.yaml" || name == "lock" || name == "batch.h5.tmp") return true;
    if (is_part_file_name(name, true)) return true;
    return name.ends_with(".tmp") && (name.rfind("identity", 0) == 0 || name.rfind("batch.yaml", 0) == 0);
}

void write_text_atomically(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << text;
        out.flush();
        if (!out) throw OutputError("cannot write " + tmp);
    }
    publish_file(tmp, path, {.replace = true});
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    std::string text = s.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

}  // namespace

PartsLock::PartsLock(const std::string& dir) {
    const std::string path = dir + "/lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw OutputError("cannot create " + path + ": " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd_);
        throw OutputError(dir + " is in use by another greenshift process (running this batch); wait for it or "
                                "stop it first");
    }
}

PartsLock::~PartsLock() {
    if (fd_ >= 0) ::close(fd_);
}

PartsLock::PartsLock(PartsLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

void refuse_foreign_files(const std::string& dir) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
        if (!is_ours(entry.path().filename().string()))
            throw OutputError(dir + " holds " + entry.path().filename().string() +
                              ", which greenshift did not write; remove the folder yourself if it may go");
}

void remove_parts(const std::string& dir, const PartsLock&) {
    refuse_foreign_files(dir);
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) fs::remove(entry.path(), ec);
    fs::remove(dir, ec);
    if (ec) throw OutputError("cannot remove " + dir + ": " + ec.message());
}

void discard_parts(const std::string& dir) {
    refuse_foreign_files(dir);  // before the lock file is created
    const PartsLock lock(dir);
    remove_parts(dir, lock);
}

PartsLock open_parts_folder(const std::string& dir, const std::string& identity, const std::string& resolved_text) {
    std::error_code ec;
    fs::create_directory(dir, ec);
    if (ec) throw OutputError("cannot create " + dir + ": " + ec.message());
    PartsLock lock(dir);
    for (const auto& entry : fs::directory_iterator(dir, ec))
        if (entry.path().filename().string().ends_with(".tmp")) fs::remove(entry.path(), ec);
    if (!fs::exists(dir + "/identity", ec)) {
        write_text_atomically(dir + "/batch.yaml", resolved_text);
        write_text_atomically(dir + "/identity", identity + "\n");
    }
    return lock;
}

std::string parts_identity(const std::string& dir) {
    const std::string path = dir + "/identity";
    std::error_code ec;
    return fs::exists(path, ec) ? read_text(path) : std::string();
}

bool holds_part_files(const std::string& dir) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
        if (is_part_file_name(entry.path().filename().string(), true)) return true;
    return false;
}

PartIndex scan_parts(const std::string& dir, const std::string& identity,
                     const std::function<void(const std::string&)>& warn) {
    PartIndex saved(identity);
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (is_part_file_name(name)) names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
        const std::string path = dir + "/" + name;
        try {
            const std::unique_ptr<PartFile> part = PartFile::open(path, identity);
            if (part_file_name(part->runs().front()) != name)
                throw InputError(path, 0, 0, "holds runs from " + std::to_string(part->runs().front()) +
                                                 ", not what its name says");
            part->verify();
            saved.add(path, part->runs());
        } catch (const Interrupted&) {
            throw;  // a stop while a part is checked says nothing about the part
        } catch (const std::exception& e) {
            if (warn) warn(path + " is unreadable (" + e.what() + "); computing its runs again");
            fs::remove(path, ec);
        }
    }
    return saved;
}

}  // namespace greenshift
