// greenshift_byteflip: every single-byte change of a small batch or shard file, read
// the way `greenshift summary` and `greenshift merge` read it, each in its own
// process. Every outcome must be the right result (exit 0 and the summary of the
// unchanged file) or a clean refusal (exit 3, one line naming the file) — never a
// signal, a hang, a wrong number with exit 0, another exit code or a file left
// behind. Run by tests/cli/test_byteflip.sh (ctest reliability_byteflip).
//
//   greenshift_byteflip summary BATCH.h5 [--jobs N] [--timeout S] [--stride K]
//   greenshift_byteflip merge SHARD.h5 OTHER_SHARD.h5 [--jobs N] [--timeout S] [--stride K]
//
// A process per change: fork() of this small program costs well under a millisecond,
// where starting the greenshift executable costs ~10 ms, which would put every byte of
// even a small file out of the suite's time. The child calls what the command calls
// (read_summary, merge_shards) and maps exceptions to exit codes as apps/main.cpp
// does; the CLI script also runs the greenshift executable on a sample of the same
// changes.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include "batch/shard.hpp"
#include "io/batch_reader.hpp"
#include "io/hdf5.hpp"
#include "io/input_error.hpp"
#include "io/interrupt.hpp"

namespace fs = std::filesystem;
using namespace greenshift;

