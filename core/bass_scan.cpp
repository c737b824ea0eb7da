#include "core/bass_scan.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define GREENSHIFT_SCAN_AVX2 1
#endif

namespace greenshift {

namespace detail {

ScanSplit split_by_draw_scalar(std::uint16_t* ids, const std::uint32_t* u, std::size_t n,
                               std::uint64_t threshold, std::uint16_t* chosen) {
    ScanSplit out;
    for (std::size_t j = 0; j < n; ++j) {
        const std::uint16_t i = ids[j];
        const bool adopts = u[j] < threshold;
        ids[out.kept] = i;
        chosen[out.chosen] = i;
        out.kept += adopts ? 0 : 1;
        out.chosen += adopts ? 1 : 0;
    }
    return out;
}

}  // namespace detail

#ifdef GREENSHIFT_SCAN_AVX2
namespace {

// pack[m]: the byte shuffle that moves the 16-bit lanes whose bit is set in m to
// the front, in lane order.
constexpr std::array<std::array<std::uint8_t, 16>, 256> make_pack() {
    std::array<std::array<std::uint8_t, 16>, 256> t{};
    for (unsigned m = 0; m < 256; ++m) {
        unsigned at = 0;
        for (unsigned lane = 0; lane < 8; ++lane)
            if (m & (1u << lane)) {
                t[m][at++] = static_cast<std::uint8_t>(2 * lane);
                t[m][at++] = static_cast<std::uint8_t>(2 * lane + 1);
            }
        while (at < 16) t[m][at++] = 0x80;
    }
    return t;
}
alignas(16) constexpr auto kPack = make_pack();

__attribute__((target("avx2,popcnt"))) ScanSplit split_avx2(std::uint16_t* ids, const std::uint32_t* u,
                                                             std::size_t n, std::uint32_t threshold,
                                                             std::uint16_t* chosen) {
    // u < threshold, unsigned, as a signed compare of both shifted by 2^31
    const __m256i bias = _mm256_set1_epi32(static_cast<int>(0x80000000u));
    const __m256i limit = _mm256_set1_epi32(static_cast<int>(threshold ^ 0x80000000u));
    std::size_t kept = 0, picked = 0, j = 0;
    for (; j + 8 <= n; j += 8) {
        const __m256i w = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(u + j)), bias);
        const auto mask = static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(limit, w))));
        const __m128i id = _mm_loadu_si128(reinterpret_cast<const __m128i*>(ids + j));
        const __m128i stay = _mm_shuffle_epi8(id, _mm_load_si128(reinterpret_cast<const __m128i*>(kPack[mask ^ 0xFFu].data())));
        const __m128i go = _mm_shuffle_epi8(id, _mm_load_si128(reinterpret_cast<const __m128i*>(kPack[mask].data())));
        // kept <= j: these 8 stores only overwrite entries already loaded
        _mm_storeu_si128(reinterpret_cast<__m128i*>(ids + kept), stay);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(chosen + picked), go);
        const auto k = static_cast<std::size_t>(__builtin_popcount(mask));
        picked += k;
        kept += 8 - k;
    }
    const ScanSplit tail = detail::split_by_draw_scalar(ids + j, u + j, n - j, threshold, chosen + picked);
    if (kept != j) std::memmove(ids + kept, ids + j, tail.kept * sizeof *ids);
    return {kept + tail.kept, picked + tail.chosen};
}

}  // namespace
#endif

bool detail::has_vector_split() {
#ifdef GREENSHIFT_SCAN_AVX2
    static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
    return avx2;
#else
    return false;
#endif
}

ScanSplit split_by_draw(std::uint16_t* ids, const std::uint32_t* u, std::size_t n, std::uint64_t threshold,
                        std::uint16_t* chosen) {
    if (n == 0) return {};  // (ids may then be null: no memcpy)
    if (threshold == 0) return {n, 0};
    if (threshold > 0xFFFFFFFFu) {  // every draw is below
        std::memcpy(chosen, ids, n * sizeof *ids);
        return {0, n};
    }
#ifdef GREENSHIFT_SCAN_AVX2
    if (detail::has_vector_split())
        return split_avx2(ids, u, n, static_cast<std::uint32_t>(threshold), chosen);
#endif
    return detail::split_by_draw_scalar(ids, u, n, threshold, chosen);
}

}  // namespace greenshift
