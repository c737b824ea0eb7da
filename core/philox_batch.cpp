// Batched Philox4x32-10 (see philox_batch.hpp). Written from the algorithm of
// Salmon et al., "Parallel random numbers: as easy as 1, 2, 3" (SC11), with the
// constants and round order of Random123 so the words equal r123::Philox4x32's:
//   per round, with counter {c0, c1, c2, c3} and key {k0, k1}:
//     p0 = M0 * c0, p1 = M1 * c2                  (32 x 32 -> 64 bits)
//     counter = {hi(p1) ^ c1 ^ k0, lo(p1), hi(p0) ^ c3 ^ k1, lo(p0)}
//   and the key is bumped by the Weyl constants {W0, W1} between rounds
//   (the first round uses the key as given).
//
// Four code paths, same words (integer arithmetic only):
//  - portable: one counter at a time, scalar; any CPU (and the reference the
//    others are tested against, with philox_words and r123::Philox4x32).
//  - sse2 (x86-64 baseline): 2 lanes per 128-bit register, one pmuludq per product.
//  - avx2: 4 lanes per 256-bit register, one vpmuludq per product; compiled with
//    __attribute__((target("avx2"))) and taken only when the CPU has AVX2, checked
//    once at run time (__builtin_cpu_supports, as GCC's multi-versioning does).
//  - avx512: 8 lanes per 512-bit register, one vpmuludq per product, the three-way
//    xors in one vpternlogd, the rounds in which the counters of a call still share
//    words done once per call (Uniform), the output transposed in-lane and the last
//    partial group written with masked stores; compiled with
//    target("avx512f,avx512dq,avx512bw,avx512vl") and taken, in preference to avx2,
//    when the CPU has all four. On a Zen 4 (512-bit operations run as two 256-bit
//    halves) it does ~2.3x the calls per second of avx2: per 8 counters it needs
//    ~58 zmm operations for all ten rounds where avx2 needs ~150 ymm operations, and
//    with 32 vector registers its block does not spill (the avx2 block does).
//
// Why intrinsics rather than auto-vectorised loops under target_clones: with
// GCC 12 (Debian 12's compiler) structure-of-arrays loops over uint32 lanes are
// vectorised with lane-crossing shuffles (vpermq/vperm2i128) around every 32x32->64
// product, and 64-bit vector-extension lanes are multiplied with three pmuludq even
// when the high halves are zero. Measured on a Zen 4 with 1024 counters per call,
// target_clones("avx2","default") over such loops gave ~110 M calls/s (avx2 clone)
// and ~67 M (default), below the scalar philox_words loop (~135-158 M). Here each
// lane's words sit in the low half of a 64-bit slot, so one (v)pmuludq does a whole
// product and the rounds need no shuffles; the upper halves are never cleaned,
// because pmuludq reads only the low 32 bits of each slot and only the low 32 bits
// are stored.
#include "core/philox_batch.hpp"

#include <cassert>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define GREENSHIFT_PHILOX_X86 1
// GCC 12.2's AVX-512 intrinsics pass _mm512_undefined_epi32(), a self-initialised
// variable, as the unused merge source of their builtins, and -Wmaybe-uninitialized
// flags it where they are inlined (GCC bug 105593, fixed in later releases): a
// false positive, silenced for the header's own lines only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