namespace {

struct Options {
    std::string mode, file, other;
    int jobs = 2;
    int timeout = 10;
    std::size_t stride = 1;
};

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_all(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
}

// What the command prints for `path`: summary --csv of the batch file, or of the
// batch file merge writes to `out`.
std::string command_output(const Options& o, const std::string& path, const std::string& out) {
    std::ostringstream csv;
    if (o.mode == "summary") {
        write_summary_csv(read_summary(path), csv);
    } else {
        RunMetadata meta;
        meta.program_version = "byteflip";
        merge_shards({path, o.other}, out, false, meta);
        write_summary_csv(read_summary(out), csv);
    }
    return csv.str();
}

// The child: runs the command on `path`, writes its output or its message to
// `result`, exits with the command's exit code.
[[noreturn]] void child(const Options& o, const std::string& path, const std::string& out, const std::string& result) {
    alarm(static_cast<unsigned>(o.timeout));  // a hang ends as SIGALRM, which the parent counts as a hang
    int code = 0;
    std::string text;
    try {
        text = command_output(o, path, out);
    } catch (const InputError& e) {
        code = 3;
        text = e.what();
    } catch (const OutputError& e) {
        code = 4;
        text = e.what();
    } catch (const Interrupted& e) {
        code = 75;
        text = e.what();
    } catch (const std::bad_alloc&) {
        code = 1;
        text = "out of memory";
    } catch (const std::exception& e) {
        code = 1;
        text = std::string("internal error: ") + e.what();
    }
    write_all(result, text);
    std::fflush(nullptr);
    _exit(code);
}

struct Tally {
    std::uint64_t correct = 0, refused = 0, wrong = 0, signalled = 0, hung = 0, left = 0, other = 0;
    std::map<std::string, std::uint64_t> messages;  // refusals by their wording
    std::vector<std::string> failures;              // the first few, for the log
    void fail(const std::string& what) {
        if (failures.size() < 10) failures.push_back(what);
    }
};

// The kind of refusal: the message after the file name, without numbers.
std::string wording(const std::string& message, const std::string& path) {
    std::string s = message.rfind(path + ": ", 0) == 0 ? message.substr(path.size() + 2) : message;
    std::string out;
    for (const char c : s) {
        if (c >= '0' && c <= '9') {
            if (out.empty() || out.back() != '#') out += '#';
        } else {
            out += c;
        }
        if (out.size() >= 48) break;
    }
    return out;
}

// One worker: the offsets o.stride * (worker + k * jobs), each changed in its own
// copy of the file, read in a child process, then put back.
void work(const Options& o, int worker, const std::string& original, const std::string& reference,
          const fs::path& dir, int report_fd) {
    const fs::path mine = dir / ("w" + std::to_string(worker));
    fs::create_directories(mine / "out");
    const std::string path = (mine / fs::path(o.file).filename()).string();
    const std::string out = (mine / "out" / "merged.h5").string();
    const std::string result = (mine / "result").string();
    write_all(path, original);
    const int fd = ::open(path.c_str(), O_WRONLY);
    Tally t;
    for (std::size_t at = o.stride * static_cast<std::size_t>(worker); at < original.size();
         at += o.stride * static_cast<std::size_t>(o.jobs)) {
        const char changed = static_cast<char>(original[at] ^ 0xFF);
        if (::pwrite(fd, &changed, 1, static_cast<off_t>(at)) != 1) std::abort();
        const pid_t pid = fork();
        if (pid == 0) child(o, path, out, result);
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0) {
        }
        const std::string where = "byte " + std::to_string(at);
        const std::string text = read_all(result);
        if (WIFSIGNALED(status)) {
            if (WTERMSIG(status) == SIGALRM) {
                ++t.hung;
                t.fail(where + ": no answer within " + std::to_string(o.timeout) + " s");
            } else {
                ++t.signalled;
                t.fail(where + ": signal " + std::to_string(WTERMSIG(status)));
            }
        } else if (WEXITSTATUS(status) == 0) {
            if (text == reference) {
                ++t.correct;
            } else {
                ++t.wrong;
                t.fail(where + ": exit 0 with another result");
            }
        } else if (WEXITSTATUS(status) == 3 && !text.empty() && text.find('\n') == std::string::npos &&
                   text.rfind(path + ": ", 0) == 0) {
            ++t.refused;
            ++t.messages[wording(text, path)];
        } else {
            ++t.other;
            t.fail(where + ": exit " + std::to_string(WEXITSTATUS(status)) + ": " + text);
        }
        // Nothing may be left but the merged file of a right result.
        std::error_code ec;
        std::size_t entries = 0;
        for (const auto& e : fs::directory_iterator(mine / "out", ec)) {
            ++entries;
            if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0 && e.path().string() == out)) {
                ++t.left;
                t.fail(where + ": left " + e.path().filename().string());
            }
            fs::remove(e.path(), ec);
        }
        (void)entries;
        if (::pwrite(fd, &original[at], 1, static_cast<off_t>(at)) != 1) std::abort();
    }
    ::close(fd);
    // To the parent: counts, then messages, then failures, one per line.
    std::ostringstream r;
    r << t.correct << ' ' << t.refused << ' ' << t.wrong << ' ' << t.signalled << ' ' << t.hung << ' ' << t.left << ' '
      << t.other << '\n';
    for (const auto& [m, n] : t.messages) r << "M " << n << ' ' << m << '\n';
    for (const std::string& f : t.failures) r << "F " << f << '\n';
    const std::string s = r.str();
    if (::write(report_fd, s.data(), s.size()) != static_cast<ssize_t>(s.size())) std::abort();
}

