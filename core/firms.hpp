// Firm state as a structure of arrays of compact columns. Firms are numbered
// sector by sector, and inside a sector by size class, so a sector's firms are one
// contiguous range; the firm number is also the random-number counter.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "core/scenario.hpp"

namespace greenshift {

namespace firm_flag {
inline constexpr std::uint8_t credit = 1u << 0;       // has access to credit
inline constexpr std::uint8_t high_growth = 1u << 1;  // label candidate (TPME only)
inline constexpr std::uint8_t labelled = 1u << 2;     // holds the TPME label
inline constexpr std::uint8_t assisted = 1u << 3;     // received technical assistance
}  // namespace firm_flag

namespace tech_status {
inline constexpr std::uint8_t aware = 1u << 0;
}
inline constexpr std::uint16_t kNotAdopted = 0xFFFF;
// The technology does not fit the firm (technical potential): it never adopts it. The
// value reads as equipment installed in the future, so "in service" tests skip it.
inline constexpr std::uint16_t kInfeasible = 0xFFFE;

struct FirmArrays {
    std::uint64_t first = 0;  // global number of the first firm held here (runs split over ranks)
    std::uint64_t count = 0;  // firms held here
    int technologies = 0;
    std::vector<std::uint16_t> sector;
    std::vector<std::uint8_t> size_class;
    std::vector<std::uint8_t> flags;
    std::vector<float> output;      // MAD/yr at the start year
    std::vector<float> intensity;   // firm factor on the sector's energy intensities (mean 1)
    std::vector<std::uint8_t> status;        // [firm * technologies + tech]
    // [firm * technologies + tech]: the step of adoption + step_offset, kNotAdopted if
    // none, kInfeasible if never. The offset leaves room for the installed base, whose
    // equipment was installed up to step_offset steps before the start.
    std::vector<std::uint16_t> adopted_step;
    int step_offset = 0;

    // `firm` is a local index (global number - first)
    std::size_t at(std::uint64_t firm, int tech) const {
        return static_cast<std::size_t>(firm) * static_cast<std::size_t>(technologies) +
               static_cast<std::size_t>(tech);
    }
    // Bytes of state per firm, the figure bytes_per_firm() reports.
    static std::uint64_t state_bytes(int technologies) {
        return sizeof(std::uint16_t) + 2 * sizeof(std::uint8_t) + 2 * sizeof(float) +
               static_cast<std::uint64_t>(technologies) * (1 + sizeof(std::uint16_t));
    }
};

// First firm number of each (sector, size class), plus the total at the end:
// firms of (s, z) are [offsets[s*4+z], offsets[s*4+z+1]).
std::vector<std::uint64_t> firm_offsets(const Scenario& s);

// Draws firms [first, first + count) (global numbers) from their sectors'
// distributions; parallel over firms and bitwise independent of the thread count
// and of how firms are split. Default: every firm. For each technology, a cell's
// firms are put in a random order (core/permutation.hpp): the first
// round(technical_potential x n) are feasible, the first round(installed_base x n)
// equipped at the start, each with an age of 1 to installed_base_max_age years (in
// whole steps, uniform).
FirmArrays generate_firms(const Scenario& s, std::uint64_t first = 0, std::uint64_t count = ~std::uint64_t{0});

// The populations recently drawn, for runs that draw the same firms again: the
// variants of one sample, the rows of a sensitivity design (one seed for all) or a
// calibration's evaluations. Two scenarios draw the same firms when their seed, run
// index, steps per year, firm counts, size distributions, technical potentials and
// installed bases are equal; credit access and the high-growth share only set flags,
// applied to each copy. firms() returns exactly what generate_firms would; it may be
// called from several threads at once. Keeps the `capacity` most recently used, in
// at most `max_bytes` (a population larger than that is drawn each time).
class PopulationCache {
public:
    explicit PopulationCache(std::size_t capacity = 8, std::uint64_t max_bytes = std::uint64_t{256} << 20);
    ~PopulationCache();
    PopulationCache(const PopulationCache&) = delete;
    PopulationCache& operator=(const PopulationCache&) = delete;

    FirmArrays firms(const Scenario& s, std::uint64_t first = 0, std::uint64_t count = ~std::uint64_t{0});
    std::uint64_t hits() const;
    std::uint64_t misses() const;

private:
    struct Entry;
    std::size_t capacity_;
    std::uint64_t max_bytes_, bytes_ = 0;
    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<const Entry>> entries_;
    std::uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace greenshift
