// The inner loop of bass mode: one step's draws split a block's list of firms that
// have not adopted into those that adopt now and those that stay open.
#pragma once

#include <cstddef>
#include <cstdint>

namespace greenshift {

struct ScanSplit {
    std::size_t kept = 0;    // entries left at the front of `ids`
    std::size_t chosen = 0;  // entries written to `chosen`
};

// For j < n: ids[j] goes to `chosen` when u[j] < threshold, else stays in `ids`;
// both lists keep their order. `chosen` must have room for n + 8 entries (the
// vector path stores 8 at a time). threshold may be 0 (nobody) to 2^32 (everyone).
// Uses AVX2 when the CPU has it (checked once); same result either way.
ScanSplit split_by_draw(std::uint16_t* ids, const std::uint32_t* u, std::size_t n,
                        std::uint64_t threshold, std::uint16_t* chosen);

namespace detail {
ScanSplit split_by_draw_scalar(std::uint16_t* ids, const std::uint32_t* u, std::size_t n,
                               std::uint64_t threshold, std::uint16_t* chosen);
bool has_vector_split();
}  // namespace detail

}  // namespace greenshift
