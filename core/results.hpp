// What a run produces: named variables over named dimensions, with units, plus the
// coordinates of those dimensions. File formats (HDF5, CSV) only walk this list, so
// a new output variable is added in one place (the model's recorder).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace greenshift {

// io_sector: the sectors of the scenario's input-output table (supplier sectors),
// which may differ from the firm sectors.
enum class Dim : std::uint8_t { time, sector, size_class, technology, policy, io_sector };
// The name of each dimension and of its coordinate in output files.
inline constexpr std::array<const char*, 6> kDimNames{"time",       "sector", "size_class",
                                                      "technology", "policy", "io_sector"};
static_assert(kDimNames.size() == static_cast<std::size_t>(Dim::io_sector) + 1);
const char* dim_name(Dim d);

struct Variable {
    std::string name;
    std::string long_name;
    std::string units;
    std::vector<Dim> dims;          // row-major, first dimension slowest
    bool is_count = false;          // true: stored as int64 in `counts`
    std::vector<double> values;     // when !is_count
    std::vector<std::int64_t> counts;  // when is_count
    std::string flag_meanings;      // a code variable: the words of codes 0, 1, ... (CF flag_meanings); else empty
};

struct Coordinates {
    std::vector<std::string> sector;
    std::vector<std::string> size_class;
    std::vector<std::string> technology;
    std::vector<std::string> technology_unit;  // along technology
    std::vector<std::string> policy;
    std::vector<std::string> policy_type;      // along policy
    std::vector<std::string> io_sector;        // input-output sectors (empty without a table)
    std::vector<std::int32_t> year;            // along time: calendar year of the step
    std::vector<double> time_days;             // along time: step start, days since epoch
    std::string time_units;                    // "days since YYYY-01-01 00:00:00"

    std::size_t length(Dim d) const;
};

struct RunResult {
    Coordinates coords;
    std::vector<Variable> variables;
    std::uint64_t firm_steps = 0;   // firms x steps simulated
    double seconds = 0;             // wall time of the simulation (not of I/O)

    const Variable* find(const std::string& name) const;
};

}  // namespace greenshift
