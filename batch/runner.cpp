#include "batch/runner.hpp"

#include <omp.h>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "batch/assemble.hpp"
#include "batch/expand.hpp"
#include "batch/parts.hpp"
#include "core/model.hpp"
#include "greenshift/version.hpp"
#include "io/batch_writer.hpp"
#include "io/hdf5_input.hpp"
#include "io/input_error.hpp"
#include "io/publish.hpp"

namespace greenshift {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// --- resume rules ---

// The batch identity stored in an existing output, "" when it has none (a run
// file). Refuses files that greenshift did not write.
std::string output_identity(const std::string& path) {
    const hdf5::File file = open_input(path, {FileKind::run, FileKind::batch, FileKind::shard}, "batch --resume").file;
    return hdf5::has_attribute(file, "batch_identity") ? hdf5::read_text_attribute(file, "batch_identity") : "";
}

// The shard ("I/N") an existing output holds, "" for a whole batch file.
std::string output_shard(const std::string& path) {
    const hdf5::File file = open_input(path, {FileKind::batch, FileKind::shard}, "batch --resume").file;
    return hdf5::has_attribute(file, "shard") ? hdf5::read_text_attribute(file, "shard") : "";
}

std::string short_digest(const std::string& d) { return d.size() > 16 ? d.substr(0, 16) : d; }

[[noreturn]] void refuse_other_batch(const std::string& what, const std::string& theirs, const BatchPlan& plan) {
    throw OutputError(what + " was made by another batch (identity " + short_digest(theirs) + "), but " + plan.file +
                      " now has identity " + short_digest(plan.identity) +
                      ": the batch file, its scenario or its design file changed. Restore it to resume, or use --force to discard "
                      "the old runs and start over");
}

std::string batch_kind(const std::string& shard) { return shard.empty() ? "the whole batch" : "shard " + shard; }

// What an existing output and parts folder mean for this call, checked before
// anything is created. Throws OutputError when they may not be used or replaced;
// returns true when `--resume` finds the output already complete (its leftover parts
// folder, from a kill after the output was published, is removed).
bool output_already_complete(const BatchPlan& plan, const BatchOptions& options, const std::string& parts) {
    const std::string& output = options.output;
    // --resume keeps a finished output, --force replaces it; neither may be an input.
    check_output_target(output, options.resume || options.force, {plan.file, plan.scenario_file});
    std::error_code ec;
    const bool output_exists = fs::exists(fs::symlink_status(output, ec));
    const bool parts_exist = fs::exists(fs::symlink_status(parts, ec));
    if (parts_exist && !fs::is_directory(parts, ec))
        throw OutputError(parts + " exists and is not a folder; remove it");
    if (!options.resume && !options.force && parts_exist)
        throw OutputError(parts + " holds the runs of an interrupted batch; use --resume to continue it, or "
                                  "--force to discard them and start over");
    if (!options.resume) return false;
    if (output_exists) {
        const std::string theirs = output_identity(output);
        if (theirs != plan.identity) refuse_other_batch(output, theirs, plan);
        const std::string theirs_shard = output_shard(output);
        const std::string ours_shard = options.shard.active() ? options.shard.text() : "";
        if (theirs_shard != ours_shard)
            throw OutputError(output + " is " + batch_kind(theirs_shard) + ", not " + batch_kind(ours_shard) +
                              "; give another output name, or use --force to replace it");
        if (parts_exist) discard_parts(parts);
        return true;
    }
    if (parts_exist) {
        const std::string theirs = parts_identity(parts);
        // A folder without a batch's identity that holds a user's file was not made by a
        // batch: name the file, as --force does, rather than blame a changed batch file.
        if (theirs.empty()) {
            refuse_foreign_files(parts);
            // A batch killed between creating the folder and recording its identity
            // saved no run: the folder holds only its lock and half-written bookkeeping,
            // which this batch takes over (open_parts_folder records its identity).
            if (!holds_part_files(parts)) return false;
        }
        if (theirs != plan.identity) refuse_other_batch(parts, theirs.empty() ? "unknown" : theirs, plan);
    }
    return false;
}

// Bad input shows before anything is created: one scenario per variant.
void check_variant_scenarios(const BatchPlan& plan, const ScenarioForRun& scenario_for) {
    std::vector<bool> checked(plan.variants.size(), false);
    for (const RunSpec& r : plan.runs)
        if (!checked.at(r.variant) && sample_drawn(plan, r.sample)) {  // a shard draws its own samples only
            (void)scenario_for(r);
            checked[r.variant] = true;
        }
}

// --- scheduling and saving ---

// Saves finished runs as parts, on a thread of its own that mostly waits for the
// disk (group commit): it writes every run waiting into one part under a temporary
// name, syncs it, renames it, then tells `saved`; runs that finish meanwhile wait for
// the next part. With `part_seconds` > 0, runs also wait until the oldest has waited
// that long. The only thread that makes HDF5 calls while runs are computed.
class PartSaver {
public:
    using Saved = std::function<void(const std::string& path, const std::vector<std::uint32_t>& runs,
                                     std::uint32_t elsewhere, double seconds)>;
    PartSaver(std::string dir, std::string identity, double part_seconds, std::uint32_t part_runs, Saved saved)
        : dir_(std::move(dir)),
          identity_(std::move(identity)),
          part_seconds_(part_seconds),
          part_runs_(std::max<std::uint32_t>(part_runs, 1)),
          saved_(std::move(saved)),
          thread_([this] { loop(); }) {}
    ~PartSaver() {
        try {
            finish();
        } catch (...) {
        }
    }
    PartSaver(const PartSaver&) = delete;
    PartSaver& operator=(const PartSaver&) = delete;

