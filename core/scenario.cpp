#include "core/scenario.hpp"
#include "core/firms.hpp"

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
    // The firm columns (firms.hpp), plus a working margin for a step's adoption and
    // application lists, which hold a small fraction of firms at any one time; plus,
    // per programme that caps per firm, what each firm received, and per audit
    // mandate with a compliance curve, each firm's first audit.
    std::uint64_t extra = 0;
    for (const auto& p : s.policies) {
        if (p.cap_scope == CapScope::firm && p.cap_per_firm > 0) extra += sizeof(double);
        if (p.type == PolicyType::audit_mandate && !p.compliance.years.empty()) extra += sizeof(std::uint16_t);
    }
    return FirmArrays::state_bytes(static_cast<int>(s.technologies.size())) + 8 + extra;
}

}  // namespace greenshift
