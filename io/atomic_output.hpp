// Outputs that appear whole or not at all, as objects that own their temporary: a
// file or a folder is written under a temporary name beside its final one (same file
// system) and renamed when complete (io/publish.hpp does the checks and renames of a
// file). Used by export, plot and report; an error or a full disk leaves nothing under
// the final name (docs/reliability.md).
#pragma once

#include <string>
#include <vector>

namespace greenshift {

// An output file, through io/publish.hpp: the constructor refuses (OutputError),
// before anything is created, what check_output_target refuses (a folder, an existing
// file without `force`, one of `inputs` even with `force`, a missing or unwritable
// folder) and creates the empty temporary file `TARGET.tmp.PID`. Write to
// temporary(); commit() publishes it (publish_file). Destroyed uncommitted, the
// temporary file is removed.
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
