#include "io/atomic_output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "io/input_error.hpp"
#include "io/publish.hpp"

namespace greenshift {

namespace {

namespace fs = std::filesystem;

std::string errno_text() { return std::strerror(errno); }

// "out/dir/" and "out/dir" are the same output; "out/./dir/.." is taken as written.
std::string without_trailing_slashes(std::string path) {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    return path;
}

fs::path parent_of(const fs::path& p) {
    const fs::path abs = fs::absolute(p).lexically_normal();
    return abs.has_parent_path() ? abs.parent_path() : fs::path("/");
}

void check_parent(const std::string& target, const fs::path& parent) {
    std::error_code ec;
    const fs::file_status st = fs::status(parent, ec);
    if (!fs::exists(st)) throw OutputError(target + ": folder " + parent.string() + " does not exist");
    if (!fs::is_directory(st)) throw OutputError(target + ": " + parent.string() + " is not a folder");
    if (::access(parent.c_str(), W_OK | X_OK) != 0)
        throw OutputError(target + ": folder " + parent.string() + " is not writable: " + errno_text());
}

// A name of the form `<base>.tmp.<pid>` whose process is gone: what a writer killed
// with SIGKILL leaves. Live pids (another writer) are left alone.
bool stale_temporary(const std::string& name, const std::string& base) {
    const std::string prefix = base + ".tmp.";
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return false;
    const std::string digits = name.substr(prefix.size());
    if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return false;
    const auto pid = static_cast<pid_t>(std::stol(digits));
    return pid > 0 && pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH;
}

// The first entry of `folder` that a folder output may not replace (empty: none).
std::string foreign_entry(const fs::path& folder, const std::string& extension, const std::vector<std::string>& inputs) {
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path& p = it->path();
        const std::string name = p.filename().string();
        if (!fs::is_regular_file(fs::symlink_status(p, ec))) return name;
        if (name.size() <= extension.size() || name.compare(name.size() - extension.size(), extension.size(), extension) != 0)
            return name;
        for (const std::string& in : inputs)
            if (fs::equivalent(p, in, ec)) return name;
    }
    if (ec) return "(unreadable: " + ec.message() + ")";
    return {};
}

bool is_empty_folder(const fs::path& folder) {
    std::error_code ec;
    return fs::directory_iterator(folder, ec) == fs::directory_iterator() && !ec;
}

}  // namespace

// ---- AtomicFile ----

AtomicFile::AtomicFile(std::string target, bool force, const std::vector<std::string>& inputs)
    : target_(without_trailing_slashes(std::move(target))), force_(force) {
    check_output_target(target_, force, inputs);
    const std::string temporary = claim_temporary(target_);
    // O_EXCL: the name is this process's alone from here on
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) throw OutputError("cannot create " + temporary + ": " + errno_text());
    ::close(fd);
    temporary_ = temporary;
}

AtomicFile::~AtomicFile() {
    if (!committed_ && !temporary_.empty()) ::unlink(temporary_.c_str());
}

void AtomicFile::commit() {
    PublishOptions options;
    options.replace = force_;
    publish_file(temporary_, target_, options);
    committed_ = true;
}

// ---- AtomicFolder ----