    // Queues a finished run; waits while many runs wait already (a slow disk), and
    // rethrows the saver's error once it failed, so that no more runs start.
    void add(PartRun run, bool elsewhere) {
        std::unique_lock<std::mutex> lock(mutex_);
        space_.wait(lock, [this] { return error_ || waiting_.size() < 4 * std::size_t{part_runs_}; });
        if (error_) std::rethrow_exception(error_);
        if (waiting_.empty()) oldest_ = Clock::now();
        waiting_.push_back({std::move(run), elsewhere});
        work_.notify_one();
    }

    // Saves everything waiting and stops the thread; rethrows its error, if any.
    void finish() {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            finishing_ = true;
        }
        work_.notify_one();
        if (thread_.joinable()) thread_.join();
        if (error_) std::rethrow_exception(error_);
    }

private:
    struct Waiting {
        PartRun run;
        bool elsewhere = false;  // computed by a worker
    };

    void loop() {
        std::unique_lock<std::mutex> lock(mutex_);
        for (;;) {
            if (waiting_.empty()) {
                if (finishing_) return;
                work_.wait(lock);
                continue;
            }
            if (!finishing_ && part_seconds_ > 0 && waiting_.size() < part_runs_) {
                const auto due = oldest_ + std::chrono::duration_cast<Clock::duration>(
                                               std::chrono::duration<double>(part_seconds_));
                if (Clock::now() < due) {
                    work_.wait_until(lock, due);
                    continue;
                }
            }
            std::sort(waiting_.begin(), waiting_.end(),
                      [](const Waiting& a, const Waiting& b) { return a.run.index < b.run.index; });
            const std::size_t take = std::min<std::size_t>(waiting_.size(), part_runs_);
            std::vector<PartRun> group;
            std::uint32_t elsewhere = 0;
            for (std::size_t k = 0; k < take; ++k) {
                group.push_back(std::move(waiting_[k].run));
                elsewhere += waiting_[k].elsewhere ? 1 : 0;
            }
            waiting_.erase(waiting_.begin(), waiting_.begin() + static_cast<std::ptrdiff_t>(take));
            oldest_ = Clock::now();
            lock.unlock();
            space_.notify_all();
            try {
                write(group, elsewhere);
            } catch (...) {
                lock.lock();
                error_ = std::current_exception();
                waiting_.clear();
                space_.notify_all();
                return;
            }
            lock.lock();
        }
    }

    void write(const std::vector<PartRun>& group, std::uint32_t elsewhere) {
        const auto w0 = Clock::now();
        std::vector<const PartRun*> runs;
        std::vector<std::uint32_t> indices;
        for (const PartRun& r : group) {
            runs.push_back(&r);
            indices.push_back(r.index);
        }
        const std::string path = dir_ + "/" + part_file_name(indices.front());
        const std::string temporary = path + ".tmp";
        try {
            write_part(temporary, identity_, runs);
            // A part lost with its directory entry in a power cut is computed again.
            publish_file(temporary, path, {.replace = true, .sync_directory = false});
        } catch (...) {
            std::remove(temporary.c_str());
            throw;
        }
        saved_(path, indices, elsewhere, since(w0));
    }

    const std::string dir_;
    const std::string identity_;
    const double part_seconds_;
    const std::uint32_t part_runs_;
    const Saved saved_;
    std::mutex mutex_;
    std::condition_variable work_, space_;
    std::vector<Waiting> waiting_;
    Clock::time_point oldest_{};
    bool finishing_ = false;
    std::exception_ptr error_;
    std::thread thread_;  // last: starts once the rest is set up
};

