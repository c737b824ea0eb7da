#include "core/input_output.hpp"

#include <stdexcept>
#include <string>

#include "core/leontief.hpp"

namespace greenshift {

namespace {

Variable real(std::string name, std::string long_name, std::string units, std::vector<Dim> dims,
              std::vector<double> values) {
    return Variable{std::move(name), std::move(long_name), std::move(units), std::move(dims), false,
                    std::move(values), {}};
}

}  // namespace

std::vector<Variable> input_output_variables(const Scenario& sc, const std::vector<double>& local_demand,
                                             std::size_t steps) {
    const InputOutput& io = sc.input_output;
    if (!io.enabled()) return {};
    const std::size_t N = io.sectors.size(), S = sc.sectors.size(), Z = kSizeClasses,
                      K = sc.technologies.size();
    if (local_demand.size() != steps * S * Z * K)
        throw std::invalid_argument("input_output_variables: local_demand has " + std::to_string(local_demand.size()) +
                                    " values, expected " + std::to_string(steps * S * Z * K));
    const Leontief leontief(N, io.coefficients);  // factorised once for the run

    std::vector<double> y(steps * N, 0.0), x(steps * N, 0.0);
    std::vector<double> out_sz(steps * S * Z, 0.0), jobs_sz(steps * S * Z, 0.0);
    std::vector<double> y_sz(N);
    for (std::size_t t = 0; t < steps; ++t)
        for (std::size_t s = 0; s < S; ++s)
            for (std::size_t z = 0; z < Z; ++z) {
                // Final demand of this buyer (sector, size class) on the supplier sectors.
                std::fill(y_sz.begin(), y_sz.end(), 0.0);
                bool any = false;
                for (std::size_t k = 0; k < K; ++k) {
                    const double spent = local_demand[((t * S + s) * Z + z) * K + k];
                    if (spent == 0.0) continue;
                    any = true;
                    for (const auto& [j, share] : sc.technologies[k].suppliers)
                        y_sz[static_cast<std::size_t>(j)] += spent * share;
                }
                if (!any) continue;
                const std::vector<double> x_sz = leontief.output(y_sz);
                double out = 0, jobs = 0;
                for (std::size_t j = 0; j < N; ++j) {
                    y[t * N + j] += y_sz[j];
                    x[t * N + j] += x_sz[j];
                    out += x_sz[j];
                    jobs += io.jobs[j] * x_sz[j] / 1e6;
                }
                out_sz[(t * S + s) * Z + z] = out;
                jobs_sz[(t * S + s) * Z + z] = jobs;
            }

    std::vector<double> indirect(steps * N), va_d(steps * N), va_t(steps * N), jobs_d(steps * N), jobs_t(steps * N);
    for (std::size_t t = 0; t < steps; ++t)
        for (std::size_t j = 0; j < N; ++j) {
            const std::size_t i = t * N + j;
            indirect[i] = x[i] - y[i];
            va_d[i] = io.value_added[j] * y[i];
            va_t[i] = io.value_added[j] * x[i];
            // Output is a flow over the step; the coefficient is jobs per million MAD of
            // annual output, so coefficient x output / 1e6 is job-years whatever the
            // step length (average employment during the step = job-years / dt).
            jobs_d[i] = io.jobs[j] * y[i] / 1e6;
            jobs_t[i] = io.jobs[j] * x[i] / 1e6;
        }

    using D = Dim;
    std::vector<Variable> v;
    v.push_back(real("supplier_demand", "local suppliers' sales to the green investments during the step (final demand y)",
                     "MAD", {D::time, D::io_sector}, std::move(y)));
    v.push_back(real("supplier_output", "output called for across the economy by that demand, direct and indirect "
                     "(x = (I - A)^-1 y) during the step", "MAD", {D::time, D::io_sector}, std::move(x)));
    v.push_back(real("supplier_output_indirect", "indirect output: supplier_output - supplier_demand during the step",
                     "MAD", {D::time, D::io_sector}, std::move(indirect)));
    v.push_back(real("value_added_direct", "value added of the direct supplier demand during the step", "MAD",
                     {D::time, D::io_sector}, std::move(va_d)));
    v.push_back(real("value_added_total", "value added of the total (direct and indirect) output during the step", "MAD",
                     {D::time, D::io_sector}, std::move(va_t)));
    v.push_back(real("jobs_direct", "jobs of the direct supplier demand during the step (job-years; / step length "
                     "for average employment)", "job-years", {D::time, D::io_sector}, std::move(jobs_d)));
    v.push_back(real("jobs_total", "jobs of the total (direct and indirect) output during the step (job-years; / step "
                     "length for average employment)", "job-years", {D::time, D::io_sector}, std::move(jobs_t)));
    v.push_back(real("supplier_output_by_size", "total output (all io sectors) called for by the green investments of "
                     "the firms of this sector and size class during the step", "MAD",
                     {D::time, D::sector, D::size_class}, std::move(out_sz)));
    v.push_back(real("jobs_total_by_size", "jobs (direct and indirect, all io sectors) of the green investments of the "
                     "firms of this sector and size class during the step", "job-years",
                     {D::time, D::sector, D::size_class}, std::move(jobs_sz)));
    return v;
}

}  // namespace greenshift
