// Runs every run of a batch plan on a TBB scheduler and assembles the batch file.
// Each finished run is made durable at once as a part file in `OUTPUT.parts/`, so a
// batch killed at any moment resumes (`resume`) computing only the missing runs, and
// ends with a file whose datasets equal those of an uninterrupted batch.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "batch/plan.hpp"
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
    std::function<void(const BatchProgress&)> progress;  // after every run (serialised)
    std::function<void(const std::string&)> warn;        // a recoverable problem (serialised)
};

struct BatchReport {
    std::uint32_t total = 0;
    std::uint32_t already_done = 0;  // parts found complete on resume
    std::uint32_t computed = 0;
    bool interrupted = false;
    bool was_complete = false;       // --resume on a finished batch: nothing to do
    std::uint64_t firm_steps = 0;    // simulated by this process
    double wall_seconds = 0;         // whole call
    double compute_seconds = 0;      // wall time of the scheduling phase
    double simulate_seconds = 0;     // sum over runs of simulation time
    double part_write_seconds = 0;   // sum over runs of part writing and syncing (thread-seconds)
    double check_seconds = 0;        // reading existing parts on resume
    double assemble_seconds = 0;     // writing the batch file from the parts
    std::string parts_dir;
};

// The parts folder of `output`.
std::string parts_directory(const std::string& output);

// Runs the batch. Throws OutputError when the output or its parts exist and neither
// `resume` nor `force` says what to do with them, or when `resume` meets the parts
// or output of another batch (plan.identity differs); InputError when a run's
// scenario is invalid.
BatchReport run_batch(const BatchPlan& plan, const ScenarioForRun& scenario_for, const BatchOptions& options);

}  // namespace greenshift
