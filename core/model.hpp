// One simulation run: owns its frozen scenario, its firms and its recorder. Two
// Models side by side in one process are independent (no global state).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/communicator.hpp"
#include "core/firms.hpp"
#include "core/results.hpp"
#include "core/scenario.hpp"

namespace greenshift {

// Firms are processed in blocks of this many, always the same whatever the thread
// count; floating-point sums are taken block by block in block order, so totals are
// bitwise identical for any number of threads.
inline constexpr std::uint64_t kFirmBlock = 4096;

// Where a run's step time goes, phase by phase (Model::phase_times).
enum class Phase { tables, yearly, firm_pass, budgets, settle, records };
inline constexpr std::size_t kPhases = 6;
struct PhaseTime {
    std::string name;
    double seconds = 0;
    bool parallel = false;  // spread over the threads (OpenMP); else one thread
};

class Model {
public:
    // With a communicator of several ranks, this rank holds only its blocks of firms
    // (firms() is that slice) and every aggregate is combined across ranks; every
    // rank ends with the same, complete results. nullptr = one process.
    explicit Model(Scenario scenario, Communicator* communicator = nullptr);
    ~Model();
    Model(Model&&) noexcept;
    Model& operator=(Model&&) noexcept;
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;

    const Scenario& scenario() const;
    const FirmArrays& firms() const;
    int steps() const;
    int steps_done() const;
    bool done() const { return steps_done() >= steps(); }

    void step();                 // advance one step and record its aggregates
    RunResult result() const;    // every recorded variable, with coordinates
    std::vector<PhaseTime> phase_times() const;  // wall time per phase over the steps so far

private:
    struct State;
    std::unique_ptr<State> state_;
};

// Runs a scenario to the end. `progress(done, total)` is called after every step.
RunResult simulate(const Scenario& scenario, const std::function<void(int, int)>& progress = {},
                   Communicator* communicator = nullptr);

}  // namespace greenshift
