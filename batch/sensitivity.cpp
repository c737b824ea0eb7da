#include "batch/sensitivity.hpp"

#include "batch/lhs.hpp"
#include "core/rng.hpp"

#include <boost/random/sobol.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace greenshift {

std::vector<std::vector<double>> sobol_points(std::uint32_t count, std::uint32_t dimension) {
    if (dimension == 0) throw std::invalid_argument("sobol_points: dimension 0");
    boost::random::sobol engine(dimension);
    std::vector<std::vector<double>> points(count, std::vector<double>(dimension));
    // The engine's words are 64-bit fractions; a point's coordinates have at most
    // log2(count) + 1 significant bits, so the conversion to double is exact.
    for (auto& point : points)
        for (auto& u : point) u = std::ldexp(static_cast<double>(engine()), -64);
    return points;
}

SaltelliDesign saltelli_design(std::span<const UncertainParameter> parameters, std::uint32_t base) {
    const auto d = static_cast<std::uint32_t>(parameters.size());
    if (d == 0 || base < 2) throw std::invalid_argument("saltelli_design: needs a parameter and base >= 2");
    const auto points = sobol_points(base, 2 * d);
    SaltelliDesign design;
    design.base = base;
    design.parameters = d;
    design.unit.assign(static_cast<std::size_t>(base) * (d + 2), std::vector<double>(d));
    for (std::uint32_t k = 0; k < base; ++k) {
        const auto& p = points[k];
        for (std::uint32_t j = 0; j < d; ++j) {
            design.unit[k][j] = p[j];                   // A
            design.unit[base + k][j] = p[d + j];        // B
            for (std::uint32_t i = 0; i < d; ++i)       // A_B^(i)
                design.unit[(2 + i) * base + k][j] = j == i ? p[d + j] : p[j];
        }
    }
    design.values = design.unit;
    for (auto& row : design.values)
        for (std::uint32_t j = 0; j < d; ++j) row[j] = quantile(parameters[j], row[j]);
    return design;
}

