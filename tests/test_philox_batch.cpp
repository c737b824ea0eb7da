// philox_fill (core/philox_batch.hpp) against philox_words and r123::Philox4x32,
// through every code path this build and CPU have.
#include <gtest/gtest.h>

#include <Random123/philox.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/philox_batch.hpp"
#include "core/rng.hpp"

using namespace greenshift;

namespace {

constexpr std::uint32_t kSentinel = 0xDEADBEEFu;
// Around the block and group sizes of every path (sse2 6, avx2 12, avx512 groups of
// 8 in blocks of 32, a remainder of one group merged into the block before it).
const std::size_t kSizes[] = {0,  1,  3,  4,  7,  8,  9,  12, 13, 15,  16,  17,   24,  25,
                              31, 32, 33, 40, 41, 63, 64, 65, 72, 100, 257, 1024, 4099};

struct Key {
    std::uint64_t seed;
    std::uint32_t run, first, step, purpose;
};

std::string describe(const Key& k, std::size_t n, const char* path) {
    return "path " + std::string(path) + ", seed " + std::to_string(k.seed) + ", run " +
           std::to_string(k.run) + ", first " + std::to_string(k.first) + ", step " +
           std::to_string(k.step) + ", purpose " + std::to_string(k.purpose) + ", n " +
           std::to_string(n);
}

// The paths to check: the dispatched philox_fill (path == nullptr) and every
// explicit path this machine can run.
std::vector<PhiloxPath> available_paths() {
    std::vector<PhiloxPath> paths;
    std::uint32_t w[4];
    for (PhiloxPath p : {PhiloxPath::portable, PhiloxPath::sse2, PhiloxPath::avx2, PhiloxPath::avx512}) {
        if (detail::philox_fill_with(p, 0, 0, 0, 0, 0, 1, w)) paths.push_back(p);
    }
    return paths;
}

// Fills through `path` (or the dispatched philox_fill when path is null) into a
// buffer with sentinels past the 4*n words, checks the sentinels survived.
std::vector<std::uint32_t> fill(const Key& k, std::size_t n, const PhiloxPath* path) {
    std::vector<std::uint32_t> out(4 * n + 64, kSentinel);
    if (path == nullptr) {
        philox_fill(k.seed, k.run, k.first, k.step, k.purpose, n, out.data());
    } else {
        EXPECT_TRUE(
            detail::philox_fill_with(*path, k.seed, k.run, k.first, k.step, k.purpose, n, out.data()));
    }
    for (std::size_t i = 4 * n; i < out.size(); ++i) {
        EXPECT_EQ(out[i], kSentinel) << "word " << i << " written past the end, n " << n;
    }
    out.resize(4 * n);
    return out;
}

// Compares every (path, n) against philox_words; stops at the first mismatch per case.
void check_against_philox_words(const Key& k) {
    const auto paths = available_paths();
    for (std::size_t n : kSizes) {
        if (static_cast<std::uint64_t>(k.first) + n > (std::uint64_t{1} << 32)) continue;
        std::vector<std::uint32_t> expected(4 * n);
        for (std::size_t j = 0; j < n; ++j) {
            const auto w = philox_words(k.seed, k.run, k.first + static_cast<std::uint32_t>(j),
                                        k.step, k.purpose);
            for (std::size_t i = 0; i < 4; ++i) expected[4 * j + i] = w[i];
        }
        for (std::size_t p = 0; p <= paths.size(); ++p) {
            const PhiloxPath* path = p < paths.size() ? &paths[p] : nullptr;
            const auto got = fill(k, n, path);
            const char* name = path ? philox_path_name(*path) : "dispatched";
            for (std::size_t i = 0; i < 4 * n; ++i) {
                if (got[i] != expected[i]) {
                    ADD_FAILURE() << describe(k, n, name) << ": counter " << i / 4 << " word "
                                  << i % 4 << " is " << got[i] << ", philox_words gives "
                                  << expected[i];
                    break;
                }
            }
        }
    }
}

}  // namespace

