// Batched Philox4x32-10: many consecutive counters per call, bitwise identical to
// philox_words (core/rng.hpp) but computed several lanes at a time in SIMD
// registers: 8 lanes per AVX-512 instruction when the CPU has AVX-512 F/DQ/BW/VL,
// else 4 per AVX2 instruction when it has AVX2 (checked once at run time; the
// project builds for baseline x86-64), 2 per SSE2 instruction otherwise, plain
// loops on other architectures. Integer arithmetic only: the words do not depend
// on which code path ran.
#pragma once

#include <cstddef>
#include <cstdint>

namespace greenshift {

// out[4*j + w] = philox_words(seed, run, first + j, step, purpose)[w] for j in [0, n).
// out must hold 4*n words. Precondition (asserted in debug builds): the counters do
// not wrap, i.e. first + n <= 2^32. n == 0 writes nothing.
void philox_fill(std::uint64_t seed, std::uint32_t run, std::uint32_t first, std::uint32_t step,
                 std::uint32_t purpose, std::size_t n, std::uint32_t* out);

enum class PhiloxPath { portable, sse2, avx2, avx512 };

// The code path philox_fill takes on this machine (the first of avx512, avx2, sse2,
// portable that this build and CPU have), and a name for it ("portable", "sse2",
// "avx2", "avx512"), e.g. for benchmark labels.
PhiloxPath philox_fill_path();
const char* philox_path_name(PhiloxPath path);

namespace detail {
// philox_fill through a given code path, for tests and benchmarks: false (and
// nothing written) if this build or CPU lacks that path.
bool philox_fill_with(PhiloxPath path, std::uint64_t seed, std::uint32_t run,
                      std::uint32_t first, std::uint32_t step, std::uint32_t purpose,
                      std::size_t n, std::uint32_t* out);
}  // namespace detail

}  // namespace greenshift