namespace greenshift {
namespace {

constexpr std::uint32_t kM0 = 0xD2511F53u;
constexpr std::uint32_t kM1 = 0xCD9E8D57u;
constexpr std::uint32_t kW0 = 0x9E3779B9u;
constexpr std::uint32_t kW1 = 0xBB67AE85u;
constexpr int kRounds = 10;

// A block kernel computes kLanes consecutive counters {first + i, step, purpose,
// run}, i in [0, kLanes), under key {k0, k1}, writing 4 * kLanes words to out,
// counter by counter. fill() runs a kernel over [0, n), the tail through scratch.
template <std::size_t kLanes, typename Block>
[[gnu::always_inline]] inline void fill(Block block, std::uint64_t seed, std::uint32_t run,
                                        std::uint32_t first, std::uint32_t step,
                                        std::uint32_t purpose, std::size_t n, std::uint32_t* out) {
    assert(static_cast<std::uint64_t>(first) + n <= (std::uint64_t{1} << 32) &&
           "philox_fill: counters first + j must not wrap");
    const auto k0 = static_cast<std::uint32_t>(seed);
    const auto k1 = static_cast<std::uint32_t>(seed >> 32);
    std::size_t j = 0;
    for (; j + kLanes <= n; j += kLanes) {
        block(k0, k1, first + static_cast<std::uint32_t>(j), step, purpose, run, out + 4 * j);
    }
    if (j < n) {  // tail: a full block into scratch, keep the first n - j counters
        std::uint32_t tail[4 * kLanes];
        block(k0, k1, first + static_cast<std::uint32_t>(j), step, purpose, run, tail);
        std::memcpy(out + 4 * j, tail, 4 * (n - j) * sizeof(std::uint32_t));
    }
}

// --- portable: one counter at a time, scalar 32x32->64 products ------------------------
// (Several counters per block, in structure-of-arrays loops or interleaved, invite
// GCC's vectoriser or register spills and came out 1.5-3x slower than this on x86.)
constexpr std::size_t kPortableLanes = 1;

void block_portable(std::uint32_t k0, std::uint32_t k1, std::uint32_t first, std::uint32_t step,
                    std::uint32_t purpose, std::uint32_t run, std::uint32_t* out) {
    for (std::size_t i = 0; i < kPortableLanes; ++i) {
        std::uint32_t c0 = first + static_cast<std::uint32_t>(i), c1 = step, c2 = purpose,
                      c3 = run;
        std::uint32_t key0 = k0, key1 = k1;
        for (int r = 0; r < kRounds; ++r) {
            const std::uint64_t p0 = static_cast<std::uint64_t>(kM0) * c0;
            const std::uint64_t p1 = static_cast<std::uint64_t>(kM1) * c2;
            c0 = static_cast<std::uint32_t>(p1 >> 32) ^ c1 ^ key0;
            c1 = static_cast<std::uint32_t>(p1);
            c2 = static_cast<std::uint32_t>(p0 >> 32) ^ c3 ^ key1;
            c3 = static_cast<std::uint32_t>(p0);
            key0 += kW0;  // the bump after the last round is never used
            key1 += kW1;
        }
        out[4 * i + 0] = c0;
        out[4 * i + 1] = c1;
        out[4 * i + 2] = c2;
        out[4 * i + 3] = c3;
    }
}

#ifdef GREENSHIFT_PHILOX_X86
// --- sse2: kSseGroups registers of 2 lanes per counter word --------------------------
// Independent register groups per block, to hide the multiply latency; 3 was the
// fastest of 1, 2, 3, 4, 6 for both sse2 and avx2 on a Zen 4 (8% to 15% over 2).
constexpr int kSseGroups = 3;
constexpr std::size_t kSseLanes = 2 * kSseGroups;

inline __m128i set_u32(std::uint32_t v) { return _mm_set1_epi32(static_cast<int>(v)); }

void block_sse2(std::uint32_t k0, std::uint32_t k1, std::uint32_t first, std::uint32_t step,
                std::uint32_t purpose, std::uint32_t run, std::uint32_t* out) {
    // 64-bit slot s of group g holds lane 2g + s in its low 32 bits.
    __m128i c0[kSseGroups], c1[kSseGroups], c2[kSseGroups], c3[kSseGroups];
    const __m128i f = _mm_add_epi32(set_u32(first), _mm_set_epi32(0, 1, 0, 0));
    for (int g = 0; g < kSseGroups; ++g) {
        c0[g] = _mm_add_epi32(f, set_u32(2 * static_cast<std::uint32_t>(g)));
        c1[g] = set_u32(step);
        c2[g] = set_u32(purpose);
        c3[g] = set_u32(run);
    }
    const __m128i m0 = set_u32(kM0);
    const __m128i m1 = set_u32(kM1);
    for (int r = 0; r < kRounds; ++r) {
        const __m128i vk0 = set_u32(k0);
        const __m128i vk1 = set_u32(k1);
        for (int g = 0; g < kSseGroups; ++g) {
            const __m128i p0 = _mm_mul_epu32(c0[g], m0);
            const __m128i p1 = _mm_mul_epu32(c2[g], m1);
            c0[g] = _mm_xor_si128(_mm_xor_si128(_mm_srli_epi64(p1, 32), c1[g]), vk0);
            c1[g] = p1;
            c2[g] = _mm_xor_si128(_mm_xor_si128(_mm_srli_epi64(p0, 32), c3[g]), vk1);
            c3[g] = p0;
        }
        k0 += kW0;
        k1 += kW1;
    }
    for (int g = 0; g < kSseGroups; ++g) {
        const __m128i lo01 = _mm_unpacklo_epi32(c0[g], c1[g]);  // c0 c1 of lane 2g, junk
        const __m128i hi01 = _mm_unpackhi_epi32(c0[g], c1[g]);  // c0 c1 of lane 2g+1, junk
        const __m128i lo23 = _mm_unpacklo_epi32(c2[g], c3[g]);
        const __m128i hi23 = _mm_unpackhi_epi32(c2[g], c3[g]);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 8 * g), _mm_unpacklo_epi64(lo01, lo23));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 8 * g + 4),
                         _mm_unpacklo_epi64(hi01, hi23));
    }
}

