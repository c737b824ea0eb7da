#include <gtest/gtest.h>

#include "core/leontief.hpp"

using namespace greenshift;

TEST(Leontief, HandSolvedThreeSectorCase) {
    // I - A is upper triangular; back substitution by hand with y = (9, 8, 5):
    // x3 = 5 / 0.5 = 10; x2 = (8 + 0.25 x3) / 0.8 = 13.125; x1 = (9 + 0.2 x2) / 0.9 = 12.91666...
    const Leontief io(3, {0.1, 0.2, 0.0,  //
                          0.0, 0.2, 0.25,  //
                          0.0, 0.0, 0.5});
    const auto x = io.output({9, 8, 5});
    EXPECT_NEAR(x[0], 11.625 / 0.9, 1e-12);
    EXPECT_NEAR(x[1], 13.125, 1e-12);
    EXPECT_NEAR(x[2], 10.0, 1e-12);
    EXPECT_NEAR(io.spectral_radius(), 0.5, 1e-12);
}

TEST(Leontief, OutputBalancesIntermediateUseAndFinalDemand) {
    // A full (non-triangular) table: x must equal A x + y.
    const std::vector<double> a{0.20, 0.30, 0.10,  //
                                0.15, 0.10, 0.25,  //
                                0.05, 0.20, 0.15};
    const Leontief io(3, a);
    const std::vector<double> y{120, 45, 300};
    const auto x = io.output(y);
    for (std::size_t i = 0; i < 3; ++i) {
        double row = 0;
        for (std::size_t j = 0; j < 3; ++j) row += a[i * 3 + j] * x[j];
        EXPECT_NEAR(x[i], row + y[i], 1e-9 * x[i]);
        EXPECT_GE(x[i], y[i]);  // indirect effects are non-negative
    }
}

TEST(Leontief, TwoSectorClosedForm) {
    // (I - A)^-1 for 2 x 2: 1/det [[1 - a22, a12], [a21, 1 - a11]]
    const double a11 = 0.15, a12 = 0.25, a21 = 0.20, a22 = 0.05;
    const Leontief io(2, {a11, a12, a21, a22});
    const double det = (1 - a11) * (1 - a22) - a12 * a21;
    const auto x = io.output({1000, 2000});
    EXPECT_NEAR(x[0], ((1 - a22) * 1000 + a12 * 2000) / det, 1e-9);
    EXPECT_NEAR(x[1], (a21 * 1000 + (1 - a11) * 2000) / det, 1e-9);
}

TEST(Leontief, CoefficientsFromTransactions) {
    // z_ij / x_j
    const auto a = Leontief::coefficients_from_transactions(2, {10, 40, 30, 20}, {100, 200});
    EXPECT_DOUBLE_EQ(a[0], 0.1);
    EXPECT_DOUBLE_EQ(a[1], 0.2);
    EXPECT_DOUBLE_EQ(a[2], 0.3);
    EXPECT_DOUBLE_EQ(a[3], 0.1);
    EXPECT_THROW(Leontief::coefficients_from_transactions(2, {10, 40, 30, 20}, {100, 0}), LeontiefError);
}

TEST(Leontief, RefusesUnproductiveAndMalformedTables) {
    EXPECT_THROW(Leontief(2, {0.6, 0.5, 0.5, 0.6}), LeontiefError);  // radius 1.1
    EXPECT_THROW(Leontief(2, {0.5, 0.5, 0.5, 0.5}), LeontiefError);  // radius exactly 1
    EXPECT_THROW(Leontief(2, {0.1, -0.1, 0.0, 0.1}), LeontiefError);
    EXPECT_THROW(Leontief(2, {0.1, 0.1, 0.1}), LeontiefError);
    try {
        Leontief(2, {0.6, 0.5, 0.5, 0.6});
    } catch (const LeontiefError& e) {
        EXPECT_NE(std::string(e.what()).find("not productive"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("1.1"), std::string::npos);
    }
    const Leontief io(2, {0.1, 0.1, 0.1, 0.1});
    EXPECT_THROW(io.output({1, 2, 3}), LeontiefError);
}
