// Reference for bench/run.sh: the plain Bass model written the way a C++ programmer
// would write it without greenshift. N firms, one byte of state each (adopted or
// not), one std::mt19937_64 stream; each step every firm that has not adopted adopts
// with probability 1 - exp(-(p + q * share) dt), share = adopters at the end of the
// previous step. Only the step loop is timed.
//
//   bass_loop [N=10000000] [steps=100] [p=0.03] [q=0.38] [dt=0.25] [seed=20161107]
//
// Prints "firm-steps/s: <rate>" (and the final share, to check it against
// greenshift's bass mode).
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

int main(int argc, char** argv) {
    const std::uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10'000'000;
    const int steps = argc > 2 ? std::atoi(argv[2]) : 100;
    const double p = argc > 3 ? std::atof(argv[3]) : 0.03;
    const double q = argc > 4 ? std::atof(argv[4]) : 0.38;
    const double dt = argc > 5 ? std::atof(argv[5]) : 0.25;
    const std::uint64_t seed = argc > 6 ? std::strtoull(argv[6], nullptr, 10) : 20161107;
    if (n == 0 || steps <= 0) {
        std::fprintf(stderr, "usage: bass_loop [N] [steps] [p] [q] [dt] [seed]\n");
        return 2;
    }

    std::vector<std::uint8_t> adopted(n, 0);
    std::mt19937_64 gen(seed);
    std::uint64_t adopters = 0;

    const auto t0 = std::chrono::steady_clock::now();
    for (int t = 0; t < steps; ++t) {
        const double share = static_cast<double>(adopters) / static_cast<double>(n);
        const double prob = 1.0 - std::exp(-(p + q * share) * dt);
        std::uint64_t added = 0;
        for (std::uint64_t i = 0; i < n; ++i) {
            if (adopted[i]) continue;
            const double u = static_cast<double>(gen() >> 11) * 0x1p-53;  // [0, 1), 53 bits
            if (u < prob) {
                adopted[i] = 1;
                ++added;
            }
        }
        adopters += added;
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::printf("bass_loop: %llu firms x %d steps in %.3f s, final share %.6f\n",
                static_cast<unsigned long long>(n), steps, s,
                static_cast<double>(adopters) / static_cast<double>(n));
    std::printf("firm-steps/s: %.6g\n", static_cast<double>(n) * steps / s);
    return 0;
}
