// The Communicator of a run split across MPI ranks (core/communicator.hpp): every
// rank's bytes to every rank, in rank order — an MPI_Allgather of the byte counts,
// then an MPI_Allgatherv of the bytes.
#pragma once

#include <mpi.h>

#include "core/communicator.hpp"

namespace greenshift {

// With GREENSHIFT_MPI_STATS set, rank 0 prints on destruction how many collectives
// ran, the bytes each rank received, and the time spent in them (docs/hpc.md).
class MpiCommunicator final : public Communicator {
public:
    explicit MpiCommunicator(MPI_Comm comm);
    ~MpiCommunicator() override;
    int rank() const override { return rank_; }
    int size() const override { return size_; }
    std::vector<std::byte> all_gather(const std::vector<std::byte>& mine,
                                      std::vector<std::uint64_t>& counts) override;

private:
    MPI_Comm comm_;
    int rank_ = 0;
    int size_ = 1;
    std::uint64_t calls_ = 0;
    std::uint64_t bytes_ = 0;  // received per rank, summed over calls
    std::uint64_t max_bytes_ = 0;  // largest single call
    double seconds_ = 0;
};

}  // namespace greenshift
