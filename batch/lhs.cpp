#include "batch/lhs.hpp"

#include "core/rng.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace greenshift {

std::vector<std::vector<double>> latin_hypercube(std::uint64_t seed, std::uint32_t samples,
                                                 std::uint32_t parameters) {
    return latin_hypercube_rows(seed, samples, parameters, 0, samples);
}

std::vector<std::vector<double>> latin_hypercube_rows(std::uint64_t seed, std::uint32_t samples,
                                                      std::uint32_t parameters, std::uint32_t first,
                                                      std::uint32_t last) {
    last = std::min(last, samples);
    first = std::min(first, last);
    const std::uint32_t rows = last - first;
    std::vector<std::vector<double>> points(rows, std::vector<double>(parameters));
    // The stratum of sample i is the rank of its key among the keys of all samples
    // (ties broken by the index): every key is drawn, but only the rows asked for
    // are placed. Up to kRankByCounting rows are ranked by counting (time ~ samples
    // x rows, no memory); more by one sort of all samples (time ~ samples log samples).
    const bool count = rows <= kRankByCounting;
    std::vector<std::uint64_t> key(samples);
    std::vector<std::uint32_t> order(count ? 0 : samples), rank(rows);
    for (std::uint32_t j = 0; j < parameters; ++j) {
        for (std::uint32_t i = 0; i < samples; ++i) {
            const auto w = philox_words(seed, j, i, 0, kLhsPurpose);
            key[i] = key64(w[0], w[1]);  // sort key: a random permutation of the strata
        }
        if (count) {
            for (std::uint32_t r = 0; r < rows; ++r) {
                const std::uint32_t i = first + r;
                std::uint32_t below = 0;
                for (std::uint32_t s = 0; s < samples; ++s) below += key[s] < key[i] || (key[s] == key[i] && s < i);
                rank[r] = below;
            }
        } else {
            std::iota(order.begin(), order.end(), 0u);
            // Ties (probability ~n^2 / 2^65) fall back on the sample index: still a permutation.
            std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
                return key[a] != key[b] ? key[a] < key[b] : a < b;
            });
            for (std::uint32_t k = 0; k < samples; ++k)
                if (order[k] >= first && order[k] < last) rank[order[k] - first] = k;
        }
        // u01 keeps the offset (position inside the stratum) at least 2^-33 from
        // either edge, far more than the rounding of (k + offset) / n, so the point
        // stays inside stratum k and below 1.
        for (std::uint32_t r = 0; r < rows; ++r) {
            const auto w = philox_words(seed, j, first + r, 0, kLhsPurpose);
            points[r][j] = (static_cast<double>(rank[r]) + u01(w[2])) / static_cast<double>(samples);
        }
    }
    return points;
}

// Wichura, M. J. (1988), "Algorithm AS 241: The percentage points of the normal
// distribution", Applied Statistics 37(3), 477-484: the PPND16 rational
// approximations, accurate to about 1 part in 10^16.
double inverse_normal_cdf(double p) {
    if (std::isnan(p) || p < 0 || p > 1) return std::numeric_limits<double>::quiet_NaN();
    if (p == 0) return -std::numeric_limits<double>::infinity();
    if (p == 1) return std::numeric_limits<double>::infinity();
    const double q = p - 0.5;
    if (std::fabs(q) <= 0.425) {
        const double r = 0.180625 - q * q;
        const double num =
            ((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r + 6.7265770927008700853e+4) * r +
                4.5921953931549871457e+4) * r + 1.3731693765509461125e+4) * r + 1.9715909503065514427e+3) * r +
             1.3314166789178437745e+2) * r + 3.3871328727963666080e+0;
        const double den =
            ((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r + 3.9307895800092710610e+4) * r +
                2.1213794301586595867e+4) * r + 5.3941960214247511077e+3) * r + 6.8718700749205790830e+2) * r +
             4.2313330701600911252e+1) * r + 1.0;
        return q * num / den;
    }
    double r = std::sqrt(-std::log(q < 0 ? p : 1.0 - p));
    double x;
    if (r <= 5.0) {
        r -= 1.6;
        const double num =
            ((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r + 2.41780725177450611770e-1) * r +
                1.27045825245236838258e+0) * r + 3.64784832476320460504e+0) * r + 5.76949722146069140550e+0) * r +
             4.63033784615654529590e+0) * r + 1.42343711074968357734e+0;
        const double den =
            ((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r + 1.51986665636164571966e-2) * r +
                1.48103976427480074590e-1) * r + 6.89767334985100004550e-1) * r + 1.67638483018380384940e+0) * r +
             2.05319162663775882187e+0) * r + 1.0;
        x = num / den;
    } else {
        r -= 5.0;
        const double num =
            ((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 1.24266094738807843860e-3) * r +
                2.65321895265761230930e-2) * r + 2.96560571828504891230e-1) * r + 1.78482653991729133580e+0) * r +
             5.46378491116411436990e+0) * r + 6.65790464350110377720e+0;
        const double den =
            ((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r + 1.84631831751005468180e-5) * r +
                7.86869131145613259100e-4) * r + 1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r +
             5.99832206555887937690e-1) * r + 1.0;
        x = num / den;
    }
    return q < 0 ? -x : x;
}

double quantile(const UncertainParameter& prm, double u) {
    switch (prm.distribution) {
    case Distribution::uniform: return prm.low + (prm.high - prm.low) * u;
    case Distribution::normal: return prm.mean + prm.sd * inverse_normal_cdf(u);
    case Distribution::lognormal: return std::exp(prm.mu + prm.sigma * inverse_normal_cdf(u));
    case Distribution::triangular: {
        // Inverse of the triangular CDF on [a, b] with mode c (closed form).
        const double a = prm.low, b = prm.high, c = prm.mode;
        const double split = (c - a) / (b - a);
        if (u < split) return a + std::sqrt(u * (b - a) * (c - a));
        return b - std::sqrt((1.0 - u) * (b - a) * (b - c));
    }
    }
    return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace greenshift
