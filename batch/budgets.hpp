// Budgets that bind or not: per policy and calendar year, the budget, what was
// spent, and what limited it (docs/output.md, "Budgets"), for one run or across the
// runs of a variant, with one sentence per policy that `summary`, `compare` and
// `report` print.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"
#include "core/results.hpp"

namespace greenshift::budgets {

// What limited a policy during a step or year: the codes of the run variable
// `limited_by`, as the model records them.
using Limit = PolicyLimit;
inline constexpr const auto& kLimitNames = kPolicyLimitNames;

// One policy in one calendar year of one run.
struct Year {
    int year = 0;
    double budget = 0;   // MAD: the year's budget (budgeted programmes)
    double spent = 0;    // MAD: committed during the year
    double served = 0;   // firms (or applications) served during the year
    double refused = 0;  // applications refused for lack of budget
    Limit limit = Limit::none;
};

// Per policy of the run's policy axis, per calendar year of its horizon, from its
// budget_available, budget_used, firms_served, applications_unserved and limited_by
// (files without limited_by: budget when applications were refused, else demand).
std::vector<std::vector<Year>> of_run(const RunResult& run);

// A policy-year across the runs of a variant.
struct Aggregate {
    int year = 0;
    double budget = 0;                       // mean
    std::array<double, 4> spent{}, served{};  // mean, p5, p50, p95
    double binding = 0;                      // share of the runs limited by budget or capacity
    Limit limit = Limit::none;               // the most frequent limit across runs
};
inline constexpr std::array<const char*, 4> kStatisticNames{"mean", "p5", "p50", "p95"};

// runs[r][p][y] (of_run of each run, on the same axes) -> [p][y]. `labelled[r][y]`,
// the firms holding the label at the end of each year, feeds `labelled` (median).
struct Table {
    std::vector<std::vector<Aggregate>> policies;  // [policy][year]
    std::vector<double> labelled;                  // [year], median across runs
    std::vector<std::array<double, 4>> spent_total, served_total;  // [policy]: over the years, across runs
    std::size_t runs = 0;
};
Table aggregate(const std::vector<std::vector<std::vector<Year>>>& runs,
                const std::vector<std::vector<double>>& labelled);

// Firms holding the label at the end of each calendar year of the run.
std::vector<double> labelled_by_year(const RunResult& run);

// One sentence per policy that has a budget or a capacity, empty for the others:
// "cop22_grant: 166 of 400 million MAD spent over 2018-2025; not binding: every
// application was served, only labelled firms are eligible and 800 were labelled by
// the end of 2025 (raising its budget would change nothing)".
std::vector<std::string> describe(const Table& table, const std::vector<std::string>& policy,
                                  const std::vector<std::string>& policy_type);

}  // namespace greenshift::budgets
