// Test functions of global sensitivity analysis with closed-form Sobol indices, shared
// by tests/test_sensitivity.cpp and tests/sensitivity_design.cpp.
#pragma once

#include "io/batch_plan.hpp"

#include <cmath>
#include <numbers>
#include <vector>

namespace greenshift::testing {

// Ishigami and Homma (1990): f = sin x1 + a sin^2 x2 + b x3^4 sin x1, x_i ~ U(-pi, pi).
inline constexpr double kIshigamiA = 7.0, kIshigamiB = 0.1;

inline double ishigami(const std::vector<double>& x) {
    return std::sin(x[0]) + kIshigamiA * std::sin(x[1]) * std::sin(x[1]) +
           kIshigamiB * std::pow(x[2], 4) * std::sin(x[0]);
}

inline std::vector<UncertainParameter> ishigami_parameters() {
    std::vector<UncertainParameter> p(3);
    for (int i = 0; i < 3; ++i) {
        p[i].distribution = Distribution::uniform;
        p[i].low = -std::numbers::pi;
        p[i].high = std::numbers::pi;
    }
    return p;
}

struct AnalyticIndices {
    std::vector<double> first, total;
};

// Partial variances, e.g. Saltelli et al. (2008), Global Sensitivity Analysis: The
// Primer, section 4.9: V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2,
// V1 = (1 + b pi^4/5)^2 / 2, V2 = a^2/8, V3 = 0, V13 = 8 b^2 pi^8/225.
inline AnalyticIndices ishigami_indices() {
    const double a = kIshigamiA, b = kIshigamiB, pi4 = std::pow(std::numbers::pi, 4);
    const double v = a * a / 8 + b * pi4 / 5 + b * b * pi4 * pi4 / 18 + 0.5;
    const double v1 = 0.5 * (1 + b * pi4 / 5) * (1 + b * pi4 / 5), v2 = a * a / 8;
    const double v13 = 8 * b * b * pi4 * pi4 / 225;
    return {{v1 / v, v2 / v, 0.0}, {(v1 + v13) / v, v2 / v, v13 / v}};
}

// Sobol's G-function: f = prod_i (|4 x_i - 2| + a_i) / (1 + a_i), x_i ~ U(0, 1);
// V_i = 1 / (3 (1 + a_i)^2), V = prod (1 + V_i) - 1, VT_i = V_i prod_{j != i} (1 + V_j).
inline const std::vector<double> kGCoefficients = {0, 1, 4.5, 9, 99, 99};

inline double g_function(const std::vector<double>& x) {
    double f = 1;
    for (std::size_t i = 0; i < kGCoefficients.size(); ++i)
        f *= (std::fabs(4 * x[i] - 2) + kGCoefficients[i]) / (1 + kGCoefficients[i]);
    return f;
}

inline std::vector<UncertainParameter> g_parameters() {
    std::vector<UncertainParameter> p(kGCoefficients.size());
    for (std::size_t i = 0; i < p.size(); ++i) {
        p[i].low = 0;
        p[i].high = 1;
    }
    return p;
}

inline AnalyticIndices g_indices() {
    std::vector<double> vi;
    double prod = 1;
    for (const double a : kGCoefficients) {
        vi.push_back(1 / (3 * (1 + a) * (1 + a)));
        prod *= 1 + vi.back();
    }
    const double v = prod - 1;
    AnalyticIndices out;
    for (const double x : vi) {
        out.first.push_back(x / v);
        out.total.push_back(x * (prod / (1 + x)) / v);
    }
    return out;
}

}  // namespace greenshift::testing
