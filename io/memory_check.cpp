#include "io/memory_check.hpp"

#include "io/input_error.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

namespace greenshift {

namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

std::uint64_t sat_mul(std::uint64_t a, std::uint64_t b) {
    std::uint64_t r = 0;
    return __builtin_mul_overflow(a, b, &r) ? kMax : r;
}

std::uint64_t sat_add(std::uint64_t a, std::uint64_t b) {
    std::uint64_t r = 0;
    return __builtin_add_overflow(a, b, &r) ? kMax : r;
}

// "12.3 GiB": enough precision to compare with what `free -h` says.
std::string human(std::uint64_t bytes) {
    if (bytes == kMax) return "more than 16 EiB";
    const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024.0 && u < 6) v /= 1024.0, ++u;
    char buf[64];
    if (u == 0) std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(bytes));
    else std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
    return buf;
}

}  // namespace

std::uint64_t available_memory_bytes() {
    std::ifstream in("/proc/meminfo");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string key, unit;
        std::uint64_t kib = 0;
        if (fields >> key >> kib >> unit && key == "MemAvailable:" && unit == "kB")
            return sat_mul(kib, 1024);
    }
    const long pages = sysconf(_SC_AVPHYS_PAGES);
    const long page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0)
        return sat_mul(static_cast<std::uint64_t>(pages), static_cast<std::uint64_t>(page));
    return 0;
}

std::uint64_t required_memory_bytes(const Scenario& s) {
    // The firm arrays dominate; the margin (a quarter more, plus 64 MiB) covers the
    // aggregates, output buffers and allocator slack.
    const std::uint64_t firms = sat_mul(s.total_firms(), bytes_per_firm(s));
    return sat_add(sat_add(firms, firms / 4), 64ull << 20);
}

void check_fits_in_memory(const Scenario& s, std::uint64_t max_bytes, const std::string& file) {
    const std::uint64_t need = required_memory_bytes(s);
    if (need <= max_bytes) return;
    throw InputError(file, 0, 0,
                     "sectors: " + std::to_string(s.total_firms()) + " firms need about " +
                         human(need) + " (" + std::to_string(bytes_per_firm(s)) +
                         " bytes per firm plus a margin), more than the limit of " + human(max_bytes) +
                         "; use fewer firms, or raise the limit with --max-memory if the memory is "
                         "really there");
}

}  // namespace greenshift
