#include "core/leontief.hpp"

#include <Eigen/Dense>
#include <Eigen/Eigenvalues>

#include <cmath>

namespace greenshift {

struct Leontief::Impl {
    Eigen::PartialPivLU<Eigen::MatrixXd> lu;
};

Leontief::Leontief(std::size_t n, const std::vector<double>& a) : n_(n), impl_(std::make_unique<Impl>()) {
    if (n == 0) throw LeontiefError("the input-output table has no sector");
    if (a.size() != n * n)
        throw LeontiefError("the coefficient table has " + std::to_string(a.size()) + " entries; " +
                            std::to_string(n) + " sectors need " + std::to_string(n * n));
    const auto m = static_cast<Eigen::Index>(n);
    Eigen::MatrixXd A(m, m);
    for (Eigen::Index i = 0; i < m; ++i)
        for (Eigen::Index j = 0; j < m; ++j) {
            const double v = a[static_cast<std::size_t>(i) * n + static_cast<std::size_t>(j)];
            if (!std::isfinite(v) || v < 0)
                throw LeontiefError("coefficient (" + std::to_string(i + 1) + ", " + std::to_string(j + 1) +
                                    ") is " + std::to_string(v) + "; coefficients must be finite and >= 0");
            A(i, j) = v;
        }
    // A non-negative matrix is productive iff its spectral radius is below 1
    // (Hawkins-Simon); then (I - A)^-1 exists and is non-negative.
    radius_ = A.eigenvalues().cwiseAbs().maxCoeff();
    if (!(radius_ < 1.0 - 1e-9))  // at 1, I - A is singular; within rounding of 1, useless
        throw LeontiefError("the input-output table is not productive: the spectral radius of A is " +
                            std::to_string(radius_) + " (it must be below 1; some sector uses more input than it makes)");
    impl_->lu.compute(Eigen::MatrixXd::Identity(m, m) - A);
}

Leontief::~Leontief() = default;
Leontief::Leontief(Leontief&&) noexcept = default;
Leontief& Leontief::operator=(Leontief&&) noexcept = default;

std::vector<double> Leontief::output(const std::vector<double>& final_demand) const {
    if (final_demand.size() != n_)
        throw LeontiefError("final demand has " + std::to_string(final_demand.size()) + " entries for " +
                            std::to_string(n_) + " sectors");
    const Eigen::Map<const Eigen::VectorXd> y(final_demand.data(), static_cast<Eigen::Index>(n_));
    const Eigen::VectorXd x = impl_->lu.solve(y);
    return {x.data(), x.data() + x.size()};
}

std::vector<double> Leontief::coefficients_from_transactions(std::size_t n, const std::vector<double>& z,
                                                             const std::vector<double>& total_output) {
    if (z.size() != n * n || total_output.size() != n)
        throw LeontiefError("the transactions table must be " + std::to_string(n) + " x " + std::to_string(n) +
                            " with one total output per sector");
    std::vector<double> a(n * n);
    for (std::size_t j = 0; j < n; ++j) {
        if (!(total_output[j] > 0))
            throw LeontiefError("total output of sector " + std::to_string(j + 1) + " must be > 0");
        for (std::size_t i = 0; i < n; ++i) a[i * n + j] = z[i * n + j] / total_output[j];
    }
    return a;
}

}  // namespace greenshift
