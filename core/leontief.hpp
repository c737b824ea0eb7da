// The Leontief input-output model: output x needed across sectors to deliver a
// final demand y, x = (I - A)^-1 y, with A the technical coefficients (input from
// sector i per MAD of output of sector j). Factorised once, solved per step.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace greenshift {

class LeontiefError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

class Leontief {
public:
    // `a` is n x n, row-major. Throws LeontiefError when A has a negative or
    // non-finite entry, or is not productive (spectral radius >= 1: no non-negative
    // output can meet every positive demand).
    Leontief(std::size_t n, const std::vector<double>& a);
    ~Leontief();
    Leontief(Leontief&&) noexcept;
    Leontief& operator=(Leontief&&) noexcept;

    std::size_t size() const { return n_; }
    double spectral_radius() const { return radius_; }
    // x = (I - A)^-1 y
    std::vector<double> output(const std::vector<double>& final_demand) const;

    // A from a transactions table Z (n x n, row-major, MAD from i to j) and each
    // sector's total output: a_ij = z_ij / x_j.
    static std::vector<double> coefficients_from_transactions(std::size_t n, const std::vector<double>& z,
                                                              const std::vector<double>& total_output);

private:
    struct Impl;
    std::size_t n_ = 0;
    double radius_ = 0;
    std::unique_ptr<Impl> impl_;
};

}  // namespace greenshift
