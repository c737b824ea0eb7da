// Refuses a scenario whose firms would not fit in memory, before anything is
// allocated: a typo of three zeros in a firm count should be an error message, not
// a machine brought down by swapping or the OOM killer.
#pragma once

#include "core/scenario.hpp"

#include <cstdint>
#include <string>

namespace greenshift {

// Memory the system could give this process now: MemAvailable from /proc/meminfo,
// else the free physical pages; 0 when neither is known.
std::uint64_t available_memory_bytes();

// Bytes a run of `s` needs for its firms: firms x bytes_per_firm(s), plus a margin
// for the rest of the process. Saturates at UINT64_MAX instead of wrapping.
std::uint64_t required_memory_bytes(const Scenario& s);

// Throws InputError (for `file`, no position) when required_memory_bytes(s) exceeds
// max_bytes, naming the firm count, the bytes needed, the limit and the way out.
void check_fits_in_memory(const Scenario& s, std::uint64_t max_bytes, const std::string& file);

}  // namespace greenshift
