// The bass decision mode against the Bass model's mean-field recursion for the
// same step length: F(t+dt) = F + (1 - F) (1 - exp(-(p + q F) dt)).
#include <gtest/gtest.h>

#include <cmath>

#include "core/model.hpp"
#include "tests/test_support.hpp"

using namespace greenshift;

TEST(Bass, OneMillionFirmsFollowTheMeanFieldRecursion) {
    constexpr std::uint64_t n = 1'000'000;
    constexpr double p = 0.03, q = 0.38;  // the classic mean estimates of Bass-model meta-analyses
    const Scenario s = fixtures::bass_scenario(n, p, q, 4, 24);
    const RunResult r = simulate(s);
    const Variable* adopters = r.find("adopters");
    ASSERT_NE(adopters, nullptr);
    ASSERT_EQ(adopters->counts.size(), 96u);

    const double dt = 0.25;
    double F = 0, worst = 0;
    for (std::size_t i = 0; i < adopters->counts.size(); ++i) {
        F = F + (1 - F) * (1 - std::exp(-(p + q * F) * dt));
        const double share = static_cast<double>(adopters->counts[i]) / n;
        const double se = std::sqrt(F * (1 - F) / n);
        const double z = std::abs(share - F) / se;
        worst = std::max(worst, z);
        EXPECT_LT(z, 5.0) << "step " << i << ": simulated " << share << ", mean field " << F;
    }
    RecordProperty("worst_z", std::to_string(worst));
    // the S-curve really happened: by the end nearly every firm has adopted
    EXPECT_GT(F, 0.99);
}

TEST(Bass, ShareIsTheAdoptersOverFirms) {
    const Scenario s = fixtures::bass_scenario(20'000, 0.05, 0.5, 1, 10);
    const RunResult r = simulate(s);
    const auto* a = r.find("adopters");
    const auto* sh = r.find("adoption_share");
    ASSERT_TRUE(a && sh);
    for (std::size_t i = 0; i < a->counts.size(); ++i)
        EXPECT_DOUBLE_EQ(sh->values[i], static_cast<double>(a->counts[i]) / 20'000.0);
    // adoption is monotone in bass mode (no retirement)
    for (std::size_t i = 1; i < a->counts.size(); ++i) EXPECT_GE(a->counts[i], a->counts[i - 1]);
}