// Computes the pending runs and saves each as it finishes. One queue serves this
// process's threads and the workers, so that whoever is idle takes the next run
// (dynamic load balancing). Small runs run one per task, one thread each, `threads`
// at a time; large runs wait, then take every thread one at a time, so the total
// never exceeds it. The threads that compute only encode a finished run; the saver
// thread writes parts, syncs and renames them (batch/parts.hpp).
class Schedule {
public:
    Schedule(const BatchPlan& plan, const ScenarioForRun& scenario_for, const BatchOptions& options, RunBlock block,
             std::vector<std::uint32_t> pending, const std::string& parts, PartIndex& saved, BatchReport& report)
        : plan_(plan),
          scenario_for_(scenario_for),
          options_(options),
          block_(block),
          pending_(std::move(pending)),
          saved_(saved),
          report_(report),
          p0_(Clock::now()),
          saver_(parts, plan.identity, options.part_seconds, options.part_runs,
                 [this](const std::string& path, const std::vector<std::uint32_t>& runs, std::uint32_t elsewhere,
                        double seconds) { on_saved(path, runs, elsewhere, seconds); }) {
        progress_.total = report.total;
        progress_.done = report.already_done;
        progress_.to_compute = static_cast<std::uint32_t>(pending_.size());
        if (options.progress) options.progress(progress_);
    }

    // Computes every pending run, or until a stop; everything finished is saved. On
    // an error the runs finished before it are saved too (for --resume), then it is
    // rethrown.
    void run() {
        try {
            if (options_.workers == nullptr)
                compute_here();
            else
                compute_with_workers();
        } catch (...) {
            try {
                saver_.finish();
            } catch (...) {
            }
            throw;
        }
        saver_.finish();  // everything saved (or the saver's error)
        report_.compute_seconds = since(p0_);
    }

private:
    bool stopped() const { return failed_.load() || (options_.stop != nullptr && options_.stop->load() != 0); }

    std::optional<std::uint32_t> next() {
        const std::lock_guard<std::mutex> guard(queue_mutex_);
        if (stopped() || next_pending_ == pending_.size()) return std::nullopt;
        return pending_[next_pending_++];
    }

    // On the saver thread, once a part holding `runs` is durable.
    void on_saved(const std::string& path, const std::vector<std::uint32_t>& runs, std::uint32_t elsewhere,
                  double seconds) {
        const std::lock_guard<std::mutex> guard(mutex_);
        saved_.add(path, runs);
        const auto k = static_cast<std::uint32_t>(runs.size());
        report_.part_write_seconds += seconds;
        ++report_.parts_written;
        report_.computed += k;
        report_.computed_elsewhere += elsewhere;
        progress_.computed += k;
        progress_.done += k;
        progress_.seconds = since(p0_);
        if (options_.progress) options_.progress(progress_);
    }

    void save(std::uint32_t index, const RunResult& result, bool elsewhere) {
        const auto e0 = Clock::now();
        PartRun run = encode_part_run(index, result);
        {
            const std::lock_guard<std::mutex> guard(mutex_);
            report_.part_write_seconds += since(e0);
            report_.simulate_seconds += result.seconds;
            report_.firm_steps += result.firm_steps;
        }
        saver_.add(std::move(run), elsewhere);
    }

    void run_one(std::uint32_t index, int threads, bool defer_large) {
        const RunSpec& spec = plan_.runs[index];
        Scenario s = scenario_for_(spec);
        if (defer_large && s.total_firms() > options_.large_run_firms) {
            const std::lock_guard<std::mutex> guard(mutex_);
            large_.push_back(index);
            return;
        }
        // Per calling thread: a TBB worker runs its model's OpenMP loops on itself.
        const RunResult result = compute_run(s, threads, &populations_);
        save(index, result, false);
    }

    void compute_here() {
        tbb::task_arena arena(options_.threads);
        arena.execute([&] {
            tbb::parallel_for(
                tbb::blocked_range<std::size_t>(0, pending_.size(), 1),
                [&](const tbb::blocked_range<std::size_t>& range) {
                    for (std::size_t k = range.begin(); k != range.end(); ++k) {
                        const std::optional<std::uint32_t> index = next();
                        if (!index) return;
                        run_one(*index, 1, options_.threads > 1);
                    }
                },
                tbb::simple_partitioner());
        });
        std::sort(large_.begin(), large_.end());
        const int previous_threads = omp_get_max_threads();
        for (const std::uint32_t index : large_) {
            if (stopped()) break;
            run_one(index, options_.threads, false);
        }
        omp_set_num_threads(previous_threads);
    }

    // This thread serves the workers (MPI calls stay on the thread that initialised
    // MPI); another computes runs here at the same time.
    void compute_with_workers() {
        std::exception_ptr local_error;
        std::thread local([&] {
            try {
                compute_here();
            } catch (...) {
                local_error = std::current_exception();
                failed_ = true;
            }
        });
        try {
            options_.workers->serve([this] { return next(); },
                                    [&](std::uint32_t index, RunResult&& result, int) {
                                        if (index < block_.first || index >= block_.last)
                                            throw std::runtime_error("a worker sent run " + std::to_string(index) +
                                                                     ", which was not handed out");
                                        save(index, result, true);
                                    });
        } catch (...) {
            failed_ = true;
            local.join();
            throw;
        }
        local.join();
        if (local_error) std::rethrow_exception(local_error);
    }