// --- avx2: kAvxGroups registers of 4 lanes per counter word --------------------------
constexpr int kAvxGroups = 3;
constexpr std::size_t kAvxLanes = 4 * kAvxGroups;

__attribute__((target("avx2"))) inline __m256i set8_u32(std::uint32_t v) {
    return _mm256_set1_epi32(static_cast<int>(v));
}

__attribute__((target("avx2"))) void block_avx2(std::uint32_t k0, std::uint32_t k1,
                                                 std::uint32_t first, std::uint32_t step,
                                                 std::uint32_t purpose, std::uint32_t run,
                                                 std::uint32_t* out) {
    // 64-bit slot s of group g holds lane 4g + s in its low 32 bits.
    __m256i c0[kAvxGroups], c1[kAvxGroups], c2[kAvxGroups], c3[kAvxGroups];
    const __m256i f = _mm256_add_epi32(set8_u32(first), _mm256_set_epi32(0, 3, 0, 2, 0, 1, 0, 0));
    for (int g = 0; g < kAvxGroups; ++g) {
        c0[g] = _mm256_add_epi32(f, set8_u32(4 * static_cast<std::uint32_t>(g)));
        c1[g] = set8_u32(step);
        c2[g] = set8_u32(purpose);
        c3[g] = set8_u32(run);
    }
    const __m256i m0 = set8_u32(kM0);
    const __m256i m1 = set8_u32(kM1);
    for (int r = 0; r < kRounds; ++r) {
        const __m256i vk0 = set8_u32(k0);
        const __m256i vk1 = set8_u32(k1);
        for (int g = 0; g < kAvxGroups; ++g) {
            const __m256i p0 = _mm256_mul_epu32(c0[g], m0);
            const __m256i p1 = _mm256_mul_epu32(c2[g], m1);
            c0[g] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), c1[g]), vk0);
            c1[g] = p1;
            c2[g] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), c3[g]), vk1);
            c3[g] = p0;
        }
        k0 += kW0;
        k1 += kW1;
    }
    for (int g = 0; g < kAvxGroups; ++g) {
        // Per 128-bit half: lo = lane 4g (4g+2), hi = lane 4g+1 (4g+3).
        const __m256i lo = _mm256_unpacklo_epi64(_mm256_unpacklo_epi32(c0[g], c1[g]),
                                                 _mm256_unpacklo_epi32(c2[g], c3[g]));
        const __m256i hi = _mm256_unpacklo_epi64(_mm256_unpackhi_epi32(c0[g], c1[g]),
                                                 _mm256_unpackhi_epi32(c2[g], c3[g]));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 16 * g),
                            _mm256_permute2x128_si256(lo, hi, 0x20));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 16 * g + 8),
                            _mm256_permute2x128_si256(lo, hi, 0x31));
    }
}

// The counters of one call differ only in c0. Writing {c0_r, c1_r, c2_r, c3_r} for
// the counter after round r, c0_1 and c1_1 are then the same for all of them, and so
// is c3_2; the SIMD kernels take the round keys and these shared values from here
// (integer identities, so the words are unchanged).
struct Uniform {
    std::uint32_t k0[kRounds], k1[kRounds];  // the key in each round
    std::uint32_t a0;  // round 0: c2_1 = hi(M0 * c0) ^ a0, c3_1 = lo(M0 * c0)
    std::uint32_t b0;  // round 1: c0_2 = hi(M1 * c2_1) ^ b0, c1_2 = lo(M1 * c2_1)
    std::uint32_t b1;  //          c2_2 = c3_1 ^ b1
    std::uint32_t b2;  // round 2: c2_3 = hi(M0 * c0_2) ^ b2 (= ... ^ c3_2 ^ key)
};

