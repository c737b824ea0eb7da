// An explicit design matrix for a batch (`design: FILE.csv`, docs/sensitivity.md): a
// header row of the batch's uncertain key paths, then one row per sample, so that a
// tool that writes its own designs (OpenTURNS, SALib, EMA Workbench, Dakota) can drive
// greenshift through a file.
#pragma once

#include "io/batch_plan.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace greenshift {

struct DesignRows {
    std::vector<std::vector<double>> values;  // [row][parameter], parameters in the batch's order
    std::vector<DesignCell> cells;            // [row * d + parameter]: where each value is written
    std::uint32_t total_rows = 0;             // data rows in the file, before any range
};

// Reads the CSV text of `file` (as named in messages): a header row whose fields are
// exactly the key paths of `parameters`, in any order, then rows of as many numbers.
// Every value must lie in its parameter's distribution's support (uniform and
// triangular: [low, high]; log-normal: above 0; normal: any finite number). Blank
// lines are no rows. Errors are InputError at the file's line and column: an unknown
// or repeated key, a missing column, a non-number, a ragged row, a value outside its
// range, no rows.
DesignRows read_design_csv(const std::string& text, const std::string& file,
                           std::span<const UncertainParameter> parameters);

}  // namespace greenshift
