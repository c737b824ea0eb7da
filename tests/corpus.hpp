// The bad-input corpora (tests/bad_scenarios, tests/bad_batches): each <case>.yaml
// has a <case>.expect saying where the error must point and what it must say.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "io/input_error.hpp"

namespace greenshift::corpus {

// `where: line:col` (or `none` when the error has no position, `any` when only the
// presence of one is checked), optional `max_memory: bytes`, and one
// `message: fragment` line per fragment the error must contain.
struct Expectation {
    std::string where;
    std::uint64_t max_memory = 0;
    std::vector<std::string> fragments;
};

Expectation read_expect(const std::filesystem::path& file);

// The case names (stems of the .yaml files) of a corpus folder, sorted.
std::vector<std::string> cases(const std::filesystem::path& dir);

// Checks the error raised for `yaml` against `want` (gtest assertions): the file,
// every fragment, the position, and the `file:line:col: ` prefix `main` prints.
void check_refusal(const InputError& e, const std::filesystem::path& yaml, const Expectation& want);

}  // namespace greenshift::corpus