inline Uniform uniform(std::uint64_t seed, std::uint32_t run, std::uint32_t step,
                       std::uint32_t purpose) {
    Uniform u{};
    u.k0[0] = static_cast<std::uint32_t>(seed);
    u.k1[0] = static_cast<std::uint32_t>(seed >> 32);
    for (int r = 1; r < kRounds; ++r) {
        u.k0[r] = u.k0[r - 1] + kW0;
        u.k1[r] = u.k1[r - 1] + kW1;
    }
    const std::uint64_t p1 = static_cast<std::uint64_t>(kM1) * purpose;  // round 0
    const std::uint32_t c0_1 = static_cast<std::uint32_t>(p1 >> 32) ^ step ^ u.k0[0];
    const auto c1_1 = static_cast<std::uint32_t>(p1);
    u.a0 = run ^ u.k1[0];
    const std::uint64_t p0 = static_cast<std::uint64_t>(kM0) * c0_1;  // round 1
    u.b0 = c1_1 ^ u.k0[1];
    u.b1 = static_cast<std::uint32_t>(p0 >> 32) ^ u.k1[1];
    u.b2 = static_cast<std::uint32_t>(p0) ^ u.k1[2];  // c3_2 ^ round 2's key
    return u;
}

// --- avx512: kAvx512Groups registers of 8 lanes per counter word ---------------------
#define GREENSHIFT_AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl")))
constexpr int kAvx512Groups = 4;
constexpr std::size_t kAvx512Lanes = 8 * kAvx512Groups;

GREENSHIFT_AVX512 inline __m512i set16_u32(std::uint32_t v) {
    return _mm512_set1_epi32(static_cast<int>(v));
}

// G groups of 8 counters {first + 8g + i, step, purpose, run}, given by their round-0
// products prod0[g] = M0 * (first + 8g + i) (first_products); with kPartial only the
// first `last` (1..8) counters of the last group are stored (masked stores).
// Lane i of a group sits in 64-bit slot {0, 2, 4, 6, 1, 3, 5, 7}[i], so that the
// in-lane unpacks at the end put the counters in order without lane crossing.
template <int G, bool kPartial>
[[gnu::always_inline]] GREENSHIFT_AVX512 inline void block_avx512(const Uniform& u,
                                                                   const __m512i* prod0,
                                                                   std::uint32_t* out,
                                                                   unsigned last) {
    const __m512i m0 = set16_u32(kM0);
    const __m512i m1 = set16_u32(kM1);
    constexpr int kXor3 = 0x96;  // a ^ b ^ c
    __m512i c0[G], c1[G], c2[G], c3[G];
    // round 0: only c0 differs between counters
    for (int g = 0; g < G; ++g) {
        const __m512i p0 = prod0[g];
        c2[g] = _mm512_xor_si512(_mm512_srli_epi64(p0, 32), set16_u32(u.a0));
        c3[g] = p0;
    }
    // round 1: c0 and c1 are the same for every counter
    for (int g = 0; g < G; ++g) {
        const __m512i p1 = _mm512_mul_epu32(c2[g], m1);
        c0[g] = _mm512_xor_si512(_mm512_srli_epi64(p1, 32), set16_u32(u.b0));
        c1[g] = p1;
        c2[g] = _mm512_xor_si512(c3[g], set16_u32(u.b1));
    }
    // round 2: c3 is the same for every counter
    for (int g = 0; g < G; ++g) {
        const __m512i p0 = _mm512_mul_epu32(c0[g], m0);
        const __m512i p1 = _mm512_mul_epu32(c2[g], m1);
        c0[g] = _mm512_ternarylogic_epi32(_mm512_srli_epi64(p1, 32), c1[g], set16_u32(u.k0[2]), kXor3);
        c1[g] = p1;
        c2[g] = _mm512_xor_si512(_mm512_srli_epi64(p0, 32), set16_u32(u.b2));
        c3[g] = p0;
    }
    for (int r = 3; r < kRounds - 1; ++r) {
        for (int g = 0; g < G; ++g) {
            const __m512i p0 = _mm512_mul_epu32(c0[g], m0);
            const __m512i p1 = _mm512_mul_epu32(c2[g], m1);
            c0[g] = _mm512_ternarylogic_epi32(_mm512_srli_epi64(p1, 32), c1[g], set16_u32(u.k0[r]), kXor3);
            c1[g] = p1;
            c2[g] = _mm512_ternarylogic_epi32(_mm512_srli_epi64(p0, 32), c3[g], set16_u32(u.k1[r]), kXor3);
            c3[g] = p0;
        }
    }
    // last round: rotating each product by 32 bits puts hi(p) in the low half (where
    // it is xored into the new c0 / c2) and lo(p) in the high half (the new c1 / c3),
    // so each slot ends as {c0, c1} or {c2, c3} of one counter.
    for (int g = 0; g < G; ++g) {
        const __m512i r1 = _mm512_ror_epi64(_mm512_mul_epu32(c2[g], m1), 32);
        const __m512i r0 = _mm512_ror_epi64(_mm512_mul_epu32(c0[g], m0), 32);
        const __m512i q01 = _mm512_mask_ternarylogic_epi32(r1, 0x5555, c1[g], set16_u32(u.k0[kRounds - 1]), kXor3);
        const __m512i q23 = _mm512_mask_ternarylogic_epi32(r0, 0x5555, c3[g], set16_u32(u.k1[kRounds - 1]), kXor3);
        const __m512i lo = _mm512_unpacklo_epi64(q01, q23);  // counters 0..3 of the group
        const __m512i hi = _mm512_unpackhi_epi64(q01, q23);  // counters 4..7
        std::uint32_t* const o = out + 32 * g;
        if (kPartial && g == G - 1) {
            const unsigned lo_n = last < 4 ? last : 4;
            _mm512_mask_storeu_epi32(o, static_cast<__mmask16>((1u << (4 * lo_n)) - 1), lo);
            _mm512_mask_storeu_epi32(o + 16, static_cast<__mmask16>((1u << (4 * (last - lo_n))) - 1), hi);
        } else {
            _mm512_storeu_si512(o, lo);
            _mm512_storeu_si512(o + 16, hi);
        }
    }
}

