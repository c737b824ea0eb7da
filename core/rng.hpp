// Counter-based random numbers: every draw is a pure function of
// (seed, run, firm, step, purpose), so results do not depend on how firms are
// spread over threads or ranks, nor on the order in which they are visited.
#pragma once

#include <Random123/philox.h>

#include <array>
#include <cstdint>

namespace greenshift {

enum class Purpose : std::uint32_t {
    firm_init = 1,   // output, intensity, credit access, high growth
    firm_step = 2,   // per (firm, pair of technologies, step): awareness and decision
    lottery = 5,     // per (firm, technology, step): an applicant's place in a lottery
    bass_quad = 6,   // bass mode, per (block x 1024 + call, technology, step): four open firms a call
    label = 3,       // TPME label selection key
    assist = 4,      // technical assistance selection key
    feasibility = 7, // per (cell, technology): the key of the cell's random order (potential, installed base)
    installed_age = 8,  // per (firm, technology): the age of installed-base equipment
    audit = 9,       // per (firm, audit mandate): where on the compliance curve the firm complies
};

inline constexpr std::uint32_t kInitStep = 0xFFFFFFFFu;

// Four independent 32-bit words from one Philox4x32-10 call.
inline std::array<std::uint32_t, 4> philox_words(std::uint64_t seed, std::uint32_t run,
                                                 std::uint32_t firm, std::uint32_t step,
                                                 std::uint32_t purpose) {
    r123::Philox4x32 gen;
    r123::Philox4x32::key_type key = {{static_cast<std::uint32_t>(seed),
                                       static_cast<std::uint32_t>(seed >> 32)}};
    r123::Philox4x32::ctr_type ctr = {{firm, step, purpose, run}};
    const auto r = gen(ctr, key);
    return {r[0], r[1], r[2], r[3]};
}

// Purpose word for a (purpose, technology) pair: the technology index lives above
// the purpose code so the two never collide.
constexpr std::uint32_t purpose_word(Purpose p, std::uint32_t technology = 0) {
    return static_cast<std::uint32_t>(p) | (technology << 8);
}

// Uniform in the open interval (0, 1): never 0 (log-safe), never 1.
constexpr double u01(std::uint32_t w) { return (static_cast<double>(w) + 0.5) * 0x1p-32; }

constexpr std::uint64_t key64(std::uint32_t hi, std::uint32_t lo) {
    return (static_cast<std::uint64_t>(hi) << 32) | lo;
}

}  // namespace greenshift
