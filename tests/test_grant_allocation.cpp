#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "core/grant_allocation.hpp"
#include "core/model.hpp"
#include "tests/test_support.hpp"

using namespace greenshift;

namespace {
std::vector<Application> sample_applications() {
    // firm, tech, programme, support, co2 per MAD, key
    std::vector<Application> a;
    auto add = [&](std::uint32_t firm, std::uint16_t prog, double support, double co2, std::uint64_t key) {
        Application x;
        x.firm = firm;
        x.programme = prog;
        x.support = support;
        x.co2_per_mad = co2;
        x.key = key;
        a.push_back(x);
    };
    add(1, 0, 40, 0.5, 900);
    add(2, 0, 30, 2.0, 100);
    add(3, 1, 10, 9.0, 50);  // another programme: must be left alone
    add(4, 0, 20, 1.0, 500);
    add(5, 0, 25, 3.0, 700);
    return a;
}
}  // namespace

TEST(GrantAllocation, LotteryServesByKeyUntilTheBudgetIsSpent) {
    auto apps = sample_applications();
    // key order: firm 2 (30), firm 4 (20), firm 5 (25), firm 1 (40); budget 60:
    // 2 and 4 fit (50), 5 does not (75) and closes the queue.
    const auto out = allocate_budget(apps, 0, AllocationOrder::lottery, 60);
    EXPECT_DOUBLE_EQ(out.spent, 50);
    EXPECT_EQ(out.served, 2u);
    EXPECT_EQ(out.unserved, 2u);
    EXPECT_TRUE(apps[1].served);
    EXPECT_TRUE(apps[3].served);
    EXPECT_FALSE(apps[4].served);
    EXPECT_FALSE(apps[0].served);
    EXPECT_FALSE(apps[2].served);  // other programme untouched
}

TEST(GrantAllocation, BestCo2PerDirhamFirst) {
    auto apps = sample_applications();
    // co2 order: firm 5 (3.0, 25), firm 2 (2.0, 30), firm 4 (1.0, 20), firm 1 (0.5, 40)
    const auto out = allocate_budget(apps, 0, AllocationOrder::co2_per_dirham, 75);
    EXPECT_DOUBLE_EQ(out.spent, 75);
    EXPECT_TRUE(apps[4].served);
    EXPECT_TRUE(apps[1].served);
    EXPECT_TRUE(apps[3].served);
    EXPECT_FALSE(apps[0].served);
}

TEST(GrantAllocation, ZeroBudgetServesNobody) {
    auto apps = sample_applications();
    const auto out = allocate_budget(apps, 0, AllocationOrder::lottery, 0);
    EXPECT_EQ(out.served, 0u);
    EXPECT_EQ(out.spent, 0.0);
}

// In a whole run, with a budget that binds: per year, the grants paid never exceed
// the annual budget, and grant_spent (by sector and technology) adds up to budget_used.
TEST(GrantAllocation, BudgetsNeverExceededInARun) {
    Scenario s = fixtures::full_scenario(3000);
    s.policies[1].annual_budget = 3e6;          // the grant: tight
    s.policies[1].eligible.labelled_only = false;
    const RunResult r = simulate(s);
    const Variable* used = r.find("budget_used");
    const Variable* avail = r.find("budget_available");
    const Variable* unserved = r.find("applications_unserved");
    ASSERT_TRUE(used && avail && unserved);
    const std::size_t P = r.coords.policy.size();
    const std::size_t steps = r.coords.year.size();
    bool bound = false;
    for (std::size_t p = 0; p < P; ++p) {
        if (r.coords.policy_type[p] != "capex_grant" && r.coords.policy_type[p] != "green_investment_fund") continue;
        for (std::size_t i = 0; i < steps; i += 4) {  // 4 steps a year
            double spent = 0;
            for (std::size_t j = i; j < i + 4; ++j) spent += used->values[j * P + p];
            EXPECT_LE(spent, avail->values[i * P + p] * (1 + 1e-12)) << r.coords.policy[p] << " " << r.coords.year[i];
            for (std::size_t j = i; j < i + 4; ++j) bound = bound || unserved->counts[j * P + p] > 0;
        }
    }
    EXPECT_TRUE(bound) << "the test budget should bind at least once";
    double grant_budget = 0, fund_budget = 0;
    for (std::size_t i = 0; i < steps; ++i)
        for (std::size_t p = 0; p < P; ++p) {
            if (r.coords.policy_type[p] == "capex_grant") grant_budget += used->values[i * P + p];
            if (r.coords.policy_type[p] == "green_investment_fund") fund_budget += used->values[i * P + p];
        }
    EXPECT_NEAR(fixtures::total(r, "grant_spent"), grant_budget, 1e-6 * grant_budget + 1e-9);
    EXPECT_NEAR(fixtures::total(r, "fund_investment"), fund_budget, 1e-6 * fund_budget + 1e-9);
    EXPECT_GT(grant_budget, 0);
}