int usage() {
    std::fprintf(stderr,
                 "usage: greenshift_byteflip summary BATCH.h5 | merge SHARD.h5 OTHER.h5 "
                 "[--jobs N] [--timeout S] [--stride K]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    hdf5::prepare_library();
    Options o;
    std::vector<std::string> args(argv + 1, argv + argc);
    std::vector<std::string> positional;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--jobs" && i + 1 < args.size()) o.jobs = std::atoi(args[++i].c_str());
        else if (args[i] == "--timeout" && i + 1 < args.size()) o.timeout = std::atoi(args[++i].c_str());
        else if (args[i] == "--stride" && i + 1 < args.size()) o.stride = std::strtoull(args[++i].c_str(), nullptr, 10);
        else positional.push_back(args[i]);
    }
    if (positional.empty() || o.jobs < 1 || o.timeout < 1 || o.stride < 1) return usage();
    o.mode = positional[0];
    if (o.mode == "summary" && positional.size() == 2) o.file = positional[1];
    else if (o.mode == "merge" && positional.size() == 3) {
        o.file = positional[1];
        o.other = fs::absolute(positional[2]).string();
    } else return usage();

    const auto t0 = std::chrono::steady_clock::now();
    const std::string original = read_all(o.file);
    std::string pattern = (fs::temp_directory_path() / "greenshift-byteflip-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return 1;
    const fs::path dir = pattern;

    // The right result, from the unchanged file, in a child (the parent never starts
    // HDF5 or TBB: its children inherit it through fork).
    const std::string good = (dir / fs::path(o.file).filename()).string();
    write_all(good, original);
    fs::create_directories(dir / "ref");
    const pid_t ref = fork();
    if (ref == 0) child(o, good, (dir / "ref" / "merged.h5").string(), (dir / "reference").string());
    int status = 0;
    waitpid(ref, &status, 0);
    const std::string reference = read_all((dir / "reference").string());
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "byteflip: the unchanged %s does not read: %s\n", o.file.c_str(), reference.c_str());
        return 1;
    }

    std::vector<pid_t> workers;
    std::vector<int> reports;
    for (int w = 0; w < o.jobs; ++w) {
        int p[2];
        if (::pipe(p) != 0) return 1;
        const pid_t pid = fork();
        if (pid == 0) {
            ::close(p[0]);
            work(o, w, original, reference, dir, p[1]);
            _exit(0);
        }
        ::close(p[1]);
        workers.push_back(pid);
        reports.push_back(p[0]);
    }
    Tally all;
    std::uint64_t totals[7] = {};
    for (std::size_t w = 0; w < workers.size(); ++w) {
        std::string text;
        char buffer[4096];
        for (ssize_t n; (n = ::read(reports[w], buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<std::size_t>(n));
        waitpid(workers[w], &status, 0);
        std::istringstream in(text);
        for (std::uint64_t& x : totals) {
            std::uint64_t v = 0;
            in >> v;
            x += v;
        }
        std::string line;
        std::getline(in, line);
        while (std::getline(in, line)) {
            if (line.rfind("M ", 0) == 0) {
                const std::size_t space = line.find(' ', 2);
                all.messages[line.substr(space + 1)] += std::stoull(line.substr(2, space - 2));
            } else if (line.rfind("F ", 0) == 0) {
                all.fail(line.substr(2));
            }
        }
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const std::uint64_t cases = totals[0] + totals[1] + totals[2] + totals[3] + totals[4] + totals[6];
    std::printf("%s %s: %zu bytes, %llu changed (every %zu%s byte, xor 0xff), %d processes, %.1f s: "
                "%llu right result, %llu refused (exit 3, one line), %llu wrong with exit 0, %llu signals, "
                "%llu hangs, %llu other exits, %llu files left\n",
                o.mode.c_str(), o.file.c_str(), original.size(), static_cast<unsigned long long>(cases), o.stride,
                o.stride == 1 ? "st" : "th", o.jobs, seconds, static_cast<unsigned long long>(totals[0]),
                static_cast<unsigned long long>(totals[1]), static_cast<unsigned long long>(totals[2]),
                static_cast<unsigned long long>(totals[3]), static_cast<unsigned long long>(totals[4]),
                static_cast<unsigned long long>(totals[6]), static_cast<unsigned long long>(totals[5]));
    for (const auto& [m, n] : all.messages) std::printf("  refused %llu: %s...\n", static_cast<unsigned long long>(n), m.c_str());
    for (const std::string& f : all.failures) std::printf("  FAIL %s\n", f.c_str());
    const bool expected_count = cases == (original.size() + o.stride - 1) / o.stride;
    if (!expected_count) std::printf("  FAIL %llu cases for %zu bytes\n", static_cast<unsigned long long>(cases), original.size());
    return totals[2] + totals[3] + totals[4] + totals[5] + totals[6] == 0 && expected_count ? 0 : 1;
}
