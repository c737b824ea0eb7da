// Global sensitivity analysis of a model over a batch's uncertain parameters: the
// Saltelli design on a Sobol low-discrepancy sequence with first-order (Saltelli 2010)
// and total (Jansen 1999) Sobol indices and their bootstrap intervals, and Morris
// elementary effects. Pure functions of their arguments: the designs and intervals
// are the same on any machine, thread count or shard.
#pragma once

#include "io/batch_plan.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace greenshift {

// Purpose words of the bootstrap and Morris draws in philox_words (see kLhsPurpose).
inline constexpr std::uint32_t kBootstrapPurpose = 0x53420000u;  // "SB"
inline constexpr std::uint32_t kMorrisPurpose = 0x4D4F0000u;     // "MO"

// The first `count` points of the Sobol sequence in `dimension` dimensions
// (Boost.Random's sobol, Joe and Kuo's direction numbers), [point][dimension], in
// (0, 1): Boost starts at the point after the origin.
std::vector<std::vector<double>> sobol_points(std::uint32_t count, std::uint32_t dimension);

// The Saltelli design for N = `base` and d parameters: N (d + 2) rows in blocks of N,
// block 0 the matrix A, block 1 the matrix B, block 2 + i the matrix A_B^(i) (A with
// column i taken from B) — the row order of OpenTURNS' SobolIndicesExperiment. A and
// B are the first and last d coordinates of the first N points of a 2d-dimensional
// Sobol sequence, mapped through each parameter's inverse CDF.
struct SaltelliDesign {
    std::uint32_t base = 0;
    std::uint32_t parameters = 0;
    std::vector<std::vector<double>> unit;    // [row][parameter] in (0, 1)
    std::vector<std::vector<double>> values;  // [row][parameter], quantile(parameter, unit)
};
SaltelliDesign saltelli_design(std::span<const UncertainParameter> parameters, std::uint32_t base);

// First-order and total Sobol indices from the outputs of a Saltelli design (one
// output per row, in the design's order). With y centred by the mean of every output
// and V the unbiased variance of y(A):
//   S_i  = sum_k y(B)_k (y(A_B^i)_k - y(A)_k) / ((N - 1) V)   Saltelli et al. (2010)
//   ST_i = sum_k (y(A)_k - y(A_B^i)_k)^2 / ((2N - 1) V)       Jansen (1999)
// the normalisation OpenTURNS uses (MauntzKucherenko- and JansenSensitivityAlgorithm),
// so that both give the same numbers on the same design.
struct SobolIndices {
    std::vector<double> first, total;  // by parameter
    double variance = 0;               // V
};
SobolIndices sobol_indices(std::span<const double> outputs, std::uint32_t base,
                           std::uint32_t parameters);

// Bootstrap percentile intervals of the indices: `resamples` times, N rows of the
// design (the same rows of A, B and every A_B^i) drawn with replacement, the indices
// recomputed; the interval holds the central `level` of them. The draws are
// philox_words(seed, run = resample, firm = k / 4, step 0, kBootstrapPurpose).
struct Interval {
    double low = 0, high = 0;
};
struct SobolIntervals {
    std::vector<Interval> first, total;
};
SobolIntervals sobol_bootstrap(std::span<const double> outputs, std::uint32_t base,
                               std::uint32_t parameters, std::uint64_t seed,
                               std::uint32_t resamples = 500, double level = 0.95);

// Morris (1991) one-at-a-time trajectories. Each parameter's probability range is cut
// into `levels` (even) equal strata and a point sits at a stratum's centre,
// u = (l + 1/2) / levels. A trajectory starts at a random level per parameter and moves
// each parameter once, in a random order, by levels / 2 strata (u +- 1/2: up from
// the lower half, down from the upper half): d + 1 rows per trajectory.
struct MorrisDesign {
    std::uint32_t trajectories = 0, parameters = 0, levels = 0;
    std::vector<std::vector<double>> unit;    // [row][parameter], row = t (d + 1) + step
    std::vector<std::vector<double>> values;  // quantile(parameter, unit)
    std::vector<std::uint32_t> moved;         // [t d + step]: the parameter moved between
                                              // rows step and step + 1 of trajectory t
};
MorrisDesign morris_design(std::span<const UncertainParameter> parameters,
                           std::uint32_t trajectories, std::uint32_t levels, std::uint64_t seed);

// Elementary effects EE = (y after - y before) / (u after - u before), per unit of
// probability; mu their mean, mu_star the mean of their absolute values, sigma their
// standard deviation (n - 1), each by parameter (Campolongo et al. 2007 for mu_star).
struct MorrisIndices {
    std::vector<double> mu, mu_star, sigma;
};
MorrisIndices morris_indices(const MorrisDesign& design, std::span<const double> outputs);

}  // namespace greenshift