namespace {
// The reference: serve `order` while the support asked fits in what is left.
std::vector<bool> serve_in_order(const std::vector<Application>& apps, const std::vector<std::size_t>& order,
                                 double budget) {
    std::vector<bool> served(apps.size(), false);
    double left = budget;
    for (std::size_t i : order) {
        if (apps[i].support > left) break;
        left -= apps[i].support;
        served[i] = true;
    }
    return served;
}
}  // namespace

// A large co2-per-dirham queue with many tied ranks: the served set must be exactly what
// a serial pass over the applications sorted by (co2 desc, key, firm) gives.
TEST(GrantAllocation, LargeQueuesMatchASerialReference) {
    std::vector<Application> apps(300'000);
    fixtures::XorShift next(88172645463325252ULL);  // a fixed stream
    for (std::size_t i = 0; i < apps.size(); ++i) {
        apps[i].firm = static_cast<std::uint32_t>(i);
        apps[i].programme = 0;
        apps[i].support = 1000.0 + static_cast<double>(next() % 100000);
        apps[i].co2_per_mad = static_cast<double>(next() % 50) * 0.01;  // many ties
        apps[i].key = next();
    }
    std::vector<std::size_t> order(apps.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (apps[a].co2_per_mad != apps[b].co2_per_mad) return apps[a].co2_per_mad > apps[b].co2_per_mad;
        if (apps[a].key != apps[b].key) return apps[a].key < apps[b].key;
        return apps[a].firm < apps[b].firm;
    });
    const double budget = 2e9;
    const std::vector<bool> expect = serve_in_order(apps, order, budget);
    const auto out = allocate_budget(apps, 0, AllocationOrder::co2_per_dirham, budget);
    std::size_t served = 0;
    for (std::size_t i = 0; i < apps.size(); ++i) {
        ASSERT_EQ(apps[i].served, expect[i]) << "application " << i;
        served += expect[i] ? 1 : 0;
    }
    EXPECT_EQ(out.served, served);
    EXPECT_GT(served, 1000u);
    EXPECT_LT(served, apps.size());
}

// A lottery queue given out of firm order, with tied keys: served in (key, firm,
// tech) order, as a comparison sort of the same queue gives.
TEST(GrantAllocation, LotteryTiesAndAnyInputOrderMatchAComparisonSort) {
    std::vector<Application> apps(50'000);
    fixtures::XorShift next(0x9E3779B97F4A7C15ULL);  // a fixed stream
    for (std::size_t i = 0; i < apps.size(); ++i) {
        apps[i].firm = static_cast<std::uint32_t>(next() % 20'000);  // repeated firms, shuffled
        apps[i].tech = static_cast<std::uint8_t>(next() % 6);
        apps[i].programme = static_cast<std::uint16_t>(i % 3 == 0 ? 1 : 0);
        apps[i].support = 1.0 + static_cast<double>(next() % 1000);
        apps[i].key = next() % 5000;  // many ties
    }
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < apps.size(); ++i)
        if (apps[i].programme == 0) order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (apps[a].key != apps[b].key) return apps[a].key < apps[b].key;
        if (apps[a].firm != apps[b].firm) return apps[a].firm < apps[b].firm;
        return apps[a].tech < apps[b].tech;
    });
    const double budget = 6e6;
    const std::vector<bool> expect = serve_in_order(apps, order, budget);
    const auto out = allocate_budget(apps, 0, AllocationOrder::lottery, budget);
    std::size_t served = 0;
    for (std::size_t i = 0; i < apps.size(); ++i) {
        if (apps[i].programme != 0) continue;
        ASSERT_EQ(apps[i].served, expect[i]) << "application " << i;
        served += expect[i] ? 1 : 0;
    }
    EXPECT_EQ(out.served, served);
    EXPECT_GT(served, 1000u);
    EXPECT_LT(served, order.size());
}
