// The green-tech supplier ecosystem of a run: the capex each step spends with local
// suppliers (capex x local content) becomes final demand y on the input-output
// sectors through each technology's supplier shares; x = (I - A)^-1 y is the output
// it calls for across the economy, direct and indirect, with the value added and
// jobs that go with it (docs/model.md, "Green-tech suppliers").
#pragma once

#include <cstddef>
#include <vector>

#include "core/results.hpp"
#include "core/scenario.hpp"

namespace greenshift {

// `local_demand` is the recorded capex spent with local suppliers, MAD during each
// step, over (time, sector, size_class, technology), row-major, `steps` steps.
// Returns, when the scenario has an input-output table (else nothing):
//   supplier_demand (time, io_sector)          y, MAD: direct demand on suppliers
//   supplier_output (time, io_sector)          x, MAD: total output it calls for
//   supplier_output_indirect (time, io_sector) x - y, MAD
//   value_added_direct / value_added_total (time, io_sector)   v_j y_j, v_j x_j, MAD
//   jobs_direct / jobs_total (time, io_sector) job-years during the step:
//       jobs coefficient (jobs per million MAD of output per year) x output / 1e6
//   supplier_output_by_size (time, sector, size_class)  total output (summed over
//       io sectors) called for by the purchases of the firms of that sector and size
//   jobs_total_by_size (time, sector, size_class)       the same in job-years
// The Leontief system is factorised once per call and solved per step (and per
// buying sector and size class for the breakdowns, by linearity).
std::vector<Variable> input_output_variables(const Scenario& scenario, const std::vector<double>& local_demand,
                                             std::size_t steps);

}  // namespace greenshift
