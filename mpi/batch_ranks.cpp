#include "mpi/batch_ranks.hpp"

#include <chrono>
#include <climits>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

#include "batch/run_codec.hpp"

namespace greenshift {

namespace {

// Worker -> rank 0: REQUEST (the worker's batch identity) once, then RESULT
// (index, threads, run record), each answered by WORK (index) or STOP.
enum Tag : int { kRequest = 1, kResult = 2, kWork = 3, kStop = 4 };

void check(int rc, const char* what) {
    if (rc != MPI_SUCCESS) throw std::runtime_error(std::string(what) + " failed (MPI error " + std::to_string(rc) + ")");
}

void send(MPI_Comm comm, int to, Tag tag, const std::vector<std::byte>& bytes) {
    if (bytes.size() > static_cast<std::size_t>(INT_MAX)) throw std::runtime_error("a run result above 2 GiB");
    check(MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, to, tag, comm), "MPI_Send");
}

struct Message {
    int source = 0;
    int tag = 0;
    std::vector<std::byte> bytes;
};

Message receive(MPI_Comm comm, int from, const MPI_Status& status) {
    int count = 0;
    check(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count");
    Message m;
    m.source = status.MPI_SOURCE;
    m.tag = status.MPI_TAG;
    m.bytes.resize(static_cast<std::size_t>(count));
    check(MPI_Recv(m.bytes.data(), count, MPI_BYTE, from, m.tag, comm, MPI_STATUS_IGNORE), "MPI_Recv");
    return m;
}

// A message that starts with these fixed-size fields (sized first: GCC 12 warns,
// wrongly, about growing a byte vector with insert()).
template <class... T>
std::vector<std::byte> header(T... fields) {
    std::vector<std::byte> out((sizeof(T) + ... + 0));
    std::size_t at = 0;
    ((std::memcpy(out.data() + at, &fields, sizeof fields), at += sizeof fields), ...);
    return out;
}

template <class T>
T get(const std::vector<std::byte>& in, std::size_t at) {
    if (at + sizeof(T) > in.size()) throw std::runtime_error("a truncated message between ranks");
    T v;
    std::memcpy(&v, in.data() + at, sizeof v);
    return v;
}

}  // namespace

MpiRunWorkers::MpiRunWorkers(MPI_Comm comm, std::string identity) : comm_(comm), identity_(std::move(identity)) {
    int size = 1;
    check(MPI_Comm_size(comm_, &size), "MPI_Comm_size");
    workers_ = size - 1;
}

MpiRunWorkers::~MpiRunWorkers() {
    if (served_) return;
    // Rank 0 stopped before handing out anything: every worker has sent, or will
    // send, its request; answer each with STOP so that all ranks end cleanly.
    try {
        for (int stopped = 0; stopped < workers_;) {
            MPI_Status status;
            check(MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_, &status), "MPI_Probe");
            const Message m = receive(comm_, status.MPI_SOURCE, status);
            send(comm_, m.source, kStop, {});
            ++stopped;
        }
    } catch (...) {
        // A destructor must not throw; mpirun ends the job when rank 0 exits non-zero.
    }
}

void MpiRunWorkers::serve(const std::function<std::optional<std::uint32_t>()>& next,
                          const std::function<void(std::uint32_t, RunResult&&, int)>& done) {
    served_ = true;
    int stopped = 0;
    std::exception_ptr error;  // after an error: answer everyone with STOP, then rethrow
    while (stopped < workers_) {
        int flag = 0;
        MPI_Status status;
        check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_, &flag, &status), "MPI_Iprobe");
        if (!flag) {
            // Polled, not blocking: this thread also watches for the stop signal via
            // next(), and a blocking probe would spin a core in most MPI libraries.
            std::this_thread::sleep_for(std::chrono::microseconds(200));
            continue;
        }
        const Message m = receive(comm_, status.MPI_SOURCE, status);
        std::optional<std::uint32_t> work;
        std::optional<std::uint32_t> index;
        RunResult result;
        int threads = 0;
        if (!error) {
            try {
                if (m.tag == kRequest) {
                    const std::string theirs(reinterpret_cast<const char*>(m.bytes.data()), m.bytes.size());
                    if (theirs != identity_)
                        throw std::runtime_error("rank " + std::to_string(m.source) +
                                                 " loaded another batch (identity " + theirs.substr(0, 16) +
                                                 ", rank 0 has " + identity_.substr(0, 16) +
                                                 "): every rank must read the same batch file");
                } else if (m.tag == kResult) {
                    index = get<std::uint32_t>(m.bytes, 0);
                    threads = get<std::int32_t>(m.bytes, 4);
                    result = decode_run(m.bytes.data() + 8, m.bytes.size() - 8);
                } else {
                    throw std::runtime_error("unexpected message tag " + std::to_string(m.tag) + " from rank " +
                                             std::to_string(m.source));
                }
                work = next();
            } catch (...) {
                error = std::current_exception();
            }
        }
        // The worker gets its next run before this rank writes the last one (an
        // fsync'ed part), so that it never waits for the disk.
        if (work) {
            send(comm_, m.source, kWork, header<std::uint32_t>(*work));
        } else {
            send(comm_, m.source, kStop, {});
            ++stopped;
        }
        if (index && !error) {
            try {
                done(*index, std::move(result), threads);
            } catch (...) {
                error = std::current_exception();
            }
        }
    }
    if (error) std::rethrow_exception(error);
}

unsigned work_for_rank0(MPI_Comm comm, const BatchPlan& plan, const ScenarioForRun& scenario_for, int threads) {
    std::vector<std::byte> request(reinterpret_cast<const std::byte*>(plan.identity.data()),
                                   reinterpret_cast<const std::byte*>(plan.identity.data()) + plan.identity.size());
    send(comm, 0, kRequest, request);
    unsigned computed = 0;
    PopulationCache populations(2 * static_cast<std::size_t>(std::max(threads, 1)) + 2);
    for (;;) {
        MPI_Status status;
        check(MPI_Probe(0, MPI_ANY_TAG, comm, &status), "MPI_Probe");
        const Message m = receive(comm, 0, status);
        if (m.tag == kStop) break;
        if (m.tag != kWork) throw std::runtime_error("unexpected message tag " + std::to_string(m.tag) + " from rank 0");
        const auto index = get<std::uint32_t>(m.bytes, 0);
        if (index >= plan.runs.size()) throw std::runtime_error("rank 0 sent run " + std::to_string(index) + " of " +
                                                                std::to_string(plan.runs.size()));
        const RunResult result = compute_run(scenario_for(plan.runs[index]), threads, &populations);
        std::vector<std::byte> reply = header<std::uint32_t, std::int32_t>(index, threads);
        encode_run(result, reply);
        send(comm, 0, kResult, reply);
        ++computed;
    }
    return computed;
}

}  // namespace greenshift