namespace {

void check_outputs(std::span<const double> outputs, std::uint32_t base, std::uint32_t d) {
    if (d == 0 || base < 2 || outputs.size() != static_cast<std::size_t>(base) * (d + 2))
        throw std::invalid_argument("sobol_indices: " + std::to_string(outputs.size()) +
                                    " outputs for a design of N = " + std::to_string(base) +
                                    " and " + std::to_string(d) + " parameters");
}

// The indices on rows[0..N) of each block (the identity for the estimate, a
// resample for the bootstrap).
SobolIndices indices_on(std::span<const double> y, std::uint32_t base, std::uint32_t d,
                        std::span<const std::uint32_t> rows) {
    const double n = static_cast<double>(rows.size());
    double sum = 0;
    for (std::uint32_t block = 0; block < d + 2; ++block)
        for (const auto k : rows) sum += y[static_cast<std::size_t>(block) * base + k];
    const double mean = sum / (n * (d + 2));
    double mean_a = 0;
    for (const auto k : rows) mean_a += y[k] - mean;
    mean_a /= n;
    double ss = 0;
    for (const auto k : rows) ss += (y[k] - mean - mean_a) * (y[k] - mean - mean_a);
    SobolIndices out;
    out.variance = ss / (n - 1);
    out.first.assign(d, 0.0);
    out.total.assign(d, 0.0);
    for (std::uint32_t i = 0; i < d; ++i) {
        const std::size_t e = static_cast<std::size_t>(2 + i) * base;
        double first = 0, total = 0;
        for (const auto k : rows) {
            const double a = y[k] - mean, b = y[base + k] - mean, ab = y[e + k] - mean;
            first += b * (ab - a);
            total += (ab - a) * (ab - a);
        }
        out.first[i] = first / ((n - 1) * out.variance);
        out.total[i] = total / ((2 * n - 1) * out.variance);
    }
    return out;
}

// The q-quantile of sorted values, linear between order statistics (Hyndman and Fan
// type 7).
double sorted_quantile(const std::vector<double>& v, double q) {
    const double h = (static_cast<double>(v.size()) - 1) * q;
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const auto hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

}  // namespace

SobolIndices sobol_indices(std::span<const double> outputs, std::uint32_t base,
                           std::uint32_t parameters) {
    check_outputs(outputs, base, parameters);
    std::vector<std::uint32_t> rows(base);
    std::iota(rows.begin(), rows.end(), 0u);
    return indices_on(outputs, base, parameters, rows);
}

SobolIntervals sobol_bootstrap(std::span<const double> outputs, std::uint32_t base,
                               std::uint32_t parameters, std::uint64_t seed,
                               std::uint32_t resamples, double level) {
    check_outputs(outputs, base, parameters);
    if (resamples < 2 || !(level > 0 && level < 1))
        throw std::invalid_argument("sobol_bootstrap: needs resamples >= 2 and level in (0, 1)");
    const std::uint32_t d = parameters;
    std::vector<std::vector<double>> first(d, std::vector<double>(resamples));
    std::vector<std::vector<double>> total(d, std::vector<double>(resamples));
    std::vector<std::uint32_t> rows(base);
    for (std::uint32_t r = 0; r < resamples; ++r) {
        for (std::uint32_t k = 0; k < base; k += 4) {
            const auto w = philox_words(seed, r, k / 4, 0, kBootstrapPurpose);
            // Lemire's multiply-shift: a row in [0, N), bias below N / 2^32.
            for (std::uint32_t m = 0; m < 4 && k + m < base; ++m)
                rows[k + m] = static_cast<std::uint32_t>((static_cast<std::uint64_t>(w[m]) * base) >> 32);
        }
        const auto s = indices_on(outputs, base, d, rows);
        for (std::uint32_t i = 0; i < d; ++i) {
            first[i][r] = s.first[i];
            total[i][r] = s.total[i];
        }
    }
    SobolIntervals out;
    const double tail = (1 - level) / 2;
    for (std::uint32_t i = 0; i < d; ++i) {
        std::sort(first[i].begin(), first[i].end());
        std::sort(total[i].begin(), total[i].end());
        out.first.push_back({sorted_quantile(first[i], tail), sorted_quantile(first[i], 1 - tail)});
        out.total.push_back({sorted_quantile(total[i], tail), sorted_quantile(total[i], 1 - tail)});
    }
    return out;
}

MorrisDesign morris_design(std::span<const UncertainParameter> parameters,
                           std::uint32_t trajectories, std::uint32_t levels, std::uint64_t seed) {
    const auto d = static_cast<std::uint32_t>(parameters.size());
    if (d == 0 || trajectories == 0 || levels < 2 || levels % 2 != 0)
        throw std::invalid_argument("morris_design: needs a parameter, a trajectory and an even number of levels >= 2");
    MorrisDesign design;
    design.trajectories = trajectories;
    design.parameters = d;
    design.levels = levels;
    design.unit.reserve(static_cast<std::size_t>(trajectories) * (d + 1));
    std::vector<std::uint32_t> level(d), order(d);
    std::vector<std::uint64_t> key(d);
    const double strata = static_cast<double>(levels);
    for (std::uint32_t t = 0; t < trajectories; ++t) {
        for (std::uint32_t j = 0; j < d; ++j) {
            const auto w = philox_words(seed, t, j, 0, kMorrisPurpose);
            level[j] = static_cast<std::uint32_t>((static_cast<std::uint64_t>(w[0]) * levels) >> 32);
            key[j] = key64(w[1], w[2]);
        }
        std::iota(order.begin(), order.end(), 0u);
        std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
            return key[a] != key[b] ? key[a] < key[b] : a < b;
        });
        std::vector<double> row(d);
        for (std::uint32_t j = 0; j < d; ++j) row[j] = (level[j] + 0.5) / strata;
        design.unit.push_back(row);
        for (const auto j : order) {
            row[j] += level[j] < levels / 2 ? 0.5 : -0.5;
            design.unit.push_back(row);
            design.moved.push_back(j);
        }
    }
    design.values = design.unit;
    for (auto& r : design.values)
        for (std::uint32_t j = 0; j < d; ++j) r[j] = quantile(parameters[j], r[j]);
    return design;
}

MorrisIndices morris_indices(const MorrisDesign& design, std::span<const double> outputs) {
    const std::uint32_t d = design.parameters, r = design.trajectories;
    if (outputs.size() != design.unit.size())
        throw std::invalid_argument("morris_indices: " + std::to_string(outputs.size()) +
                                    " outputs for a design of " + std::to_string(design.unit.size()) + " rows");
    std::vector<std::vector<double>> effects(d);
    for (std::uint32_t t = 0; t < r; ++t)
        for (std::uint32_t s = 0; s < d; ++s) {
            const std::size_t before = static_cast<std::size_t>(t) * (d + 1) + s;
            const auto j = design.moved[static_cast<std::size_t>(t) * d + s];
            effects[j].push_back((outputs[before + 1] - outputs[before]) /
                                 (design.unit[before + 1][j] - design.unit[before][j]));
        }
    MorrisIndices out;
    for (const auto& e : effects) {
        const double n = static_cast<double>(e.size());
        double mean = 0, abs_mean = 0;
        for (const double v : e) {
            mean += v;
            abs_mean += std::fabs(v);
        }
        mean /= n;
        double ss = 0;
        for (const double v : e) ss += (v - mean) * (v - mean);
        out.mu.push_back(mean);
        out.mu_star.push_back(abs_mean / n);
        out.sigma.push_back(n > 1 ? std::sqrt(ss / (n - 1)) : 0.0);
    }
    return out;
}

}  // namespace greenshift
