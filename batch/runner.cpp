#include "batch/runner.hpp"

#include <fcntl.h>
#include <omp.h>
#include <sys/file.h>
#include <unistd.h>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "batch/assemble.hpp"
#include "batch/parts.hpp"
#include "core/model.hpp"
#include "greenshift/version.hpp"
#include "io/batch_writer.hpp"
#include "io/input_error.hpp"
#include "io/publish.hpp"

namespace greenshift {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string errno_text() { return std::strerror(errno); }

// Files greenshift puts in a parts folder; nothing else is ever removed from it.
bool is_ours(const std::string& name) {
    if (name == "identity" || name == "batch.yaml" || name == "lock" || name == "batch.h5.tmp") return true;
    if (is_part_file_name(name, true)) return true;
    return name.ends_with(".tmp") && (name.rfind("identity", 0) == 0 || name.rfind("batch.yaml", 0) == 0);
}

// An exclusive lock on the parts folder for the lifetime of the object, so two
// processes never write the same batch. flock() locks die with the process, so a
// batch killed with SIGKILL leaves no stale lock behind.
class PartsLock {
public:
    explicit PartsLock(const std::string& dir) {
        const std::string path = dir + "/lock";
        fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0) throw OutputError("cannot create " + path + ": " + errno_text());
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            ::close(fd_);
            throw OutputError(dir + " is in use by another greenshift process (running this batch); wait for it or "
                                    "stop it first");
        }
    }
    ~PartsLock() {
        if (fd_ >= 0) ::close(fd_);
    }
    PartsLock(const PartsLock&) = delete;
    PartsLock& operator=(const PartsLock&) = delete;

private:
    int fd_ = -1;
};

// A parts folder holding anything greenshift did not write is refused, not emptied.
void refuse_foreign_files(const std::string& dir) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
        if (!is_ours(entry.path().filename().string()))
            throw OutputError(dir + " holds " + entry.path().filename().string() +
                              ", which greenshift did not write; remove the folder yourself if it may go");
}

// Removes a parts folder whose lock the caller holds: only the files greenshift
// writes there.
void remove_parts(const std::string& dir, const PartsLock&) {
    refuse_foreign_files(dir);
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) fs::remove(entry.path(), ec);
    fs::remove(dir, ec);
    if (ec) throw OutputError("cannot remove " + dir + ": " + ec.message());
}

// Removes the parts folder of a batch no process is running. A folder that is
// refused is left exactly as it was: checked before the lock file is created.
void discard_parts(const std::string& dir) {
    refuse_foreign_files(dir);
    const PartsLock lock(dir);
    remove_parts(dir, lock);
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

// The batch identity stored in an existing output, "" when it has none (a run
// file). Refuses files that greenshift did not write.
std::string output_identity(const std::string& path) {
    const hdf5::File file = hdf5::File::open_read_only(path);
    hdf5::check_format_version(file, kFormatVersion);
    if (!hdf5::has_attribute(file, "program") || hdf5::read_text_attribute(file, "program") != "greenshift")
        throw InputError(path, 0, 0, "not a greenshift file (no program = \"greenshift\" attribute)");
    return hdf5::has_attribute(file, "batch_identity") ? hdf5::read_text_attribute(file, "batch_identity") : "";
}

// The shard ("I/N") an existing output holds, "" for a whole batch file.
std::string output_shard(const std::string& path) {
    const hdf5::File file = hdf5::File::open_read_only(path);
    return hdf5::has_attribute(file, "shard") ? hdf5::read_text_attribute(file, "shard") : "";
}

std::string short_digest(const std::string& d) { return d.size() > 16 ? d.substr(0, 16) : d; }

[[noreturn]] void refuse_other_batch(const std::string& what, const std::string& theirs, const BatchPlan& plan) {
    throw OutputError(what + " was made by another batch (identity " + short_digest(theirs) + "), but " + plan.file +
                      " now has identity " + short_digest(plan.identity) +
                      ": the batch file or its scenario changed. Restore it to resume, or use --force to discard "
                      "the old runs and start over");
}

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

}  // namespace

std::string parts_directory(const std::string& output) { return output + ".parts"; }

