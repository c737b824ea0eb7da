// Runs every run of a batch plan on a TBB scheduler and assembles the batch file.
// Each finished run is made durable at once in a part file in `OUTPUT.parts/`
// (batch/parts.hpp; runs that finish while a part is being written share the next
// one), so a batch killed at any moment resumes (`resume`) computing only the runs
// not saved, and ends with a file whose datasets equal those of an uninterrupted
// batch.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "io/batch_plan.hpp"
#include "batch/shard.hpp"
#include "core/firms.hpp"
#include "core/results.hpp"
#include "core/scenario.hpp"

namespace greenshift {

// The scenario of one run (batch/expand.hpp's scenario_for_run, or a test's own).
using ScenarioForRun = std::function<Scenario(const RunSpec&)>;

struct BatchProgress {
    std::uint32_t done = 0;        // runs complete, including those found done on resume
    std::uint32_t total = 0;       // runs in the batch
    std::uint32_t computed = 0;    // runs computed by this process
    std::uint32_t to_compute = 0;  // runs this process had to compute
    double seconds = 0;            // since this process started computing
};

// Other processes that compute runs (MPI ranks: mpi/batch_ranks.hpp). run_batch hands
// them runs while its own threads compute others, and makes the results they send
// back durable as parts, exactly as its own; the batch file does not depend on who
// computed what.
class RunWorkers {
public:
    virtual ~RunWorkers() = default;
    // Gives each idle worker the run `next()` returns, until it returns none, and
    // passes every result that comes back to `done(index, result, threads)`. Returns
    // when every run handed out has come back and every worker was told to stop.
    virtual void serve(const std::function<std::optional<std::uint32_t>()>& next,
                       const std::function<void(std::uint32_t, RunResult&&, int)>& done) = 0;
};

struct BatchOptions {
    std::string output;            // the batch file; parts go to output + ".parts"
    int threads = 1;               // the total never exceeds this
    bool resume = false;           // continue from the parts of an interrupted batch
    bool force = false;            // remove an existing output and parts, start over
    // Runs with more firms than this get every thread (OpenMP inside) one at a time;
    // smaller runs run in parallel, one thread each.
    std::uint64_t large_run_firms = 200000;
    std::string command_line;      // stored in every file
    // When it becomes non-zero no new run starts; running ones finish and become
    // durable, and run_batch returns with `interrupted`.
    const std::atomic<int>* stop = nullptr;
    // Saving: a part is written as soon as no other is being written, holding every
    // run that finished meanwhile (group commit: one run per part when writing keeps
    // up, more when the disk is slow), at most `part_runs` of them. With
    // `part_seconds` > 0, finished runs also wait until the oldest has waited that
    // long (fewer, larger parts and fsyncs; a kill then loses up to that much work).
    // A stop, an error and the end of the computation save what waits at once.
    double part_seconds = 0;
    std::uint32_t part_runs = 64;
    std::function<void(const BatchProgress&)> progress;  // after every saved part (serialised)
    std::function<void(const std::string&)> warn;        // a recoverable problem (serialised)
    std::function<void()> writing;  // every run is saved; the batch (or shard) file is being written
    // Only this shard's runs, and a shard file (batch/shard.hpp) instead of the batch
    // file; count 0: the whole batch.
    ShardSpec shard;
    RunWorkers* workers = nullptr;  // other processes computing runs too; nullptr: none
};

struct BatchReport {
    std::uint32_t total = 0;         // runs of this shard (the batch, unsharded)
    std::uint32_t batch_runs = 0;    // runs of the whole batch
    std::uint32_t already_done = 0;  // runs found saved in readable parts on resume
    std::uint32_t computed = 0;
    std::uint32_t computed_elsewhere = 0;  // of `computed`: by RunWorkers
    bool interrupted = false;
    bool was_complete = false;       // --resume on a finished batch: nothing to do
    std::uint64_t firm_steps = 0;    // simulated by this process
    double wall_seconds = 0;         // whole call
    double compute_seconds = 0;      // wall time of the scheduling phase
    double simulate_seconds = 0;     // sum over runs of simulation time
    double part_write_seconds = 0;   // encoding, writing and syncing parts (thread-seconds)
    std::uint32_t parts_written = 0;
    double check_seconds = 0;        // reading existing parts on resume
    double assemble_seconds = 0;     // writing the batch file from the parts
    std::string parts_dir;
};

// The parts folder of `output`.
std::string parts_directory(const std::string& output);

// The run of `scenario` with `threads` OpenMP threads on the calling thread; its
// firms from `populations` when given (core/firms.hpp).
RunResult compute_run(const Scenario& scenario, int threads, PopulationCache* populations = nullptr);

// Runs the batch (or its shard). Throws OutputError when the output or its parts
// exist and neither `resume` nor `force` says what to do with them, when the output
// is the batch file or its scenario, or when `resume` meets the parts or output of
// another batch (plan.identity differs); InputError when a run's scenario is invalid.
BatchReport run_batch(const BatchPlan& plan, const ScenarioForRun& scenario_for, const BatchOptions& options);

}  // namespace greenshift