// M0 * (first + 8g + i) for the counters of block_avx512<G>, in its slots (exact:
// 32 x 32 -> 64 bits).
template <int G>
[[gnu::always_inline]] GREENSHIFT_AVX512 inline void first_products(std::uint32_t first,
                                                                    __m512i* prod0) {
    const __m512i f = _mm512_add_epi64(_mm512_set1_epi64(first), _mm512_set_epi64(7, 3, 6, 2, 5, 1, 4, 0));
    for (int g = 0; g < G; ++g) {
        prod0[g] = _mm512_mul_epu32(_mm512_add_epi64(f, _mm512_set1_epi64(8 * g)), set16_u32(kM0));
    }
}

// block_avx512<groups, true> for groups in [1, G].
template <int G>
[[gnu::always_inline]] GREENSHIFT_AVX512 inline void tail_avx512(unsigned groups, const Uniform& u,
                                                                  std::uint32_t first,
                                                                  std::uint32_t* out, unsigned last) {
    if constexpr (G > 1) {
        if (groups < G) return tail_avx512<G - 1>(groups, u, first, out, last);
    }
    __m512i prod0[G];
    first_products<G>(first, prod0);
    block_avx512<G, true>(u, prod0, out, last);
}

GREENSHIFT_AVX512 void fill_avx512(std::uint64_t seed, std::uint32_t run, std::uint32_t first,
                                   std::uint32_t step, std::uint32_t purpose, std::size_t n,
                                   std::uint32_t* out) {
    assert(static_cast<std::uint64_t>(first) + n <= (std::uint64_t{1} << 32) &&
           "philox_fill: counters first + j must not wrap");
    const Uniform u = uniform(seed, run, step, purpose);
    std::size_t j = 0;
    // Whole blocks, except that a remainder of one group or less goes with the block
    // before it (G + 1 groups at once: a lone group is bound by the latency of the
    // rounds). Merging larger remainders (G + 2 or more groups at once) measured no
    // better on a Zen 4.
    std::size_t full = n / kAvx512Lanes;
    const std::size_t part = n % kAvx512Lanes;
    if (full > 0 && part != 0 && part <= 8) --full;
    if (full > 0) {
        // the round-0 products of the next block: + M0 * kAvx512Lanes (no wrap, so exact)
        __m512i prod0[kAvx512Groups];
        first_products<kAvx512Groups>(first, prod0);
        const __m512i step0 = _mm512_set1_epi64(static_cast<std::int64_t>(std::uint64_t{kM0} * kAvx512Lanes));
        for (std::size_t b = 0; b < full; ++b, j += kAvx512Lanes) {
            block_avx512<kAvx512Groups, false>(u, prod0, out + 4 * j, 0);
            for (int g = 0; g < kAvx512Groups; ++g) prod0[g] = _mm512_add_epi64(prod0[g], step0);
        }
    }
    if (j == n) return;
    // the rest: as many groups as needed, the last one stored in part
    const auto rest = static_cast<unsigned>(n - j);
    const unsigned groups = (rest + 7) / 8, last = rest - 8 * (groups - 1);
    tail_avx512<kAvx512Groups + 1>(groups, u, first + static_cast<std::uint32_t>(j), out + 4 * j, last);
}

