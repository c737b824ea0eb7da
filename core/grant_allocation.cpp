#include "core/grant_allocation.hpp"

#include <algorithm>
#include <execution>

#include <omp.h>

namespace greenshift {

AllocationOutcome allocate_budget(std::vector<Application>& applications, std::uint16_t programme,
                                  AllocationOrder order, double budget) {
    // Sort compact records rather than indices with an indirect comparison: the
    // queue can hold a million applications at 10^7 firms.
    struct Entry {
        double rank;        // co2_per_dirham: minus tCO2 per MAD (best first); lottery: 0
        std::uint64_t key;  // lottery key: the tie-break in both orders
        std::uint32_t firm;
        std::uint16_t tech;
        std::uint32_t index;
    };
    std::vector<Entry> queue;
    for (std::size_t i = 0; i < applications.size(); ++i) {
        const Application& a = applications[i];
        if (a.programme != programme) continue;
        const double rank = order == AllocationOrder::co2_per_dirham ? -a.co2_per_mad : 0.0;
        queue.push_back({rank, a.key, a.firm, a.tech, static_cast<std::uint32_t>(i)});
    }
    // (rank, key, firm, tech) is a total order, so a parallel sort gives the same
    // queue as a serial one, whatever the thread count.
    const auto before = [](const Entry& x, const Entry& y) {
        if (x.rank != y.rank) return x.rank < y.rank;
        if (x.key != y.key) return x.key < y.key;
        if (x.firm != y.firm) return x.firm < y.firm;
        return x.tech < y.tech;
    };
    // Only when the run may use several threads (--threads / OMP_NUM_THREADS).
    if (queue.size() > 100'000 && omp_get_max_threads() > 1)
        std::sort(std::execution::par, queue.begin(), queue.end(), before);
    else
        std::sort(queue.begin(), queue.end(), before);

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
