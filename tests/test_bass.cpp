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

// Two sectors whose firms are spread over size classes (so blocks of firms hold
// several sectors and size classes) and two technologies with their own p and q:
// each (sector, technology) follows the recursion of its own share.
TEST(Bass, EverySectorAndTechnologyFollowsItsOwnRecursion) {
    Scenario s = fixtures::bass_scenario(1, 0.03, 0.38, 4, 15);
    s.sectors[0].firms = {150'001, 30'011, 7'003, 997};
    Sector second = s.sectors[0];
    second.name = "second";
    second.firms = {120'007, 60'013, 9'001, 1'003};
    s.sectors.push_back(second);
    Technology fast = s.technologies[0];
    fast.name = "fast";
    fast.bass_p = 0.06;
    fast.bass_q = 0.5;
    s.technologies.push_back(fast);
    const RunResult r = simulate(s);
    const Variable* adopters = r.find("adopters");
    const Variable* aware = r.find("aware");
    ASSERT_TRUE(adopters && aware);
    const std::size_t S = 2, T = 2, steps = 60;
    ASSERT_EQ(adopters->counts.size(), steps * S * T);
    const double dt = 0.25;
    for (std::size_t sec = 0; sec < S; ++sec) {
        double n = 0;
        for (auto v : s.sectors[sec].firms) n += static_cast<double>(v);
        for (std::size_t k = 0; k < T; ++k) {
            const double p = s.technologies[k].bass_p, q = s.technologies[k].bass_q;
            double F = 0;
            for (std::size_t t = 0; t < steps; ++t) {
                F = F + (1 - F) * (1 - std::exp(-(p + q * F) * dt));
                const std::size_t at = (t * S + sec) * T + k;
                const double share = static_cast<double>(adopters->counts[at]) / n;
                const double se = std::sqrt(std::max(F * (1 - F), 1e-12) / n);
                EXPECT_LT(std::abs(share - F) / se, 5.0)
                    << "sector " << sec << " technology " << k << " step " << t << ": " << share << " vs " << F;
                // in bass mode a firm becomes aware when it adopts
                EXPECT_EQ(aware->counts[at], adopters->counts[at]);
            }
            EXPECT_GT(F, 0.95);
        }
    }
}

// Technical assistance lifts the hazard of assisted firms by its awareness lift:
// with p = q = 0, only they adopt, at 1 - exp(-lift dt) a step.
TEST(Bass, AssistedFirmsAdoptAtTheLift) {
    Scenario s = fixtures::bass_scenario(200'000, 0.0, 0.0, 4, 3);
    Policy ta;
    ta.name = "assistance";
    ta.type = PolicyType::technical_assistance;
    ta.start_year = 2017;
    ta.end_year = 2017;
    ta.capacity = 50'000;  // selected at the first step of 2017
    ta.awareness_lift = 0.4;
    s.policies.push_back(ta);
    const RunResult r = simulate(s);
    const Variable* adopters = r.find("adopters");
    ASSERT_TRUE(adopters);
    const double per_step = 1 - std::exp(-0.4 * 0.25);
    // assisted firms: in 2017 and after (the lift holds while the policy is active)
    double expected = 0;
    for (std::size_t t = 0; t < 4; ++t) {
        expected += (50'000 - expected) * per_step;
        const double got = static_cast<double>(adopters->counts[t]);
        const double sd = std::sqrt(50'000 * 0.25);  // loose bound on the binomial spread
        EXPECT_NEAR(got, expected, 5 * sd) << "step " << t;
    }
    EXPECT_LE(adopters->counts.back(), 50'000);
}