bool cpu_has_avx512() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
}

void fill_sse2(std::uint64_t seed, std::uint32_t run, std::uint32_t first, std::uint32_t step,
               std::uint32_t purpose, std::size_t n, std::uint32_t* out) {
    fill<kSseLanes>(block_sse2, seed, run, first, step, purpose, n, out);
}

__attribute__((target("avx2"))) void fill_avx2(std::uint64_t seed, std::uint32_t run,
                                                std::uint32_t first, std::uint32_t step,
                                                std::uint32_t purpose, std::size_t n,
                                                std::uint32_t* out) {
    fill<kAvxLanes>(block_avx2, seed, run, first, step, purpose, n, out);
}

bool cpu_has_avx2() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
}
#endif  // GREENSHIFT_PHILOX_X86

void fill_portable(std::uint64_t seed, std::uint32_t run, std::uint32_t first, std::uint32_t step,
                   std::uint32_t purpose, std::size_t n, std::uint32_t* out) {
    fill<kPortableLanes>(block_portable, seed, run, first, step, purpose, n, out);
}

using FillFn = void (*)(std::uint64_t, std::uint32_t, std::uint32_t, std::uint32_t,
                        std::uint32_t, std::size_t, std::uint32_t*);

FillFn fill_for(PhiloxPath path) {
    switch (path) {
        case PhiloxPath::portable: return fill_portable;
#ifdef GREENSHIFT_PHILOX_X86
        case PhiloxPath::sse2: return fill_sse2;
        case PhiloxPath::avx2: return cpu_has_avx2() ? fill_avx2 : nullptr;
        case PhiloxPath::avx512: return cpu_has_avx512() ? fill_avx512 : nullptr;
#else
        case PhiloxPath::sse2:
        case PhiloxPath::avx2:
        case PhiloxPath::avx512: return nullptr;
#endif
    }
    return nullptr;
}

PhiloxPath best_path() {
#ifdef GREENSHIFT_PHILOX_X86
    if (cpu_has_avx512()) return PhiloxPath::avx512;
    return cpu_has_avx2() ? PhiloxPath::avx2 : PhiloxPath::sse2;
#else
    return PhiloxPath::portable;
#endif
}

}  // namespace

void philox_fill(std::uint64_t seed, std::uint32_t run, std::uint32_t first, std::uint32_t step,
                 std::uint32_t purpose, std::size_t n, std::uint32_t* out) {
    static const FillFn chosen = fill_for(best_path());  // once, thread-safe
    chosen(seed, run, first, step, purpose, n, out);
}

PhiloxPath philox_fill_path() {
    static const PhiloxPath chosen = best_path();
    return chosen;
}

const char* philox_path_name(PhiloxPath path) {
    switch (path) {
        case PhiloxPath::portable: return "portable";
        case PhiloxPath::sse2: return "sse2";
        case PhiloxPath::avx2: return "avx2";
        case PhiloxPath::avx512: return "avx512";
    }
    return "?";
}

namespace detail {
bool philox_fill_with(PhiloxPath path, std::uint64_t seed, std::uint32_t run,
                      std::uint32_t first, std::uint32_t step, std::uint32_t purpose,
                      std::size_t n, std::uint32_t* out) {
    const FillFn fn = fill_for(path);
    if (fn == nullptr) return false;
    fn(seed, run, first, step, purpose, n, out);
    return true;
}
}  // namespace detail

}  // namespace greenshift
