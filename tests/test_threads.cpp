// Parallel equals serial: every output array bitwise equal for 1, 2 and 3 threads.
#include <gtest/gtest.h>
#include <omp.h>

#include "core/model.hpp"
#include "tests/test_support.hpp"

using namespace greenshift;

namespace {
RunResult run_with_threads(const Scenario& s, int threads) {
    const int before = omp_get_max_threads();
    omp_set_num_threads(threads);
    RunResult r = simulate(s);
    omp_set_num_threads(before);
    return r;
}
}  // namespace

class ThreadCount : public ::testing::TestWithParam<int> {};

TEST_P(ThreadCount, FullModelIsBitwiseEqualToOneThread) {
    // 4 x 2 x 7000 = 56,000 firms: 14 blocks, so threads really split the work
    const Scenario s = fixtures::full_scenario(7000);
    static const RunResult serial = run_with_threads(s, 1);
    const RunResult parallel = run_with_threads(s, GetParam());
    EXPECT_EQ(fixtures::bitwise_difference(serial, parallel), "");
    EXPECT_GT(fixtures::total(serial, "new_adopters"), 0);
    EXPECT_GT(fixtures::total(serial, "grant_spent"), 0);
}

TEST_P(ThreadCount, InstalledBasePotentialCreditLinesAndAuditCurveAreBitwiseEqualToOneThread) {
    const Scenario s = fixtures::fidelity_scenario(7000);
    static const RunResult serial = run_with_threads(s, 1);
    EXPECT_EQ(fixtures::bitwise_difference(serial, run_with_threads(s, GetParam())), "");
    EXPECT_GT(fixtures::total(serial, "loan_volume"), 0);
    EXPECT_GT(fixtures::total(serial, "applications_unserved"), 0);
}

TEST_P(ThreadCount, BassModeIsBitwiseEqualToOneThread) {
    const Scenario s = fixtures::bass_scenario(100'000, 0.03, 0.38, 4, 12);
    static const RunResult serial = run_with_threads(s, 1);
    EXPECT_EQ(fixtures::bitwise_difference(serial, run_with_threads(s, GetParam())), "");
}

INSTANTIATE_TEST_SUITE_P(Threads, ThreadCount, ::testing::Values(1, 2, 3, 4));

// Bass mode where blocks hold several sectors and size classes and assisted
// firms have their own threshold (the per-firm path of the bass pass).
TEST(ThreadCountMixed, BassModeWithSectorsAndAssistanceIsBitwiseEqualToOneThread) {
    Scenario s = fixtures::bass_scenario(1, 0.03, 0.38, 4, 6);
    s.sectors[0].firms = {30'001, 6'011, 1'003, 97};
    Sector second = s.sectors[0];
    second.name = "second";
    s.sectors.push_back(second);
    Policy ta;
    ta.name = "assistance";
    ta.type = PolicyType::technical_assistance;
    ta.start_year = 2018;
    ta.end_year = 2020;
    ta.capacity = 5'000;
    ta.awareness_lift = 0.3;
    s.policies.push_back(ta);
    const RunResult serial = run_with_threads(s, 1);
    for (int threads : {2, 3, 4}) EXPECT_EQ(fixtures::bitwise_difference(serial, run_with_threads(s, threads)), "");
    EXPECT_GT(fixtures::total(serial, "new_adopters"), 0);
}
