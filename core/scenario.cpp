#include "core/scenario.hpp"

#include <algorithm>

namespace greenshift {

double Path::at(double year) const {
    if (years.empty()) return 0.0;
    if (year <= years.front()) return values.front();
    if (year >= years.back()) return values.back();
    const auto it = std::upper_bound(years.begin(), years.end(), year);
    const auto i = static_cast<std::size_t>(it - years.begin());
    const double x0 = years[i - 1], x1 = years[i];
    const double w = (year - x0) / (x1 - x0);
    return values[i - 1] + w * (values[i] - values[i - 1]);
}

std::uint64_t bytes_per_firm(const Scenario& s) {
    // Mirrors FirmArrays (firms.hpp): sector (2), size class (1), flags (1), output (4),
    // intensity factor (4), one status byte per technology, one float of capacity per
    // technology; plus the per-firm share of the candidate buffers of a step (at most
    // one 24-byte record per firm and technology in the worst case, kept at 8 here
    // because candidates are a small fraction of firms; the loader adds a margin).
    const std::uint64_t t = s.technologies.size();
    return 12 + t * (1 + 4) + 8;
}

}  // namespace greenshift
