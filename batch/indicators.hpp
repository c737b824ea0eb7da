// The indicator table: what a programme buys against its baseline, one number per
// row, each with a plain-language label and its unit in words. The one definition
// that the batch file, `summary`, `compare`, `export`, `plot` and `report` all read
// (the batch file stores the table beside the values; docs/output.md, "Indicators").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/results.hpp"
#include "core/scenario.hpp"

namespace greenshift::indicators {

// One row of the table.
struct Definition {
    std::string name;           // identifier: export column, lookups; lower case, underscores
    std::string group;          // the section of the table it is printed in ("Public cost", ...)
    std::string label;          // what it is, in plain language ("TPME grant cop22_grant")
    std::string units;          // UDUNITS-style: t, MAD, MAD/t, MAD/MAD, %, 1, job-years, jobs
    std::string unit_words;     // the stored unit in words ("tonnes of CO2")
    double display_scale = 1;   // printed values are value x display_scale ...
    std::string display_units;  // ... in these units, in words ("thousand tonnes of CO2")
    std::string long_name;      // the definition in one sentence (docs/output.md has the formulas)
    bool headline = false;      // one of the key results (the first table a reader sees)
};

// The instruments whose cost the table reports, each on its own line and in the
// total public cost. Policies are grouped by their policy_type.
enum class Instrument : std::uint8_t { grants, fund, loan_subsidy, assistance, label };
struct InstrumentInfo {
    Instrument instrument;
    const char* key;          // in indicator names: public_cost_<key>, cost_per_tco2_<key>
    PolicyType policy_type;   // the policies it groups
    const char* label;
    bool per_policy;          // a line per policy as well (its cost is recorded per policy)
    const char* note;         // how the cost is measured, or why it is not (yet)
};
const std::vector<InstrumentInfo>& instruments();

// Below these denominators a ratio is reported as NaN (undefined), not as a huge
// or negative number: less than a tonne avoided, less than a dirham of support.
inline constexpr double kMinTonnesForRatio = 1.0;
inline constexpr double kMinSupportForRatio = 1.0;

// The table for runs with these coordinates (a batch: its union of policies), in
// table order.
std::vector<Definition> definitions(const Coordinates& coords);

// Its values for a variant run and its baseline run (same coordinates; same order
// as definitions(variant.coords)).
std::vector<double> values(const RunResult& variant, const RunResult& baseline);

}  // namespace greenshift::indicators
