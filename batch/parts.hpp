// The part files of a running batch, `OUTPUT.parts/run-NNNNNN.h5`: the finished runs
// made durable before the batch file exists, so that a batch killed at any moment
// resumes computing only the runs not saved yet (docs/output.md, "How a batch is
// written, and resumed").
//
// A part holds one or more runs (those that finished while the previous part was
// being saved), named after the smallest run index it holds. It is an HDF5 file
// written under `NAME.tmp`, synced and renamed, so that it is complete or absent; an
// unreadable part is computed again, never trusted in part. Each run is stored as two
// byte datasets with a Fletcher-32 checksum per chunk: its record (batch/run_codec,
// the form MPI ranks send: every value bit for bit) and its layout (the same record
// without the values), which is all the first pass of the assembly needs. No
// dataset per variable, no compression, no dimension scales: the batch file has
// those.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/results.hpp"

namespace greenshift {

// `result` as a run file stores it, which is what a run of a batch is assembled from:
// checked (OutputError, as write_run_group), variables over a dimension of length 0
// left out, no time coordinate without steps. Reading a run file written from
// `result` gives back exactly this.
RunResult stored_form(const RunResult& result);

// One run encoded for a part, outside any lock (encoding touches no file).
struct PartRun {
    std::uint32_t index = 0;
    std::vector<std::byte> record;  // encode_run(stored_form(result))
    std::vector<std::byte> layout;  // the same without values
};
PartRun encode_part_run(std::uint32_t index, const RunResult& result);

// The file name of the part whose smallest run is `first`: run-NNNNNN.h5.
std::string part_file_name(std::uint32_t first);
// True for the names part_file_name makes (and their `.tmp` temporaries when `tmp`).
bool is_part_file_name(const std::string& name, bool tmp = false);

// Writes `runs` (sorted by index, at least one) as a part of batch `identity` to
// `temporary` (replaced if it exists), closed but not synced. Makes HDF5 calls: the
// caller serialises them with every other HDF5 call of the process.
void write_part(const std::string& temporary, const std::string& identity, const std::vector<const PartRun*>& runs);

// A part opened for reading. `open` checks that it is a greenshift part of batch
// `identity` with a readable run list; `verify` reads every record back (checksums
// and decoding), which is what resuming trusts.
class PartFile {
public:
    static std::unique_ptr<PartFile> open(const std::string& path, const std::string& identity);
    ~PartFile();
    PartFile(const PartFile&) = delete;
    PartFile& operator=(const PartFile&) = delete;

    const std::string& path() const { return path_; }
    const std::vector<std::uint32_t>& runs() const { return runs_; }
    bool holds(std::uint32_t run) const;
    // Coordinates and variables without values / with values; InputError naming the
    // part when run `run` is not in it or does not read back.
    RunResult layout(std::uint32_t run) const;
    RunResult run(std::uint32_t run) const;
    void verify() const;

private:
    struct Impl;
    explicit PartFile(std::string path);
    std::string path_;
    std::vector<std::uint32_t> runs_;
    std::unique_ptr<Impl> impl_;
};

// Where each run of a batch is: run index -> part path. Opens parts on demand and
// keeps the few most recently used open (runs are read in index order, and the runs
// of a part are near each other).
class PartIndex {
public:
    explicit PartIndex(std::string identity) : identity_(std::move(identity)) {}
    void add(const std::string& path, const std::vector<std::uint32_t>& runs);
    bool contains(std::uint32_t run) const { return where_.count(run) != 0; }
    const std::string& path_of(std::uint32_t run) const;
    RunResult layout(std::uint32_t run);
    RunResult run(std::uint32_t run);

private:
    const PartFile& part(std::uint32_t run);
    std::string identity_;
    std::map<std::uint32_t, std::string> where_;
    std::vector<std::unique_ptr<PartFile>> open_;  // most recently used last
};

// --- the parts folder, OUTPUT.parts/: the parts, `identity` (the batch's digest),
// `batch.yaml` (the resolved batch) and `lock` ---

// An exclusive lock on a parts folder (its file `lock`) for the lifetime of the
// object, so that two processes never write the same batch. flock() locks die with
// the process: a batch killed with SIGKILL leaves no stale lock. Throws OutputError
// when another process holds it.
class PartsLock {
public:
    explicit PartsLock(const std::string& dir);
    ~PartsLock();
    PartsLock(PartsLock&& other) noexcept;
    PartsLock(const PartsLock&) = delete;
    PartsLock& operator=(const PartsLock&) = delete;
    PartsLock& operator=(PartsLock&&) = delete;

private:
    int fd_ = -1;
};

// Throws OutputError when `dir` holds a file greenshift does not write there: such a
// folder is refused, never emptied.
void refuse_foreign_files(const std::string& dir);
// Removes the parts folder `dir`, whose lock the caller holds (greenshift's files only).
void remove_parts(const std::string& dir, const PartsLock& held);
// Removes the parts folder of a batch no process is running. A folder that is
// refused is left exactly as it was (no lock file added).
void discard_parts(const std::string& dir);

// Creates the parts folder `dir` of a batch if it is missing and locks it; removes
// leftover temporaries; writes `batch.yaml` and `identity` once, durably.
PartsLock open_parts_folder(const std::string& dir, const std::string& identity, const std::string& resolved_text);
// The identity written in parts folder `dir`; "" when it has none.
std::string parts_identity(const std::string& dir);

// True when `dir` holds a part file (finished, or a temporary being written).
bool holds_part_files(const std::string& dir);

// The runs saved in `dir`: every part of batch `identity`, read back whole (checksums
// and decoding). A part that does not read back, or is not named for its smallest
// run (a new part could replace it), is reported to `warn`, removed, and its runs
// are left to compute again.
PartIndex scan_parts(const std::string& dir, const std::string& identity,
                     const std::function<void(const std::string&)>& warn);

}  // namespace greenshift