TEST(PhiloxBatch, ThePortableAndSse2PathsExistOnX86AndTheDispatchedPathIsOneOfThem) {
    const auto paths = available_paths();
    ASSERT_FALSE(paths.empty());
    EXPECT_EQ(paths.front(), PhiloxPath::portable);
#if defined(__x86_64__)
    EXPECT_GE(paths.size(), 2u);  // sse2 is x86-64 baseline
#endif
    bool found = false;
    for (PhiloxPath p : paths) found = found || p == philox_fill_path();
    EXPECT_TRUE(found) << philox_path_name(philox_fill_path());
    RecordProperty("philox_fill_path", philox_path_name(philox_fill_path()));
}

TEST(PhiloxBatch, DispatchPrefersAvx512ThenAvx2ThenSse2) {
    // available_paths() lists the paths in the enum's order, the reverse of the
    // preference order: the last one available is the one dispatched.
    const auto paths = available_paths();
    ASSERT_FALSE(paths.empty());
    EXPECT_EQ(philox_fill_path(), paths.back())
        << philox_path_name(philox_fill_path()) << " dispatched, " << philox_path_name(paths.back())
        << " available";
    for (PhiloxPath p : paths) RecordProperty(std::string("philox_path_") + philox_path_name(p), "available");
}

TEST(PhiloxBatch, MatchesPhiloxWordsThroughEveryPathForEverySizeUpTo300) {
    const Key keys[] = {{20161107, 0, 0, kInitStep, purpose_word(Purpose::firm_step, 1)},
                        {0x0123456789ABCDEFull, 77, 123457, 9, purpose_word(Purpose::bass_quad, 3)}};
    const auto paths = available_paths();
    for (const Key& k : keys) {
        std::vector<std::uint32_t> expected(4 * 300);
        for (std::uint32_t j = 0; j < 300; ++j) {
            const auto w = philox_words(k.seed, k.run, k.first + j, k.step, k.purpose);
            for (std::size_t i = 0; i < 4; ++i) expected[4 * j + i] = w[i];
        }
        for (std::size_t n = 0; n <= 300; ++n) {
            for (std::size_t p = 0; p <= paths.size(); ++p) {
                const PhiloxPath* path = p < paths.size() ? &paths[p] : nullptr;
                const auto got = fill(k, n, path);
                for (std::size_t i = 0; i < 4 * n; ++i) {
                    if (got[i] != expected[i]) {
                        ADD_FAILURE() << describe(k, n, path ? philox_path_name(*path) : "dispatched")
                                      << ": counter " << i / 4 << " word " << i % 4 << " is "
                                      << got[i] << ", philox_words gives " << expected[i];
                        break;
                    }
                }
            }
        }
    }
}