AtomicFolder::AtomicFolder(std::string target, bool force, std::string extension, const std::vector<std::string>& inputs)
    : target_(without_trailing_slashes(std::move(target))), extension_(std::move(extension)), force_(force) {
    if (target_.empty()) throw OutputError("no output folder name given");
    const std::string leaf = fs::path(target_).filename().string();
    if (leaf == "." || leaf == ".." || target_ == "/")
        throw OutputError(target_ + ": give the output a folder of its own (e.g. " +
                          (leaf == "." || target_ == "/" ? std::string("out") : std::string("../out")) + "/), not " +
                          target_);
    std::error_code ec;
    const fs::file_status st = fs::symlink_status(target_, ec);
    if (fs::exists(st)) {
        if (fs::is_symlink(st)) throw OutputError(target_ + " is a symbolic link; give the folder itself");
        if (!fs::is_directory(st)) throw OutputError(target_ + " exists and is not a folder");
        if (!is_empty_folder(target_)) {
            const std::string foreign = foreign_entry(target_, extension_, inputs);
            if (!foreign.empty())
                throw OutputError(target_ + " holds " + foreign + ", which is not a " + extension_ +
                                  " file this command writes; give an empty or new folder (--force replaces only a "
                                  "folder of " + extension_ + " files)");
            if (!force)
                throw OutputError(target_ + " exists; use --force to replace it (it holds only " + extension_ +
                                  " files), or give a new folder");
        }
    }
    const fs::path parent = parent_of(target_);
    check_parent(target_, parent);
    for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path& p = it->path();
        std::error_code e2;
        if (stale_temporary(p.filename().string(), leaf) && fs::is_directory(fs::symlink_status(p, e2)) &&
            foreign_entry(p, extension_, {}).empty())
            fs::remove_all(p, e2);
    }
    temporary_ = (parent / (leaf + ".tmp." + std::to_string(::getpid()))).string();
    if (::mkdir(temporary_.c_str(), 0755) != 0) {
        const std::string why = errno_text();
        temporary_.clear();
        throw OutputError("cannot create a temporary folder beside " + target_ + ": " + why);
    }
}

AtomicFolder::~AtomicFolder() {
    if (committed_ || temporary_.empty()) return;
    std::error_code ec;
    fs::remove_all(temporary_, ec);
}

void AtomicFolder::commit() {
    std::error_code ec;
    for (fs::directory_iterator it(temporary_, ec), end; !ec && it != end; it.increment(ec))
        sync_file(it->path().string());
    if (ec) throw OutputError("cannot list " + temporary_ + ": " + ec.message());
    sync_directory(temporary_);
    const std::string parent = parent_of(target_).string();
    const fs::file_status st = fs::symlink_status(target_, ec);
    if (fs::exists(st) && !is_empty_folder(target_)) {
        // Replacing an earlier output (--force): checked again, since it may have
        // changed while this one was written.
        if (!force_) throw OutputError(target_ + " appeared while it was being written; use --force to replace it");
        if (fs::is_symlink(st) || !fs::is_directory(st) || !foreign_entry(target_, extension_, {}).empty())
            throw OutputError(target_ + " changed while it was being written; nothing replaced");
        if (::renameat2(AT_FDCWD, temporary_.c_str(), AT_FDCWD, target_.c_str(), RENAME_EXCHANGE) == 0) {
            committed_ = true;  // the old folder now has the temporary name
            fs::remove_all(temporary_, ec);
        } else if (errno == EINVAL || errno == ENOSYS) {
            // No atomic exchange on this file system: the old folder steps aside first.
            const std::string old = target_ + ".old." + std::to_string(::getpid());
            if (std::rename(target_.c_str(), old.c_str()) != 0)
                throw OutputError("cannot move " + target_ + " aside: " + errno_text());
            if (std::rename(temporary_.c_str(), target_.c_str()) != 0) {
                const std::string why = errno_text();
                std::rename(old.c_str(), target_.c_str());
                throw OutputError("cannot rename " + temporary_ + " to " + target_ + ": " + why);
            }
            committed_ = true;
            fs::remove_all(old, ec);
        } else {
            throw OutputError("cannot replace " + target_ + ": " + errno_text());
        }
    } else {
        // Absent, or an empty folder, which rename(2) replaces; a folder that filled
        // up meanwhile makes it fail instead.
        if (std::rename(temporary_.c_str(), target_.c_str()) != 0) {
            if (errno == ENOTEMPTY || errno == EEXIST)
                throw OutputError(target_ + " appeared while it was being written; nothing replaced");
            throw OutputError("cannot rename " + temporary_ + " to " + target_ + ": " + errno_text());
        }
        committed_ = true;
    }
    sync_directory(parent);
}

}  // namespace greenshift
