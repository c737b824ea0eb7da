// Test-only program for tests/python/check_sensitivity_openturns.py: evaluates a test
// function on greenshift's Saltelli design and writes the design with its outputs,
// and greenshift's indices, for OpenTURNS to recompute.
//   sensitivity_design ishigami|gfunction N DESIGN.csv INDICES.csv
#include "batch/sensitivity.hpp"
#include "sensitivity_functions.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
    using namespace greenshift;
    if (argc != 5) {
        std::fprintf(stderr, "usage: sensitivity_design ishigami|gfunction N DESIGN.csv INDICES.csv\n");
        return 2;
    }
    const std::string function = argv[1];
    const bool ishigami = function == "ishigami";
    if (!ishigami && function != "gfunction") {
        std::fprintf(stderr, "sensitivity_design: unknown function '%s'\n", argv[1]);
        return 2;
    }
    const auto base = static_cast<std::uint32_t>(std::strtoul(argv[2], nullptr, 10));
    const auto parameters = ishigami ? testing::ishigami_parameters() : testing::g_parameters();
    const auto design = saltelli_design(parameters, base);
    std::vector<double> y;
    for (const auto& x : design.values) y.push_back(ishigami ? testing::ishigami(x) : testing::g_function(x));
    const auto s = sobol_indices(y, base, design.parameters);
    const auto ci = sobol_bootstrap(y, base, design.parameters, 1);

    std::FILE* f = std::fopen(argv[3], "w");
    if (!f) return 1;
    for (std::uint32_t j = 0; j < design.parameters; ++j) std::fprintf(f, "x%u,", j + 1);
    std::fprintf(f, "y\n");
    for (std::size_t r = 0; r < y.size(); ++r) {
        for (const double v : design.values[r]) std::fprintf(f, "%.17g,", v);
        std::fprintf(f, "%.17g\n", y[r]);
    }
    if (std::fclose(f) != 0) return 1;
    f = std::fopen(argv[4], "w");
    if (!f) return 1;
    std::fprintf(f, "parameter,S1,S1_low,S1_high,ST,ST_low,ST_high\n");
    for (std::uint32_t j = 0; j < design.parameters; ++j)
        std::fprintf(f, "%u,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", j + 1, s.first[j], ci.first[j].low,
                     ci.first[j].high, s.total[j], ci.total[j].low, ci.total[j].high);
    return std::fclose(f) == 0 ? 0 : 1;
}
