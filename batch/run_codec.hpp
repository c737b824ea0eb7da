// A compact binary form of a RunResult, so that a run computed on one MPI rank
// reaches the rank that writes it unchanged, bit for bit (doubles are copied, never
// printed). Both ends are the same program on the same kind of machine; the header
// checks the format version and the byte order anyway.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/results.hpp"

namespace greenshift {

// Appends `result` to `out`.
void encode_run(const RunResult& result, std::vector<std::byte>& out);

// Reads back what encode_run wrote, from `data[0, size)`; throws std::runtime_error
// on anything truncated, oversized or of another format.
RunResult decode_run(const std::byte* data, std::size_t size);

}  // namespace greenshift
