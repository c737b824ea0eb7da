// Observed figures a run is compared with: the references of a scenario's
// plausibility table (`greenshift check-plausibility`) and the targets of a
// calibration. One definition of what an observation measures — output variables
// summed over a selection of sectors, size classes, technologies and policies, at a
// year or over a period, optionally divided by a second such sum — and one function
// that computes it from a run (docs/scenarios.md, `references`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/results.hpp"

namespace greenshift {

// How a variable's steps make a year.
enum class TimeRule : std::uint8_t {
    flow,    // an amount over the step: the year is the sum of its steps
    stock,   // a level at the end of the step: the year is its last step
    fixed,   // no time dimension (the firms of each cell)
};

// The output variables an observation may name, with their dimensions and units as
// the model writes them (a unit test holds this table to the model's output).
struct ObservableVariable {
    const char* name;
    TimeRule rule;
    std::vector<Dim> dims;
    const char* units;  // "technology_unit": the unit of each technology
};
const std::vector<ObservableVariable>& observable_variables();
const ObservableVariable* find_observable(const std::string& name);

// A sum over cells and steps. Empty name lists mean every one.
struct Aggregate {
    std::vector<std::string> variables;  // summed; same units
    std::vector<std::string> sectors;
    std::vector<std::string> size_classes;
    std::vector<std::string> technologies;
    std::vector<std::string> policies;
    int first_year = 0;  // the year, or the first of the period
    int last_year = 0;   // == first_year for a single year
    enum class Combine : std::uint8_t { sum, mean } combine = Combine::sum;  // over the years of a period
};

// How an observation's uncertainty is written.
enum class ErrorModel : std::uint8_t {
    normal,     // se and the interval in the observation's unit
    lognormal,  // se in natural-log units; the interval in the observation's unit
};

struct Observation {
    std::string name;
    Aggregate of;
    bool has_per = false;
    Aggregate per;  // the denominator when has_per: the value is of / per
    double value = 0;         // as observed, in `unit`
    std::string unit;         // as written (empty: the variables' own units, or a ratio)
    double unit_factor = 1;   // value x unit_factor = the value in the variables' units
    ErrorModel error = ErrorModel::normal;
    double se = 0;            // one standard error (0: given by the interval)
    bool has_interval = false;
    double lo = 0, hi = 0;    // an interval at `level`, in `unit`
    double level = 0.9;       // of the interval, and of the band the plausibility table uses
    std::string source;       // title, publisher, year, address
    std::string note;
};

// Two-sided standard-normal quantile for a central interval of probability `level`
// (0.9 -> 1.6449).
double central_z(double level);

// The band the plausibility table accepts, in the observation's unit: its interval,
// or value -/+ z(level) standard errors (multiplicative for lognormal errors).
struct Band {
    double lo, hi;
};
Band band(const Observation& o);

// One standard error on the scale of the error model (natural logs for lognormal),
// from `se` or, failing that, from the interval's width at its level.
double sigma(const Observation& o);

// The value of an aggregate in a run, in the variables' units. Throws
// std::invalid_argument naming what the run lacks (a variable, a name, a year).
double aggregate(const RunResult& run, const Aggregate& a);

// The simulated counterpart of an observation, in the observation's unit.
double simulated(const RunResult& run, const Observation& o);

// A row of the plausibility table.
struct PlausibilityRow {
    const Observation* observation;
    double simulated;  // in the observation's unit
    Band band;
    int verdict;       // -1 below the band, 0 inside, +1 above
};
std::vector<PlausibilityRow> check_plausibility(const RunResult& run, const std::vector<Observation>& references);

// The factor that turns a value in `unit` into `native` units: 1 when they are the
// same, powers of ten between SI prefixes (k, M, G, T) of one base (kWp and MWp, t and
// kt, MAD and MMAD; for counts, unit "1", the prefix alone: k, M), and tonnes of oil
// equivalent into watt-hours (1 toe = 11.63 MWh).
// 0 when the two cannot be converted.
double unit_factor(const std::string& unit, const std::string& native);

}  // namespace greenshift
