// The Communicator of a run split across MPI ranks (core/communicator.hpp): every
// rank's bytes to every rank, in rank order — an MPI_Allgather of the byte counts,
// then an MPI_Allgatherv of the bytes.
#pragma once

#include <mpi.h>

#include "core/communicator.hpp"

namespace greenshift {

class MpiCommunicator final : public Communicator {
public:
    explicit MpiCommunicator(MPI_Comm comm);
    int rank() const override { return rank_; }
    int size() const override { return size_; }
    std::vector<std::byte> all_gather(const std::vector<std::byte>& mine,
                                      std::vector<std::uint64_t>& counts) override;

private:
    MPI_Comm comm_;
    int rank_ = 0;
    int size_ = 1;
};

}  // namespace greenshift
