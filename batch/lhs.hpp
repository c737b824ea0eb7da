// Latin hypercube sampling of a batch's uncertain parameters, and the inverse CDFs
// that turn its uniform points into parameter values. Every draw is a pure function
// of (batch seed, parameter, sample), so a plan is the same on any machine, thread
// count or shard.
#pragma once

#include "io/batch_plan.hpp"

#include <cstdint>
#include <vector>

namespace greenshift {

// Purpose word of the Latin hypercube draws in philox_words(seed = batch seed,
// run = parameter, firm = sample, step = 0, purpose = kLhsPurpose). The model's own
// purpose words are purpose_word(p, technology) < 0x4000; this one lies far above
// them, so a batch seed that happens to equal a run seed never replays model draws.
inline constexpr std::uint32_t kLhsPurpose = 0x4C480000u;  // "LH"

// points[i][j] in (0, 1) for sample i < samples and parameter j < parameters: for each
// parameter, [0, 1) is cut into `samples` equal strata, each stratum holds exactly
// one point (uniform inside it), and the strata are assigned to samples by an
// independent random permutation per parameter.
std::vector<std::vector<double>> latin_hypercube(std::uint64_t seed, std::uint32_t samples,
                                                 std::uint32_t parameters);

// Rows up to this many are ranked by counting the keys below theirs (about a
// nanosecond per sample and row) rather than by sorting every key (~130 ns per
// sample measured for 10^6 samples).
inline constexpr std::uint32_t kRankByCounting = 64;

// Rows [first, last) of the same points (a shard's samples), equal bit for bit to
// those rows of latin_hypercube, in memory for those rows only (every key is still
// drawn: a sample's stratum is the rank of its key among all of them).
std::vector<std::vector<double>> latin_hypercube_rows(std::uint64_t seed, std::uint32_t samples,
                                                      std::uint32_t parameters, std::uint32_t first,
                                                      std::uint32_t last);

// The standard normal quantile for p in (0, 1), to about 1e-16 relative accuracy;
// -inf / +inf at 0 / 1, NaN outside [0, 1].
double inverse_normal_cdf(double p);

// The value of `parameter` at cumulative probability u in (0, 1) (its inverse CDF).
double quantile(const UncertainParameter& parameter, double u);

}  // namespace greenshift
