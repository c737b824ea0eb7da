// Scenarios built in C++ for the model tests, so that they do not depend on the
// YAML loader, and helpers to compare whole results.
#pragma once

#include <cstdint>
#include <string>

#include "core/results.hpp"
#include "core/scenario.hpp"

namespace greenshift::fixtures {

// One sector, one technology, decision rule bass.
Scenario bass_scenario(std::uint64_t firms, double p, double q, int steps_per_year, int years);

// Two sectors, three technologies (one on heat with extra electricity), every kind
// of policy switched on; `firms_per_class` firms in each (sector, size class).
Scenario full_scenario(std::uint64_t firms_per_class);

// full_scenario with what issue 13 added: intensity by size class, technical
// potential, an installed base, transaction costs, a largest project, a credit line
// with a lending envelope and a grant tied to it, caps per firm, an audit compliance
// curve on some technologies and instrument costs.
Scenario fidelity_scenario(std::uint64_t firms_per_class);

// Same economy without any policy.
Scenario without_policies(Scenario s);

// Empty string when every variable and coordinate is bitwise equal, else the first
// difference found.
std::string bitwise_difference(const RunResult& a, const RunResult& b);

// Sum of a variable over everything but the first `keep` dimensions' indices given.
double total(const RunResult& r, const std::string& name);

// A fixed stream of 64-bit words (xorshift64) for test inputs; not the model's generator.
class XorShift {
public:
    explicit XorShift(std::uint64_t seed) : x_(seed) {}
    std::uint64_t operator()() {
        x_ ^= x_ << 13;
        x_ ^= x_ >> 7;
        x_ ^= x_ << 17;
        return x_;
    }

private:
    std::uint64_t x_;
};

}  // namespace greenshift::fixtures
