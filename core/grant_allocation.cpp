#include "core/grant_allocation.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <memory>
#include <span>
#include <cstdint>

namespace greenshift {

namespace {

// A queue entry as two unsigned words whose lexicographic order is the queue's
// order: `hi` the rank (best first), `lo` the lottery key.
struct Entry {
    std::uint64_t hi;
    std::uint64_t lo;
    std::uint32_t list;   // the application: lists[list][index]
    std::uint32_t index;
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
// to a million applications a step at 10^7 firms. One thread: the model serves its
// programmes in parallel instead (one parallel region per step, not one per pass,
// which matters when the cores are shared with other work).
// Buffers kept from one call to the next (per thread): a fresh allocation of tens of
// megabytes each step would pay its page faults again.
struct Scratch {
    std::unique_ptr<Entry[]> data;
    std::size_t capacity = 0;
    Entry* get(std::size_t n) {
        if (n > capacity) {
            data.reset(new Entry[n]);  // left uninitialised: every entry is written before it is read
            capacity = n;
        }
        return data.get();
    }
};
thread_local Scratch queue_scratch, sort_scratch;

void radix_sort(std::span<Entry> v) {
    constexpr int kBits = 11, kDigits = 6;  // 6 x 11 >= 64
    constexpr std::size_t kBuckets = std::size_t{1} << kBits;
    using Counts = std::array<std::uint32_t, kBuckets>;
    const std::size_t n = v.size();
    if (n < 2) return;
    auto digit = [](const Entry& e, int pass) {
        return static_cast<std::size_t>(((pass >= kDigits ? e.hi : e.lo) >> ((pass % kDigits) * kBits)) & (kBuckets - 1));
    };
    // passes where every entry has the same digit change nothing
    std::vector<Counts> all(2 * kDigits);
    for (auto& c : all) c.fill(0);
    for (const Entry& e : v)
        for (int pass = 0; pass < 2 * kDigits; ++pass) ++all[static_cast<std::size_t>(pass)][digit(e, pass)];
    Entry* from = v.data();
    Entry* to = sort_scratch.get(n);
    for (int pass = 0; pass < 2 * kDigits; ++pass) {
        auto& c = all[static_cast<std::size_t>(pass)];
        if (std::find(c.begin(), c.end(), static_cast<std::uint32_t>(n)) != c.end()) continue;
        std::uint32_t next = 0;
        for (auto& x : c) {
            const std::uint32_t k = x;
            x = next;
            next += k;
        }
        for (std::size_t i = 0; i < n; ++i) to[c[digit(from[i], pass)]++] = from[i];
        std::swap(from, to);
    }
    if (from != v.data()) std::memcpy(static_cast<void*>(v.data()), from, n * sizeof(Entry));
}

}  // namespace

AllocationOutcome allocate_budget(std::span<const std::span<Application>> lists, std::uint16_t programme,
                                  AllocationOrder order, double budget) {
    // The queue, list by list: each list's entries go to the slice that the lists
    // before it leave free, so the queue is in list order.
    const auto n_lists = static_cast<std::int64_t>(lists.size());
    std::vector<std::size_t> at(lists.size() + 1, 0);
    std::vector<std::uint8_t> ordered(lists.size(), 1);  // the list is in (firm, tech) order
    for (std::int64_t l = 0; l < n_lists; ++l) {
        std::size_t n = 0;
        const Application* last = nullptr;
        for (const Application& a : lists[static_cast<std::size_t>(l)]) {
            if (a.programme != programme) continue;
            ++n;
            if (last && (last->firm > a.firm || (last->firm == a.firm && last->tech >= a.tech)))
                ordered[static_cast<std::size_t>(l)] = 0;
            last = &a;
        }
        at[static_cast<std::size_t>(l) + 1] = n;
    }
    for (std::size_t l = 0; l < lists.size(); ++l) at[l + 1] += at[l];
    const std::span<Entry> queue(queue_scratch.get(at.back()), at.back());
    for (std::int64_t l = 0; l < n_lists; ++l) {
        const auto ul = static_cast<std::size_t>(l);
        std::size_t q = at[ul];
        const auto& list = lists[ul];
        for (std::size_t i = 0; i < list.size(); ++i) {
            const Application& a = list[i];
            if (a.programme != programme) continue;
            // co2_per_dirham: most tCO2 per MAD first; lottery: one rank for all
            const double rank = order == AllocationOrder::co2_per_dirham ? -a.co2_per_mad : 0.0;
            queue[q++] = {ordered_bits(rank), a.key, static_cast<std::uint32_t>(ul), static_cast<std::uint32_t>(i)};
        }
    }
    auto app = [&](const Entry& e) -> Application& { return lists[e.list][e.index]; };
    bool in_firm_order = std::find(ordered.begin(), ordered.end(), 0) == ordered.end();
    for (std::size_t q = 1; q < queue.size() && in_firm_order; ++q)  // across lists
        if (queue[q].list != queue[q - 1].list) {
            const Application& a = app(queue[q - 1]);
            const Application& b = app(queue[q]);
            if (a.firm > b.firm || (a.firm == b.firm && a.tech >= b.tech)) in_firm_order = false;
        }
    // The queue's order is (rank, key, firm, tech), a total order. The radix sort is
    // stable on (rank, key), so entries in (firm, tech) order come out in exactly
    // that order; other callers' queues are put in (firm, tech) order first.
    if (!in_firm_order)
        std::stable_sort(queue.begin(), queue.end(), [&](const Entry& x, const Entry& y) {
            const Application& a = app(x);
            const Application& b = app(y);
            return a.firm != b.firm ? a.firm < b.firm : a.tech < b.tech;
        });
    radix_sort(queue);

    AllocationOutcome out;
    double remaining = budget;
    bool open = true;
    for (const Entry& e : queue) {
        Application& a = app(e);
        if (open && a.support <= remaining) {
            a.served = true;
            remaining -= a.support;
            out.spent += a.support;
            ++out.served;
        } else {
            open = false;
            a.served = false;
            ++out.unserved;
        }
    }
    return out;
}

AllocationOutcome allocate_budget(std::vector<Application>& applications, std::uint16_t programme,
                                  AllocationOrder order, double budget) {
    const std::span<Application> one(applications);
    return allocate_budget(std::span<const std::span<Application>>(&one, 1), programme, order, budget);
}

}  // namespace greenshift
