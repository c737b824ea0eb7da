#include "core/grant_allocation.hpp"

#include <algorithm>

namespace greenshift {

AllocationOutcome allocate_budget(std::vector<Application>& applications, std::uint16_t programme,
                                  AllocationOrder order, double budget) {
    std::vector<std::size_t> queue;
    for (std::size_t i = 0; i < applications.size(); ++i)
        if (applications[i].programme == programme) queue.push_back(i);

    auto by_lottery = [&](std::size_t a, std::size_t b) {
        const auto& x = applications[a];
        const auto& y = applications[b];
        if (x.key != y.key) return x.key < y.key;
        if (x.firm != y.firm) return x.firm < y.firm;
        return x.tech < y.tech;
    };
    if (order == AllocationOrder::lottery) {
        std::sort(queue.begin(), queue.end(), by_lottery);
    } else {
        std::sort(queue.begin(), queue.end(), [&](std::size_t a, std::size_t b) {
            const double ca = applications[a].co2_per_mad, cb = applications[b].co2_per_mad;
            if (ca != cb) return ca > cb;
            return by_lottery(a, b);
        });
    }

    AllocationOutcome out;
    double remaining = budget;
    bool open = true;
    for (std::size_t i : queue) {
        auto& app = applications[i];
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
