// batch/sensitivity against closed forms: Sobol indices of the Ishigami function and
// of Sobol's G-function inside their bootstrap intervals; Morris elementary effects of
// a linear function equal to its coefficients times the parameters' ranges.
#include "batch/sensitivity.hpp"
#include "sensitivity_functions.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace greenshift {
namespace {

using testing::AnalyticIndices;

std::vector<double> evaluate(const std::vector<std::vector<double>>& rows,
                             double (*model)(const std::vector<double>&)) {
    std::vector<double> y;
    y.reserve(rows.size());
    for (const auto& x : rows) y.push_back(model(x));
    return y;
}

// Every analytic index inside its 95% bootstrap interval, every interval narrower
// than `width` (a wide interval would hold anything), and every estimate within 0.005
// of the closed form (the Sobol design's error is far below the bootstrap's, which
// assumes independent rows).
void expect_within(const SaltelliDesign& design, const std::vector<double>& y,
                   const AnalyticIndices& exact, double width) {
    const auto s = sobol_indices(y, design.base, design.parameters);
    const auto ci = sobol_bootstrap(y, design.base, design.parameters, 20261204);
    for (std::uint32_t i = 0; i < design.parameters; ++i) {
        SCOPED_TRACE("parameter " + std::to_string(i + 1));
        EXPECT_LE(ci.first[i].low, exact.first[i]);
        EXPECT_GE(ci.first[i].high, exact.first[i]);
        EXPECT_LE(ci.total[i].low, exact.total[i]);
        EXPECT_GE(ci.total[i].high, exact.total[i]);
        EXPECT_LT(ci.first[i].high - ci.first[i].low, width);
        EXPECT_LT(ci.total[i].high - ci.total[i].low, width);
        EXPECT_NEAR(s.first[i], exact.first[i], 0.005);
        EXPECT_NEAR(s.total[i], exact.total[i], 0.005);
        EXPECT_LE(ci.first[i].low, s.first[i]);
        EXPECT_GE(ci.first[i].high, s.first[i]);
        std::printf("  x%u  S1 %.4f [%.4f, %.4f] exact %.4f   ST %.4f [%.4f, %.4f] exact %.4f\n", i + 1,
                    s.first[i], ci.first[i].low, ci.first[i].high, exact.first[i], s.total[i],
                    ci.total[i].low, ci.total[i].high, exact.total[i]);
    }
}

TEST(Sensitivity, SaltelliDesignBlocks) {
    const auto design = saltelli_design(testing::ishigami_parameters(), 8);
    ASSERT_EQ(design.values.size(), 8u * 5);
    // Boost's sequence starts after the origin: the first point is the centre.
    for (const double u : design.unit[0]) EXPECT_EQ(u, 0.5);
    for (std::uint32_t i = 0; i < 3; ++i)
        for (std::uint32_t k = 0; k < 8; ++k)
            for (std::uint32_t j = 0; j < 3; ++j)
                EXPECT_EQ(design.unit[(2 + i) * 8 + k][j], design.unit[(j == i ? 8 : 0) + k][j]);
    // uniform(-pi, pi) at u = 0.5 is 0
    EXPECT_EQ(design.values[0][1], 0.0);
}

TEST(Sensitivity, IshigamiWithinBootstrapIntervals) {
    const auto design = saltelli_design(testing::ishigami_parameters(), 1u << 13);
    expect_within(design, evaluate(design.values, testing::ishigami), testing::ishigami_indices(), 0.08);
}

TEST(Sensitivity, GFunctionWithinBootstrapIntervals) {
    const auto design = saltelli_design(testing::g_parameters(), 1u << 13);
    expect_within(design, evaluate(design.values, testing::g_function), testing::g_indices(), 0.08);
}

TEST(Sensitivity, BootstrapIsAFunctionOfItsSeed) {
    const auto design = saltelli_design(testing::ishigami_parameters(), 256);
    const auto y = evaluate(design.values, testing::ishigami);
    const auto a = sobol_bootstrap(y, 256, 3, 7), b = sobol_bootstrap(y, 256, 3, 7);
    const auto c = sobol_bootstrap(y, 256, 3, 8);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(a.first[i].low, b.first[i].low);
        EXPECT_EQ(a.total[i].high, b.total[i].high);
        EXPECT_NE(a.first[i].low, c.first[i].low);
    }
}

TEST(Sensitivity, WrongNumberOfOutputsIsRefused) {
    const std::vector<double> y(5 * 16 - 1, 1.0);
    EXPECT_THROW(sobol_indices(y, 16, 3), std::invalid_argument);
    const auto design = morris_design(testing::ishigami_parameters(), 4, 4, 1);
    EXPECT_THROW(morris_indices(design, y), std::invalid_argument);
    EXPECT_THROW(morris_design(testing::ishigami_parameters(), 4, 3, 1), std::invalid_argument);
}

// f = sum c_j x_j with x_j ~ U(0, w_j): every elementary effect of x_j per unit of
// probability is c_j w_j, so mu = c_j w_j, mu* = |c_j| w_j and sigma = 0.
TEST(Sensitivity, MorrisRanksALinearFunction) {
    const std::vector<double> c = {0.5, -4, 0, 2, 1};
    const std::vector<double> w = {1, 1, 3, 1.5, 0.25};  // |c| w = 0.5, 4, 0, 3, 0.25
    std::vector<UncertainParameter> p(c.size());
    for (std::size_t j = 0; j < p.size(); ++j) {
        p[j].low = 0;
        p[j].high = w[j];
    }
    const auto design = morris_design(p, 20, 4, 42);
    ASSERT_EQ(design.values.size(), 20u * 6);
    std::vector<double> y;
    for (const auto& x : design.values) {
        double f = 0;
        for (std::size_t j = 0; j < c.size(); ++j) f += c[j] * x[j];
        y.push_back(f);
    }
    const auto m = morris_indices(design, y);
    for (std::size_t j = 0; j < c.size(); ++j) {
        EXPECT_NEAR(m.mu[j], c[j] * w[j], 1e-12);
        EXPECT_NEAR(m.mu_star[j], std::fabs(c[j]) * w[j], 1e-12);
        EXPECT_NEAR(m.sigma[j], 0.0, 1e-12);
    }
    std::vector<std::size_t> rank = {0, 1, 2, 3, 4};
    std::sort(rank.begin(), rank.end(), [&](auto a, auto b) { return m.mu_star[a] > m.mu_star[b]; });
    EXPECT_EQ(rank, (std::vector<std::size_t>{1, 3, 0, 4, 2}));
}

// A nonlinear term gives spread: f = x1 x2 on U(0, 1)^2 has EE_1 = x2, so sigma_1 > 0.
TEST(Sensitivity, MorrisSigmaSeesInteractions) {
    std::vector<UncertainParameter> p(2);
    for (auto& q : p) q.high = 1;
    const auto design = morris_design(p, 30, 4, 3);
    std::vector<double> y;
    for (const auto& x : design.values) y.push_back(x[0] * x[1]);
    const auto m = morris_indices(design, y);
    EXPECT_GT(m.sigma[0], 0.1);
    EXPECT_GT(m.sigma[1], 0.1);
}

}  // namespace
}  // namespace greenshift
