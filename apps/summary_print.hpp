// The indicator table as `summary` and `compare` print it: per variant, its sections
// with plain-language labels, medians with the 90% interval and the mean in display
// units, where the spread comes from, and what limited each budget.
#pragma once

#include <ostream>

#include "io/batch_reader.hpp"

namespace greenshift::cli {

struct SummaryPrintOptions {
    bool names = false;  // identifiers (export columns) instead of plain-language labels
};

void print_summary(const SummaryTable& table, std::ostream& out, const SummaryPrintOptions& options = {});

}  // namespace greenshift::cli