RunResult compute_run(const Scenario& scenario, int threads) {
    omp_set_num_threads(threads);
    const auto s0 = Clock::now();
    Model model(scenario);
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
    const std::string& output = options.output;
    const std::string parts = parts_directory(output);
    report.parts_dir = parts;
    // --resume keeps a finished output, --force replaces it; neither may be an input.
    check_output_target(output, options.resume || options.force, {plan.file, plan.scenario_file});

    std::error_code ec;
    const bool output_exists = fs::exists(fs::symlink_status(output, ec));
    const bool parts_exist = fs::exists(fs::symlink_status(parts, ec));
    if (parts_exist && !fs::is_directory(parts, ec))
        throw OutputError(parts + " exists and is not a folder; remove it");
    if (!options.resume && !options.force) {
        if (parts_exist)
            throw OutputError(parts + " holds the runs of an interrupted batch; use --resume to continue it, or "
                                      "--force to discard them and start over");
    }
    if (options.resume && output_exists) {
        const std::string theirs = output_identity(output);
        if (theirs != plan.identity) refuse_other_batch(output, theirs, plan);
        const std::string theirs_shard = output_shard(output);
        const std::string ours_shard = options.shard.active() ? options.shard.text() : "";
        if (theirs_shard != ours_shard)
            throw OutputError(output + " is " + (theirs_shard.empty() ? "the whole batch" : "shard " + theirs_shard) +
                              ", not " + (ours_shard.empty() ? "the whole batch" : "shard " + ours_shard) +
                              "; give another output name, or use --force to replace it");
        if (parts_exist) {
            // Killed after the batch file was published, before the parts were removed.
            discard_parts(parts);
        }
        report.already_done = report.total;
        report.was_complete = true;
        report.wall_seconds = since(t0);
        return report;
    }
    if (options.resume && parts_exist) {
        const std::string identity_file = parts + "/identity";
        const std::string theirs = fs::exists(identity_file, ec) ? read_text(identity_file) : std::string();
        if (theirs != plan.identity) refuse_other_batch(parts, theirs.empty() ? "unknown" : theirs, plan);
    }

    // Bad input shows before anything is created: one scenario per variant.
    {
        std::vector<bool> checked(plan.variants.size(), false);
        for (const RunSpec& r : plan.runs)
            if (!checked.at(r.variant)) {
                (void)scenario_for(r);
                checked[r.variant] = true;
            }
    }

    if (options.force && parts_exist) {
        discard_parts(parts);
    }
    fs::create_directory(parts, ec);
    if (ec) throw OutputError("cannot create " + parts + ": " + ec.message());
    PartsLock lock(parts);
    for (const auto& entry : fs::directory_iterator(parts, ec))
        if (entry.path().filename().string().ends_with(".tmp")) fs::remove(entry.path(), ec);
    if (!fs::exists(parts + "/identity", ec)) {
        write_text_atomically(parts + "/batch.yaml", plan.resolved_text);
        write_text_atomically(parts + "/identity", plan.identity + "\n");
    }
    const auto part_path = [&parts](const std::string& name) { return parts + "/" + name; };

    // What is saved: every readable part of this batch, read back whole (checksums
    // and decoding); an unreadable one is removed and its runs computed again.
    const auto c0 = Clock::now();
    PartIndex saved(plan.identity);
    {
        std::vector<std::string> names;
        for (const auto& entry : fs::directory_iterator(parts, ec)) {
            const std::string name = entry.path().filename().string();
            if (is_part_file_name(name)) names.push_back(name);
        }
        std::sort(names.begin(), names.end());
        for (const std::string& name : names) {
            const std::string p = part_path(name);
            try {
                const std::unique_ptr<PartFile> part = PartFile::open(p, plan.identity);
                // A part is named for its smallest run; another name could be
                // replaced by a new part.
                if (part_file_name(part->runs().front()) != name)
                    throw InputError(p, 0, 0, "holds runs from " + std::to_string(part->runs().front()) +
                                                  ", not what its name says");
                part->verify();
                saved.add(p, part->runs());
            } catch (const std::exception& e) {
                if (options.warn) options.warn(p + " is unreadable (" + e.what() + "); computing its runs again");
                fs::remove(p, ec);
            }
        }
    }
    std::vector<std::uint32_t> pending;
    for (std::uint32_t index = block.first; index < block.last; ++index) {
        if (saved.contains(plan.runs[index].index))
            ++report.already_done;
        else
            pending.push_back(plan.runs[index].index);
    }
    report.check_seconds = since(c0);

    std::mutex mutex;  // the report, progress, the index of saved runs, callbacks
    BatchProgress progress;
    progress.total = report.total;
    progress.done = report.already_done;
    progress.to_compute = static_cast<std::uint32_t>(pending.size());
    const auto p0 = Clock::now();
    if (options.progress) options.progress(progress);
    std::atomic<bool> failed{false};
    const auto stopped = [&options, &failed] {
        return failed.load() || (options.stop != nullptr && options.stop->load() != 0);
    };

    // One queue of pending runs for this process's threads and for the workers, so
    // that whoever is idle takes the next run (dynamic load balancing).
    std::mutex queue_mutex;
    std::size_t next_pending = 0;
    const auto next = [&]() -> std::optional<std::uint32_t> {
        const std::lock_guard<std::mutex> guard(queue_mutex);
        if (stopped() || next_pending == pending.size()) return std::nullopt;
        return pending[next_pending++];
    };

    // Saving: the threads that compute only encode a finished run; the saver
    // thread writes parts, syncs and renames them (batch/parts.hpp).
    PartSaver saver(parts, plan.identity, options.part_seconds, options.part_runs,
                    [&](const std::string& path, const std::vector<std::uint32_t>& runs, std::uint32_t elsewhere,
                        double seconds) {
                        const std::lock_guard<std::mutex> guard(mutex);
                        saved.add(path, runs);
                        const auto k = static_cast<std::uint32_t>(runs.size());
                        report.part_write_seconds += seconds;
                        ++report.parts_written;
                        report.computed += k;
                        report.computed_elsewhere += elsewhere;
                        progress.computed += k;
                        progress.done += k;
                        progress.seconds = since(p0);
                        if (options.progress) options.progress(progress);
                    });
    const auto save = [&](std::uint32_t index, const RunResult& result, bool elsewhere) {
        const auto e0 = Clock::now();
        PartRun run = encode_part_run(index, result);
        {
            const std::lock_guard<std::mutex> guard(mutex);
            report.part_write_seconds += since(e0);
            report.simulate_seconds += result.seconds;
            report.firm_steps += result.firm_steps;
        }
        saver.add(std::move(run), elsewhere);
    };

    std::vector<std::uint32_t> large;
    const auto run_one = [&](std::uint32_t index, int threads, bool defer_large) {
        const RunSpec& spec = plan.runs[index];
        Scenario s = scenario_for(spec);
        if (defer_large && s.total_firms() > options.large_run_firms) {
            const std::lock_guard<std::mutex> guard(mutex);
            large.push_back(index);
            return;
        }
        // Per calling thread: a TBB worker runs its model's OpenMP loops on itself.
        const RunResult result = compute_run(s, threads);
        save(index, result, false);
    };

    // Small runs: one per task, one thread each, `threads` at a time. Large runs
    // wait, then take every thread one at a time, so the total never exceeds it.
    const auto compute_here = [&] {
        tbb::task_arena arena(options.threads);
        arena.execute([&] {
            tbb::parallel_for(
                tbb::blocked_range<std::size_t>(0, pending.size(), 1),
                [&](const tbb::blocked_range<std::size_t>& range) {
                    for (std::size_t k = range.begin(); k != range.end(); ++k) {
                        const std::optional<std::uint32_t> index = next();
                        if (!index) return;
                        run_one(*index, 1, options.threads > 1);
                    }
                },
                tbb::simple_partitioner());
        });
        std::sort(large.begin(), large.end());
        const int previous_threads = omp_get_max_threads();
        for (const std::uint32_t index : large) {
            if (stopped()) break;
            run_one(index, options.threads, false);
        }
        omp_set_num_threads(previous_threads);
    };

    const auto compute_all = [&] {
        if (options.workers == nullptr) {
            compute_here();
        } else {
            // This thread serves the workers (MPI calls stay on the thread that
            // initialised MPI); another computes runs here at the same time.
            std::exception_ptr local_error;
            std::thread local([&] {
                try {
                    compute_here();
                } catch (...) {
                    local_error = std::current_exception();
                    failed = true;
                }
            });
            try {
                options.workers->serve(next, [&](std::uint32_t index, RunResult&& result, int threads) {
                    if (index < block.first || index >= block.last)
                        throw std::runtime_error("a worker sent run " + std::to_string(index) + ", which was not handed out");
                    (void)threads;
                    save(index, result, true);
                });
            } catch (...) {
                failed = true;
                local.join();
                throw;
            }
            local.join();
            if (local_error) std::rethrow_exception(local_error);
        }
    };
    try {
        compute_all();
    } catch (...) {
        // The runs finished before the error are kept for --resume.
        try {
            saver.finish();
        } catch (...) {
        }
        throw;
    }
    saver.finish();  // everything saved (or the saver's error)
    report.compute_seconds = since(p0);

    if (report.already_done + report.computed < report.total) {
        report.interrupted = true;
        report.wall_seconds = since(t0);
        return report;
    }

    const auto a0 = Clock::now();
    const std::string temporary = parts + "/batch.h5.tmp";
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
        publish_file(temporary, output, {.replace = options.force});
    } catch (...) {
        fs::remove(temporary, ec);
        throw;
    }
    report.assemble_seconds = since(a0);
    remove_parts(parts, lock);
    report.wall_seconds = since(t0);
    return report;
}

}  // namespace greenshift
