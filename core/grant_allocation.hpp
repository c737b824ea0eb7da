// Budgeted support (capex grants, green investment fund): the applications of a
// step are served in a deterministic order until the programme's budget for the
// year is spent. The first application that no longer fits closes the queue for
// the step, so the order is honoured strictly; the rest decide without support.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/scenario.hpp"

namespace greenshift {

// 32 bytes: there can be a million a step at 10^7 firms (technologies <= 64 and
// policies <= 256, as the scenario loader enforces).
struct Application {
    std::uint32_t firm = 0;
    std::uint8_t tech = 0;
    bool served : 1 = false;
    // The next application of the list is this project's loan from a credit line
    // (a lending envelope), served before this one; if it is refused, this one is
    // withdrawn unless keep_without_loan.
    bool package : 1 = false;
    bool keep_without_loan : 1 = false;
    std::uint16_t programme = 0;     // index into Scenario::policies; kWithdrawn: out of every queue
    double support = 0;              // MAD asked for
    double co2_per_mad = 0;          // lifetime tCO2 avoided per MAD of support
    std::uint64_t key = 0;           // lottery key
};
static_assert(sizeof(Application) == 32);
inline constexpr std::uint16_t kWithdrawn = 0xFFFF;  // the model refuses more than 0xFFFF policies

struct AllocationOutcome {
    double spent = 0;
    std::uint64_t served = 0;
    std::uint64_t unserved = 0;
};

// Serves the applications to `programme` (others are left untouched) in `order`
// against `budget`; marks them served. Ties: lottery key, then firm number.
AllocationOutcome allocate_budget(std::vector<Application>& applications, std::uint16_t programme,
                                  AllocationOrder order, double budget);

// The same over several lists taken as one (their concatenation), e.g. the
// applications of each block of firms where they were made, without copying them.
// Calls for different programmes touch different applications, so they may run
// concurrently.
AllocationOutcome allocate_budget(std::span<const std::span<Application>> lists, std::uint16_t programme,
                                  AllocationOrder order, double budget);

}  // namespace greenshift
