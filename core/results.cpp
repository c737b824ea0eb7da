#include "core/results.hpp"

namespace greenshift {

const char* dim_name(Dim d) {
    const auto i = static_cast<std::size_t>(d);
    return i < kDimNames.size() ? kDimNames[i] : "?";
}

std::size_t Coordinates::length(Dim d) const {
    switch (d) {
        case Dim::time: return year.size();
        case Dim::sector: return sector.size();
        case Dim::size_class: return size_class.size();
        case Dim::technology: return technology.size();
        case Dim::policy: return policy.size();
        case Dim::io_sector: return io_sector.size();
    }
    return 0;
}

const Variable* RunResult::find(const std::string& name) const {
    for (const auto& v : variables)
        if (v.name == name) return &v;
    return nullptr;
}

}  // namespace greenshift
