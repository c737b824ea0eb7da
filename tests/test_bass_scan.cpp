// split_by_draw against a plain loop written here: the same two lists, in order,
// for every length (vector body and tail), threshold edge (0, 2^32, values equal to
// a draw) and share of adopters.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/bass_scan.hpp"
#include "tests/test_support.hpp"

namespace greenshift {
namespace {

struct Lists {
    std::vector<std::uint16_t> kept, chosen;
};

Lists reference(const std::vector<std::uint16_t>& ids, const std::vector<std::uint32_t>& u, std::uint64_t threshold) {
    Lists r;
    for (std::size_t j = 0; j < ids.size(); ++j) (u[j] < threshold ? r.chosen : r.kept).push_back(ids[j]);
    return r;
}

TEST(BassScan, SplitsLikeAPlainLoop) {
    fixtures::XorShift next(0x2545F4914F6CDD1DULL);
    int cases = 0;
    for (std::size_t n : {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 100, 1000, 4096}) {
        for (std::uint64_t threshold : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{1} << 31,
                                        std::uint64_t{0xFFFFFFFF}, std::uint64_t{1} << 32,
                                        std::uint64_t{0x0A3D70A4}, std::uint64_t{0xE0000000}}) {
            std::vector<std::uint16_t> ids(n);
            std::vector<std::uint32_t> u(n);
            for (std::size_t j = 0; j < n; ++j) {
                ids[j] = static_cast<std::uint16_t>(next() % 4096);
                u[j] = static_cast<std::uint32_t>(next());
                if (j % 5 == 0 && threshold > 0 && threshold <= 0xFFFFFFFF)
                    u[j] = static_cast<std::uint32_t>(threshold - (j % 2));  // on and just under the edge
            }
            const Lists want = reference(ids, u, threshold);
            for (bool vector : {false, true}) {
                if (vector && !detail::has_vector_split()) continue;
                std::vector<std::uint16_t> work = ids, chosen(n + 8, 0xBEEF);
                const ScanSplit got = vector ? split_by_draw(work.data(), u.data(), n, threshold, chosen.data())
                                             : detail::split_by_draw_scalar(work.data(), u.data(), n, threshold,
                                                                            chosen.data());
                ASSERT_EQ(got.kept, want.kept.size()) << "n " << n << " threshold " << threshold;
                ASSERT_EQ(got.chosen, want.chosen.size()) << "n " << n << " threshold " << threshold;
                EXPECT_EQ(std::vector<std::uint16_t>(work.begin(), work.begin() + static_cast<std::ptrdiff_t>(got.kept)),
                          want.kept);
                EXPECT_EQ(std::vector<std::uint16_t>(chosen.begin(), chosen.begin() + static_cast<std::ptrdiff_t>(got.chosen)),
                          want.chosen);
                ++cases;
            }
        }
    }
    EXPECT_GE(cases, 13 * 7);
}

}  // namespace
}  // namespace greenshift
