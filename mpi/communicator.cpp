#include "mpi/communicator.hpp"

#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace greenshift {

namespace {
void check(int rc, const char* what) {
    if (rc != MPI_SUCCESS) throw std::runtime_error(std::string(what) + " failed (MPI error " + std::to_string(rc) + ")");
}
}  // namespace

MpiCommunicator::MpiCommunicator(MPI_Comm comm) : comm_(comm) {
    check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
}

MpiCommunicator::~MpiCommunicator() {
    if (rank_ == 0 && std::getenv("GREENSHIFT_MPI_STATS") != nullptr)
        std::fprintf(stderr,
                     "greenshift: MPI exchange: %llu all_gathers over %d ranks, %.3f MB received per rank "
                     "(largest %.1f kB), %.3f s in them on rank 0\n",
                     static_cast<unsigned long long>(calls_), size_, static_cast<double>(bytes_) / 1e6,
                     static_cast<double>(max_bytes_) / 1e3, seconds_);
}

std::vector<std::byte> MpiCommunicator::all_gather(const std::vector<std::byte>& mine,
                                                   std::vector<std::uint64_t>& counts) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::uint64_t own = mine.size();
    counts.assign(static_cast<std::size_t>(size_), 0);
    check(MPI_Allgather(&own, 1, MPI_UINT64_T, counts.data(), 1, MPI_UINT64_T, comm_), "MPI_Allgather");
    // MPI counts and displacements are int: one step's records must stay below 2 GiB
    // in all (they are a few bytes per adoption; docs/hpc.md).
    std::vector<int> sizes(static_cast<std::size_t>(size_)), offsets(static_cast<std::size_t>(size_));
    std::uint64_t total = 0;
    for (int r = 0; r < size_; ++r) {
        if (total + counts[r] > static_cast<std::uint64_t>(INT_MAX))
            throw std::runtime_error("all_gather: more than 2 GiB in one step across ranks");
        offsets[r] = static_cast<int>(total);
        sizes[r] = static_cast<int>(counts[r]);
        total += counts[r];
    }
    std::vector<std::byte> all(total);
    check(MPI_Allgatherv(mine.data(), static_cast<int>(own), MPI_BYTE, all.data(), sizes.data(), offsets.data(),
                         MPI_BYTE, comm_),
          "MPI_Allgatherv");
    ++calls_;
    bytes_ += total;
    if (total > max_bytes_) max_bytes_ = total;
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return all;
}

}  // namespace greenshift
