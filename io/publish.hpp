// How greenshift puts an output under its final name: written under a temporary name
// in the same directory, synced, then renamed in one step, so that the output is
// complete or absent, never half-written. The one place that decides whether an
// output path may be written (check_output_target) and that publishes a file
// (publish_file), for run, batch, shard and merge alike.
#pragma once

#include <string>
#include <vector>

namespace greenshift {

// Throws OutputError when `output` may not take a new file: no name, a directory, a
// name that exists (a file or any link, a dangling one too) unless `replace`, or a
// directory that is missing, not a directory or not writable. One of the command's
// `inputs` (the same path, or the same file by device and inode: a hard or symbolic
// link to it) is refused even with `replace`: the command would destroy what it reads.
// Commands call it before any work; writers call it again before they create anything.
void check_output_target(const std::string& output, bool replace, const std::vector<std::string>& inputs = {});

// The name under which this process writes `output`: `OUTPUT.tmp.PID`, in the same
// directory (so that the rename is atomic) and with the pid (so that two processes
// writing the same output stay apart). Removes the temporaries of writers killed
// mid-write (a pid that no longer exists); throws OutputError when the name is taken.
std::string claim_temporary(const std::string& output);

// The message of a write that failed under `temporary`, with the temporary's name
// replaced by `output`'s: the user gave that name, and the temporary is gone.
std::string under_output_name(const std::string& message, const std::string& temporary, const std::string& output);

// rename(2) that never replaces: renameat2 with RENAME_NOREPLACE; 0 or -1 and errno,
// as the system call.
int rename_noreplace(const char* from, const char* to) noexcept;
using RenameNoReplace = int (*)(const char* from, const char* to);

struct PublishOptions {
    bool replace = false;         // replace an existing `to` (--force)
    bool sync_directory = true;   // make the rename itself durable; a file that is only
                                  // a cache of work (a batch's part) can skip it
    RenameNoReplace no_replace = &rename_noreplace;  // tests pass one that fails as a
                                                     // file system without it does
};

// Makes the closed file `from` appear as `to`: syncs it, renames it, syncs the
// directory. Without `replace` an existing `to` is never replaced: the rename refuses
// atomically, and where the file system has no such rename (EINVAL or ENOSYS: some
// network and FUSE file systems) `to` is checked just before a plain rename. Throws
// OutputError; `from` is left in place for the caller to remove.
void publish_file(const std::string& from, const std::string& to, const PublishOptions& options = {});

// fsync of a file (before a rename that commits it) and, best effort, of a directory
// (after it: some file systems refuse fsync on a directory, and the file is complete
// either way).
void sync_file(const std::string& path);
void sync_directory(const std::string& path) noexcept;

}  // namespace greenshift
