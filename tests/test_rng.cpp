#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <set>

#include "core/rng.hpp"

using namespace greenshift;

TEST(Rng, PhiloxMatchesThePublishedKnownAnswer) {
    // Random123's known-answer vector for Philox4x32-10, zero key and counter.
    const auto w = philox_words(0, 0, 0, 0, 0);
    EXPECT_EQ(w[0], 0x6627e8d5u);
    EXPECT_EQ(w[1], 0xe169c58du);
    EXPECT_EQ(w[2], 0xbc57ac4cu);
    EXPECT_EQ(w[3], 0x9b00dbd8u);
}

TEST(Rng, DrawsArePureFunctionsOfTheirKey) {
    const auto a = philox_words(123456789012345ULL, 3, 77, 5, purpose_word(Purpose::firm_step, 2));
    const auto b = philox_words(123456789012345ULL, 3, 77, 5, purpose_word(Purpose::firm_step, 2));
    EXPECT_EQ(a, b);
    std::set<std::array<std::uint32_t, 4>> seen{a};
    seen.insert(philox_words(123456789012346ULL, 3, 77, 5, purpose_word(Purpose::firm_step, 2)));
    seen.insert(philox_words(123456789012345ULL, 4, 77, 5, purpose_word(Purpose::firm_step, 2)));
    seen.insert(philox_words(123456789012345ULL, 3, 78, 5, purpose_word(Purpose::firm_step, 2)));
    seen.insert(philox_words(123456789012345ULL, 3, 77, 6, purpose_word(Purpose::firm_step, 2)));
    seen.insert(philox_words(123456789012345ULL, 3, 77, 5, purpose_word(Purpose::firm_step, 3)));
    seen.insert(philox_words(123456789012345ULL, 3, 77, 5, purpose_word(Purpose::label, 2)));
    EXPECT_EQ(seen.size(), 7u);
}

TEST(Rng, UniformsAreInTheOpenIntervalAndEvenlySpread) {
    EXPECT_GT(u01(0), 0.0);
    EXPECT_LT(u01(0xFFFFFFFFu), 1.0);
    // chi-square over 20 bins, 200,000 draws; 99.9% quantile of chi2(19) is 43.8
    constexpr int bins = 20, n = 200000;
    std::array<int, bins> counts{};
    for (std::uint32_t i = 0; i < n / 4; ++i) {
        for (auto w : philox_words(9, 0, i, 0, 1)) ++counts[static_cast<std::size_t>(u01(w) * bins)];
    }
    double chi2 = 0;
    for (int c : counts) chi2 += (c - n / bins) * (c - n / bins) / double(n / bins);
    EXPECT_LT(chi2, 43.8);
}