// Random123's known-answer vectors for Philox4x32-10 (kat_vectors in the Random123
// distribution, lines "philox4x32 10 <ctr x4> <key x2> <out x4>"; that file is not
// installed by Debian's librandom123-dev, so they are transcribed here, and also
// checked against the installed r123::Philox4x32 below).
TEST(PhiloxBatch, MatchesThePublishedKnownAnswerVectors) {
    struct Kat {
        std::array<std::uint32_t, 4> ctr;
        std::array<std::uint32_t, 2> key;
        std::array<std::uint32_t, 4> out;
    };
    const Kat kats[] = {
        {{0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u},
         {0x00000000u, 0x00000000u},
         {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}},
        {{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
         {0xffffffffu, 0xffffffffu},
         {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}},
        {{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
         {0xa4093822u, 0x299f31d0u},
         {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}},
    };
    const auto paths = available_paths();
    for (const Kat& kat : kats) {
        // counter = {first, step, purpose, run}, key = {low32(seed), high32(seed)}
        const Key k{(std::uint64_t{kat.key[1]} << 32) | kat.key[0], kat.ctr[3], kat.ctr[0],
                    kat.ctr[1], kat.ctr[2]};
        const r123::Philox4x32::ctr_type ctr = {{kat.ctr[0], kat.ctr[1], kat.ctr[2], kat.ctr[3]}};
        const r123::Philox4x32::key_type key = {{kat.key[0], kat.key[1]}};
        const auto r = r123::Philox4x32{}(ctr, key);
        for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(r[i], kat.out[i]) << "installed Random123";
        for (std::size_t p = 0; p <= paths.size(); ++p) {
            const PhiloxPath* path = p < paths.size() ? &paths[p] : nullptr;
            const auto got = fill(k, 1, path);
            for (std::size_t i = 0; i < 4; ++i) {
                EXPECT_EQ(got[i], kat.out[i])
                    << describe(k, 1, path ? philox_path_name(*path) : "dispatched") << " word " << i;
            }
        }
    }
}

TEST(PhiloxBatch, MatchesRandom123DirectlyForConsecutiveCounters) {
    std::mt19937_64 rng(4242);
    const auto paths = available_paths();
    for (int t = 0; t < 20; ++t) {
        const std::uint64_t seed = rng();
        const auto run = static_cast<std::uint32_t>(rng());
        const auto step = static_cast<std::uint32_t>(rng());
        const auto purpose = static_cast<std::uint32_t>(rng());
        const std::size_t n = 1 + rng() % 300;
        const auto first = static_cast<std::uint32_t>(rng() % ((std::uint64_t{1} << 32) - n + 1));
        const r123::Philox4x32::key_type key = {
            {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
        for (std::size_t p = 0; p <= paths.size(); ++p) {
            const PhiloxPath* path = p < paths.size() ? &paths[p] : nullptr;
            const auto got = fill({seed, run, first, step, purpose}, n, path);
            for (std::size_t j = 0; j < n; ++j) {
                const r123::Philox4x32::ctr_type ctr = {
                    {first + static_cast<std::uint32_t>(j), step, purpose, run}};
                const auto r = r123::Philox4x32{}(ctr, key);
                for (std::size_t i = 0; i < 4; ++i) {
                    ASSERT_EQ(got[4 * j + i], r[i])
                        << describe({seed, run, first, step, purpose}, n,
                                    path ? philox_path_name(*path) : "dispatched")
                        << " counter " << j << " word " << i;
                }
            }
        }
    }
}

TEST(PhiloxBatch, MatchesPhiloxWordsForRandomKeysAndEverySize) {
    std::mt19937_64 rng(20161107);
    for (int t = 0; t < 60; ++t) {
        Key k{rng(), static_cast<std::uint32_t>(rng()), 0, static_cast<std::uint32_t>(rng()),
              static_cast<std::uint32_t>(rng())};
        // small, mid-range and near-top counters (first + 4099 still fits in 32 bits)
        switch (t % 3) {
            case 0: k.first = static_cast<std::uint32_t>(rng() % 100'000); break;
            case 1: k.first = static_cast<std::uint32_t>(rng() % (0xFFFFFFFFull - 4099)); break;
            default: k.first = 0xFFFFFFFFu - 4099u + 1u; break;
        }
        check_against_philox_words(k);
    }
}

TEST(PhiloxBatch, MatchesPhiloxWordsForTheModelsOwnKeys) {
    // The shapes the model uses: small runs, kInitStep, purpose words with technologies.
    for (std::uint64_t seed : {std::uint64_t{0}, std::uint64_t{20161107}, ~std::uint64_t{0}}) {
        check_against_philox_words({seed, 0, 0, kInitStep, purpose_word(Purpose::firm_init)});
        check_against_philox_words({seed, 3, 17, 5, purpose_word(Purpose::firm_step, 2)});
        check_against_philox_words({seed, 0xFFFFFFFFu, 1u << 31, 0, purpose_word(Purpose::lottery, 7)});
        // the very last counters: first + n == 2^32
        for (std::size_t n : kSizes) {
            if (n == 0) continue;
            check_against_philox_words({seed, 1, static_cast<std::uint32_t>((std::uint64_t{1} << 32) - n),
                                        2, purpose_word(Purpose::bass_quad, 1)});
        }
    }
}