    const BatchPlan& plan_;
    const ScenarioForRun& scenario_for_;
    const BatchOptions& options_;
    const RunBlock block_;
    const std::vector<std::uint32_t> pending_;
    PartIndex& saved_;
    BatchReport& report_;
    const Clock::time_point p0_;
    std::mutex mutex_;  // report_, progress_, saved_, large_, the callbacks
    BatchProgress progress_;
    std::atomic<bool> failed_{false};
    std::mutex queue_mutex_;
    std::size_t next_pending_ = 0;
    std::vector<std::uint32_t> large_;
    // The variants of a sample, the rows of a sensitivity design: the same firms.
    PopulationCache populations_{2 * static_cast<std::size_t>(std::max(options_.threads, 1)) + 2};
    PartSaver saver_;  // last: its thread calls on_saved
};

// --- publishing ---

// Assembles the batch (or shard) file from the saved runs, in the parts folder, and
// publishes it as the output.
void publish_batch(const BatchPlan& plan, const BatchOptions& options, PartIndex& saved, const std::string& parts) {
    const std::string temporary = parts + "/batch.h5.tmp";
    std::error_code ec;
    fs::remove(temporary, ec);
    RunMetadata meta;
    meta.program_version = kVersion;
    meta.git_commit = kGitCommit;
    meta.command_line = options.command_line;
    meta.scenario_name = fs::path(plan.file).stem().string();
    meta.threads = options.threads;
    meta.created_utc = utc_now_iso8601();
    try {
        // The assembly's parallel parts (statistics) use at most `threads` too.
        tbb::task_arena arena(options.threads);
        arena.execute([&] {
            if (options.shard.active()) {
                write_shard_file(plan, options.shard, [&saved](std::uint32_t i) { return saved.run(i); }, temporary,
                                 meta);
            } else {
                PartRunSource source(saved);
                assemble_batch(plan, source, temporary, meta);
            }
        });
        publish_file(temporary, options.output, {.replace = options.force});
    } catch (...) {
        fs::remove(temporary, ec);
        throw;
    }
}

}  // namespace

std::string parts_directory(const std::string& output) { return output + ".parts"; }

RunResult compute_run(const Scenario& scenario, int threads, PopulationCache* populations) {
    omp_set_num_threads(threads);
    const auto s0 = Clock::now();
    Model model(scenario, nullptr, populations);
    while (!model.done()) model.step();
    RunResult result = model.result();
    result.seconds = since(s0);
    return result;
}

BatchReport run_batch(const BatchPlan& plan, const ScenarioForRun& scenario_for, const BatchOptions& options) {
    const auto t0 = Clock::now();
    if (options.threads < 1) throw std::invalid_argument("run_batch: threads must be at least 1");
    if (options.resume && options.force)
        throw std::invalid_argument("run_batch: resume and force exclude each other");
    BatchReport report;
    report.batch_runs = static_cast<std::uint32_t>(plan.runs.size());
    const RunBlock block = shard_runs(report.batch_runs, options.shard);
    report.total = block.size();
    const std::string parts = parts_directory(options.output);
    report.parts_dir = parts;
    if (output_already_complete(plan, options, parts)) {
        report.already_done = report.total;
        report.was_complete = true;
        report.wall_seconds = since(t0);
        return report;
    }
    check_variant_scenarios(plan, scenario_for);

    std::error_code ec;
    if (options.force && fs::exists(fs::symlink_status(parts, ec))) discard_parts(parts);
    const PartsLock lock = open_parts_folder(parts, plan.identity, plan.resolved_text);
    const auto c0 = Clock::now();
    PartIndex saved = scan_parts(parts, plan.identity, options.warn);
    std::vector<std::uint32_t> pending;
    for (std::uint32_t index = block.first; index < block.last; ++index) {
        if (saved.contains(plan.runs[index].index))
            ++report.already_done;
        else
            pending.push_back(plan.runs[index].index);
    }
    report.check_seconds = since(c0);

    Schedule(plan, scenario_for, options, block, std::move(pending), parts, saved, report).run();
    if (report.already_done + report.computed < report.total) {
        report.interrupted = true;
        report.wall_seconds = since(t0);
        return report;
    }
    const auto a0 = Clock::now();
    if (options.writing) options.writing();
    publish_batch(plan, options, saved, parts);
    report.assemble_seconds = since(a0);
    remove_parts(parts, lock);
    report.wall_seconds = since(t0);
    return report;
}

}  // namespace greenshift
