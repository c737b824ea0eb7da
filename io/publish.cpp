#include "io/publish.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "io/input_error.hpp"

namespace greenshift {

namespace {

namespace fs = std::filesystem;

std::string errno_text() { return std::strerror(errno); }

fs::path directory_of(const fs::path& p) { return p.has_parent_path() ? p.parent_path() : fs::path("."); }

// The same file: by device and inode when both exist (links and other spellings of
// one path), else by the path made absolute with `..` and links resolved.
bool same_file(const std::string& a, const std::string& b) {
    struct stat sa {};
    struct stat sb {};
    if (::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    std::error_code ea, eb;
    const fs::path ca = fs::weakly_canonical(a, ea), cb = fs::weakly_canonical(b, eb);
    return !ea && !eb && ca == cb;
}

[[noreturn]] void refuse_existing(const std::string& path, const char* why = "") {
    throw OutputError(path + " exists; use --force to overwrite it" + why);
}

}  // namespace

void check_output_target(const std::string& output, bool replace, const std::vector<std::string>& inputs) {
    if (output.empty()) throw OutputError("no output file name given");
    for (const std::string& input : inputs)
        if (!input.empty() && same_file(output, input))
            throw OutputError(output + " is also an input of this command (" + input +
                              "); writing it would destroy what is read, --force or not: give another output name");
    const fs::path target(output);
    std::error_code ec;
    // symlink_status: a dangling link is something there too, not a free name.
    if (fs::exists(fs::symlink_status(target, ec))) {
        if (fs::is_directory(fs::status(target, ec)))
            throw OutputError(output + " is a directory; give a file name for the output");
        if (!replace) refuse_existing(output);
    }
    const fs::path dir = directory_of(target);
    const fs::file_status dir_status = fs::status(dir, ec);
    if (!fs::exists(dir_status)) throw OutputError(output + ": directory " + dir.string() + " does not exist");
    if (!fs::is_directory(dir_status)) throw OutputError(output + ": " + dir.string() + " is not a directory");
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
        throw OutputError(output + ": directory " + dir.string() + " is not writable: " + errno_text());
}

std::string under_output_name(const std::string& message, const std::string& temporary, const std::string& output) {
    std::string out = message;
    for (std::size_t at = out.find(temporary); !temporary.empty() && at != std::string::npos;
         at = out.find(temporary, at + output.size()))
        out.replace(at, temporary.size(), output);
    return out;
}

std::string claim_temporary(const std::string& output) {
    // A writer killed mid-write (SIGKILL, out of memory, node failure) leaves its
    // temporary. Those whose process is gone are removed; a live pid (another writer,
    // or a reused pid) is left alone.
    const fs::path target(output);
    const std::string prefix = target.filename().string() + ".tmp.";
    std::error_code ec;
    for (fs::directory_iterator it(directory_of(target), ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
        const std::string digits = name.substr(prefix.size());
        if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) continue;
        const auto pid = static_cast<pid_t>(std::stol(digits));
        if (pid <= 0 || pid == ::getpid()) continue;
        if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive, or not ours to judge
        std::error_code rm;
        fs::remove(it->path(), rm);
    }
    const std::string temporary = output + ".tmp." + std::to_string(::getpid());
    if (fs::exists(fs::symlink_status(temporary, ec)))
        throw OutputError("temporary file " + temporary +
                          " exists (another writer, or an interrupted one); remove it if no greenshift is writing " +
                          output);
    return temporary;
}

int rename_noreplace(const char* from, const char* to) noexcept {
    return ::renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
}

void publish_file(const std::string& from, const std::string& to, const PublishOptions& options) {
    sync_file(from);
    const auto cannot_rename = [&] {
        throw OutputError("cannot rename " + from + " to " + to + ": " + errno_text());
    };
    bool renamed = false;
    if (!options.replace) {
        if (options.no_replace(from.c_str(), to.c_str()) == 0) {
            renamed = true;
        } else if (errno == EEXIST) {
            refuse_existing(to, " (it appeared while the output was written)");
        } else if (errno != EINVAL && errno != ENOSYS) {
            cannot_rename();
        } else {
            // No atomic refusal here: check, then rename (a file created in between
            // would be replaced).
            std::error_code ec;
            if (fs::exists(fs::symlink_status(to, ec))) refuse_existing(to, " (it appeared while the output was written)");
        }
    }
    if (!renamed && std::rename(from.c_str(), to.c_str()) != 0) cannot_rename();
    if (options.sync_directory) sync_directory(directory_of(fs::path(to)).string());
}

void sync_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw OutputError("cannot open " + path + " to sync it: " + errno_text());
    const int status = ::fsync(fd);
    const std::string error = status != 0 ? errno_text() : std::string();
    ::close(fd);
    if (status != 0) throw OutputError("cannot sync " + path + " to disk: " + error);
}

void sync_directory(const std::string& path) noexcept {
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

}  // namespace greenshift
