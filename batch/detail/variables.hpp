// Reading run variables as numbers, whatever their storage (counts or reals): the
// few helpers the effects and the indicators share.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

#include "core/results.hpp"

namespace greenshift::detail {

inline const Variable& need(const RunResult& r, const std::string& name) {
    const Variable* v = r.find(name);
    if (v == nullptr) throw std::runtime_error("run result has no variable \"" + name + "\"");
    return *v;
}

inline double value(const Variable& v, std::size_t i) {
    return v.is_count ? static_cast<double>(v.counts[i]) : v.values[i];
}

inline std::size_t size_of(const Variable& v) { return v.is_count ? v.counts.size() : v.values.size(); }

// Sum of every value, in storage order.
inline double sum(const Variable& v) {
    double s = 0;
    for (std::size_t i = 0; i < size_of(v); ++i) s += value(v, i);
    return s;
}

inline double sum_or_zero(const RunResult& r, const std::string& name) {
    const Variable* v = r.find(name);
    return v != nullptr ? sum(*v) : 0.0;
}

// Value at the last step of a (time)-only variable, 0 when absent.
inline double last_or_zero(const RunResult& r, const std::string& name) {
    const Variable* v = r.find(name);
    return v != nullptr && size_of(*v) > 0 ? value(*v, size_of(*v) - 1) : 0.0;
}

}  // namespace greenshift::detail
