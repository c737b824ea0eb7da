#include <gtest/gtest.h>

#include <cmath>

#include "core/finance.hpp"
#include "core/learning.hpp"

using namespace greenshift;

TEST(Finance, AnnuityFactorMatchesHandComputedValues) {
    // (1 - 1.1^-10) / 0.1 = 6.144567105704685 (tabulated present-value annuity factor)
    EXPECT_NEAR(finance::annuity_factor(0.10, 10), 6.144567105704685, 1e-12);
    // (1 - 1.05^-20) / 0.05 = 12.462210316
    EXPECT_NEAR(finance::annuity_factor(0.05, 20), 12.46221034, 1e-8);
    EXPECT_DOUBLE_EQ(finance::annuity_factor(0.0, 7), 7.0);
    EXPECT_NEAR(finance::capital_recovery_factor(0.10, 10), 0.16274539488251152, 1e-12);
}

TEST(Finance, NpvAndPayback) {
    // 1000 now, 300 a year for 5 years at 10%: 300 x 3.790786769 - 1000 = 137.236
    EXPECT_NEAR(finance::npv(1000, 300, 0.10, 5), 137.2360308, 1e-6);
    EXPECT_DOUBLE_EQ(finance::simple_payback(1000, 250), 4.0);
    EXPECT_TRUE(std::isinf(finance::simple_payback(1000, 0)));
    EXPECT_TRUE(std::isinf(finance::simple_payback(1000, -5)));
}

TEST(Finance, ConcessionalLoanValue) {
    // A 4% loan over 7 years to a firm whose money costs 15%:
    // payment per MAD = 1 / AF(4%, 7) = 0.166609612; its value at 15% is
    // 0.166609612 x AF(15%, 7) = 0.166609612 x 4.160419616 = 0.693166
    EXPECT_NEAR(finance::concessional_loan_value(0.15, 0.04, 7), 1 - 0.6931658, 1e-6);
    EXPECT_NEAR(finance::concessional_loan_value(0.08, 0.08, 7), 0.0, 1e-14);
    EXPECT_LT(finance::concessional_loan_value(0.05, 0.08, 7), 0.0);
}

TEST(Finance, StepProbabilitiesCompoundToTheAnnualOne) {
    // 1 - (1 - 0.19)^0.5 = 1 - 0.9 = 0.1
    EXPECT_NEAR(finance::step_probability(0.19, 0.5), 0.1, 1e-15);
    const double q = finance::step_probability(0.3, 0.25);
    EXPECT_NEAR(1 - std::pow(1 - q, 4), 0.3, 1e-14);
    EXPECT_DOUBLE_EQ(finance::step_probability(0.3, 1.0), 0.3);
    EXPECT_NEAR(finance::hazard_probability(0.5, 1.0), 1 - std::exp(-0.5), 1e-15);
    EXPECT_DOUBLE_EQ(finance::hazard_probability(0.0, 1.0), 0.0);
}

TEST(Learning, WrightsLawHalvesPerDoublingAtTheLearningRate) {
    // LR = 20%: one doubling -> 80%, two doublings -> 64%, b = log2(0.8)
    EXPECT_NEAR(wright_cost(1000, 100, 200, 0.2), 800, 1e-9);
    EXPECT_NEAR(wright_cost(1000, 100, 400, 0.2), 640, 1e-9);
    EXPECT_NEAR(learning_exponent(0.215), std::log(0.785) / std::log(2.0), 1e-15);
    EXPECT_DOUBLE_EQ(wright_cost(1000, 100, 400, 0.0), 1000);
}
