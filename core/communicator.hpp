// How the ranks of one run talk: the model needs a single collective, "every rank
// contributes bytes, every rank receives all contributions in rank order". Within
// one process (the default) it is the identity; an MPI implementation lives
// outside core (it is the only place that knows MPI). Because contributions come
// back in rank order and ranks own consecutive blocks of firms, everything the model
// combines is combined in block order — the same order as in one process — so a run
// split over any number of ranks gives bitwise the same results.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace greenshift {

class Communicator {
public:
    virtual ~Communicator() = default;
    virtual int rank() const = 0;
    virtual int size() const = 0;
    // Concatenation of every rank's `mine`, in rank order; identical on every rank.
    // `counts` receives each rank's byte count.
    virtual std::vector<std::byte> all_gather(const std::vector<std::byte>& mine,
                                              std::vector<std::uint64_t>& counts) = 0;
};

// One rank: all_gather returns its own bytes.
class SingleProcess final : public Communicator {
public:
    int rank() const override { return 0; }
    int size() const override { return 1; }
    std::vector<std::byte> all_gather(const std::vector<std::byte>& mine,
                                      std::vector<std::uint64_t>& counts) override {
        counts.assign(1, mine.size());
        return mine;
    }
};

// The blocks of firms rank `rank` of `size` owns: a balanced split of whole blocks.
struct BlockRange {
    std::uint64_t first = 0;  // first block
    std::uint64_t last = 0;   // one past the last block
};
inline BlockRange block_range(std::uint64_t blocks, int rank, int size) {
    const auto r = static_cast<std::uint64_t>(rank), n = static_cast<std::uint64_t>(size);
    return {blocks * r / n, blocks * (r + 1) / n};
}

}  // namespace greenshift
