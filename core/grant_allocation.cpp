#include "core/grant_allocation.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

namespace greenshift {

namespace {

// A queue entry as two unsigned words whose lexicographic order is the queue's
// order: `hi` the rank (best first), `lo` the lottery key.
struct Entry {
    std::uint64_t hi;
    std::uint64_t lo;
    std::uint32_t index;  // into the applications
};

// Unsigned image of a double with the same order (-0 and +0 are one rank).
std::uint64_t ordered_bits(double d) {
    if (d == 0) d = 0.0;
    const auto b = std::bit_cast<std::uint64_t>(d);
    return (b >> 63) ? ~b : b | (std::uint64_t{1} << 63);
}

// Stable LSD radix sort on (hi, lo), 11-bit digits: 12 passes at most, and a
// pass whose digit is the same for every entry (the rank in a lottery) is skipped.
// Linear in the queue's length, where a comparison sort is n log n: queues hold up
// to a million applications a step at 10^7 firms.
void radix_sort(std::vector<Entry>& v) {
    constexpr int kBits = 11, kDigits = 6;  // 6 x 11 >= 64
    constexpr std::size_t kBuckets = std::size_t{1} << kBits;
    const std::size_t n = v.size();
    if (n < 2) return;
    std::vector<std::array<std::uint32_t, kBuckets>> count(2 * kDigits);
    for (auto& c : count) c.fill(0);
    for (const Entry& e : v)
        for (int d = 0; d < kDigits; ++d) {
            ++count[static_cast<std::size_t>(d)][(e.lo >> (d * kBits)) & (kBuckets - 1)];
            ++count[static_cast<std::size_t>(kDigits + d)][(e.hi >> (d * kBits)) & (kBuckets - 1)];
        }
    std::vector<Entry> other(n);
    Entry* from = v.data();
    Entry* to = other.data();
    for (int pass = 0; pass < 2 * kDigits; ++pass) {
        auto& c = count[static_cast<std::size_t>(pass)];
        if (std::find(c.begin(), c.end(), static_cast<std::uint32_t>(n)) != c.end()) continue;  // one bucket
        std::uint32_t at = 0;
        for (auto& x : c) {
            const std::uint32_t k = x;
            x = at;
            at += k;
        }
        const int shift = (pass % kDigits) * kBits;
        const bool high = pass >= kDigits;
        for (std::size_t i = 0; i < n; ++i) {
            const Entry& e = from[i];
            to[c[((high ? e.hi : e.lo) >> shift) & (kBuckets - 1)]++] = e;
        }
        std::swap(from, to);
    }
    if (from != v.data()) std::memcpy(static_cast<void*>(v.data()), from, n * sizeof(Entry));
}

}  // namespace

AllocationOutcome allocate_budget(std::vector<Application>& applications, std::uint16_t programme,
                                  AllocationOrder order, double budget) {
    std::vector<Entry> queue;
    bool in_firm_order = true;  // (firm, tech) ascending, as the model produces them
    const Application* last = nullptr;
    for (std::size_t i = 0; i < applications.size(); ++i) {
        const Application& a = applications[i];
        if (a.programme != programme) continue;
        // co2_per_dirham: most tCO2 per MAD first; lottery: one rank for all
        const double rank = order == AllocationOrder::co2_per_dirham ? -a.co2_per_mad : 0.0;
        queue.push_back({ordered_bits(rank), a.key, static_cast<std::uint32_t>(i)});
        if (last && (last->firm > a.firm || (last->firm == a.firm && last->tech >= a.tech))) in_firm_order = false;
        last = &a;
    }
    // The queue's order is (rank, key, firm, tech), a total order. The radix sort is
    // stable on (rank, key), so entries in (firm, tech) order come out in exactly
    // that order; other callers' queues are put in (firm, tech) order first.
    if (!in_firm_order)
        std::stable_sort(queue.begin(), queue.end(), [&](const Entry& x, const Entry& y) {
            const Application& a = applications[x.index];
            const Application& b = applications[y.index];
            return a.firm != b.firm ? a.firm < b.firm : a.tech < b.tech;
        });
    radix_sort(queue);

    AllocationOutcome out;
    double remaining = budget;
    bool open = true;
    for (const Entry& e : queue) {
        auto& app = applications[e.index];
        if (open && app.support <= remaining) {
            app.served = true;
            remaining -= app.support;
            out.spent += app.support;
            ++out.served;
        } else {
            open = false;
            app.served = false;
            ++out.unserved;
        }
    }
    return out;
}

}  // namespace greenshift
