#include "core/selection.hpp"

#include <algorithm>

namespace greenshift {

std::size_t select_smallest(std::vector<KeyedFirm>& candidates, std::uint64_t k) {
    const std::size_t n = std::min<std::uint64_t>(k, candidates.size());
    if (n < candidates.size()) {
        std::nth_element(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(n),
                         candidates.end());
    }
    std::sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(n),
              [](const KeyedFirm& a, const KeyedFirm& b) { return a.firm < b.firm; });
    return n;
}

}  // namespace greenshift
