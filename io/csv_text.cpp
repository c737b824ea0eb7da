#include "io/csv_text.hpp"

#include <charconv>
#include <cmath>

namespace greenshift {

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string q = "\"";
    for (const char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

std::string csv_number(double x) {
    if (std::isnan(x)) return "";
    if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);  // 24 characters at most
    return ec == std::errc() ? std::string(buf, end) : std::string();
}

}  // namespace greenshift
