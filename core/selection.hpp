// Picking "up to K firms a year" (labels, technical assistance) among the eligible
// ones: the K smallest random keys win. Keys come from the counter-based generator,
// so the choice is the same whatever the thread count or visiting order.
#pragma once

#include <cstdint>
#include <vector>

namespace greenshift {

struct KeyedFirm {
    std::uint64_t key;
    std::uint32_t firm;
    friend bool operator<(const KeyedFirm& a, const KeyedFirm& b) {
        return a.key != b.key ? a.key < b.key : a.firm < b.firm;
    }
};

// Reorders `candidates` so that the min(k, size) smallest come first, sorted by firm
// number; returns how many were selected.
std::size_t select_smallest(std::vector<KeyedFirm>& candidates, std::uint64_t k);

}  // namespace greenshift
