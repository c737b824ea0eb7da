// Outputs that appear whole or not at all: a file or a folder is written under a
// temporary name beside its final one (same file system) and renamed when complete.
// Used by export, plot and report; an error, a signal or a full disk leaves nothing
// under the final name (docs/reliability.md).
#pragma once

#include <string>
#include <vector>

namespace greenshift {

// Throws OutputError when `output` is one of `inputs` (the same file, however named):
// --force must not let a command overwrite what it reads.
void refuse_input_as_output(const std::string& output, const std::vector<std::string>& inputs);

// An output file. The constructor refuses (OutputError), before anything is created,
// a target that is a folder, exists without `force`, is one of `inputs`, or whose
// folder is missing or not writable. Write to temporary(); commit() syncs it and
// renames it over the target (never replacing a file that appeared meanwhile unless
// `force`). Destroyed uncommitted, the temporary file is removed.
class AtomicFile {
public:
    AtomicFile(std::string target, bool force, const std::vector<std::string>& inputs = {});
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;
    ~AtomicFile();
    const std::string& temporary() const { return temporary_; }
    const std::string& target() const { return target_; }
    void commit();

private:
    std::string target_, temporary_;
    bool force_;
    bool committed_ = false;
};

// An output folder that a command owns whole (export --csv DIR, plot -o DIR). The
// constructor creates an empty temporary folder beside the target; commit() syncs
// what was written and renames the folder to the target. A target that exists must
// be empty, or, with `force`, hold only regular files whose names end in
// `extension` (".csv", ".png": what the command writes); it is then swapped with the
// new folder in one rename and removed. Anything else there (a subfolder, a file of
// another kind, one of `inputs`) is refused, even with `force`. Destroyed
// uncommitted, the temporary folder and what it holds are removed.
class AtomicFolder {
public:
    AtomicFolder(std::string target, bool force, std::string extension,
                 const std::vector<std::string>& inputs = {});
    AtomicFolder(const AtomicFolder&) = delete;
    AtomicFolder& operator=(const AtomicFolder&) = delete;
    ~AtomicFolder();
    const std::string& temporary() const { return temporary_; }
    const std::string& target() const { return target_; }
    void commit();

private:
    std::string target_, temporary_, extension_;
    bool force_;
    bool committed_ = false;
};

}  // namespace greenshift
