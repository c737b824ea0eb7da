// One simulation run: owns its frozen scenario, its firms and its recorder. Two
// Models side by side in one process are independent (no global state).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
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

// The phases of a step, in order: the numbered steps of docs/model.md ("A step"),
// each one method of the model (core/model.cpp). Model::phase_times says where a
// run's step time goes, phase by phase.
enum class Phase { retire, tables, yearly, firm_pass, budgets, settle, record };
inline constexpr std::size_t kPhases = 7;
inline constexpr std::array<std::string_view, kPhases> kPhaseNames{
    "retirement (equipment at the end of its life)", "tables (prices, learning, economics per cell)",
    "yearly (budgets, labels, assistance, audits)",  "firm pass",
    "budgets (queue, sort, serve; a thread per programme)", "settle applications",
    "sum flows, stocks, record"};
struct PhaseTime {
    std::string name;
    double seconds = 0;
    bool parallel = false;  // spread over the threads (OpenMP); else one thread
};

// What limited a policy during a step, as the run variable `limited_by` records it
// (docs/output.md): a budgeted programme that refused applications for lack of
// budget; one that served every application, open only to labelled firms, or to
// others; a label or assistance policy that reached its yearly capacity, or found
// fewer eligible firms. `none` for the rest (inactive, other instruments).
enum class PolicyLimit : std::uint8_t { none, budget, label, demand, capacity, eligible };
inline constexpr std::array<std::string_view, 6> kPolicyLimitNames{"none",   "budget",   "label",
                                                                   "demand", "capacity", "eligible_firms"};

class Model {
public:
    // With a communicator of several ranks, this rank holds only its blocks of firms
    // (firms() is that slice) and every aggregate is combined across ranks; every
    // rank ends with the same, complete results. nullptr = one process. With
    // `populations`, the firms come from (and go to) that cache.
    explicit Model(Scenario scenario, Communicator* communicator = nullptr, PopulationCache* populations = nullptr);
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
