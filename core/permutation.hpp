// A keyed pseudo-random permutation of the indices 0..n-1, evaluated one index at a
// time: which firms of a cell are feasible for a technology, or equipped with it at the
// start, is "the first m of a random order of the cell", so the count is exact while
// each firm decides alone (any thread, any rank, no gather).
//
// A balanced Feistel network (four rounds) on the smallest power of four >= n is a
// bijection of that power's range; applying it again until the result falls below n
// ("cycle walking") restricts it to a bijection of 0..n-1, in fewer than four
// applications on average.
#pragma once

#include <array>
#include <cstdint>

namespace greenshift {

class IndexPermutation {
public:
    IndexPermutation() = default;
    // `key`: four independent 32-bit words (one Philox call).
    IndexPermutation(std::uint64_t n, const std::array<std::uint32_t, 4>& key) : n_(n), key_(key) {
        while ((std::uint64_t{1} << (2 * half_bits_)) < n) ++half_bits_;
        mask_ = (std::uint64_t{1} << half_bits_) - 1;
    }

    std::uint64_t size() const { return n_; }

    // The position of index j (< n) in the random order.
    std::uint64_t operator()(std::uint64_t j) const {
        if (n_ <= 1) return j;
        do j = feistel(j);
        while (j >= n_);
        return j;
    }

private:
    // A 64-bit finaliser (multiply-xorshift) gives each round its pseudo-random function.
    static std::uint64_t mix(std::uint64_t x) {
        x ^= x >> 30;
        x *= 0xbf58476d1ce4e5b9ull;
        x ^= x >> 27;
        x *= 0x94d049bb133111ebull;
        x ^= x >> 31;
        return x;
    }
    std::uint64_t feistel(std::uint64_t j) const {
        std::uint64_t left = j >> half_bits_, right = j & mask_;
        for (const std::uint32_t k : key_) {
            const std::uint64_t next = left ^ (mix(right ^ (static_cast<std::uint64_t>(k) << 32)) & mask_);
            left = right;
            right = next;
        }
        return (left << half_bits_) | right;
    }

    std::uint64_t n_ = 0;
    std::array<std::uint32_t, 4> key_{};
    int half_bits_ = 0;
    std::uint64_t mask_ = 0;
};

}  // namespace greenshift
