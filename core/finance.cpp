#include "core/finance.hpp"

#include <cmath>
#include <limits>

namespace greenshift::finance {

double annuity_factor(double rate, double years) {
    if (std::abs(rate) < 1e-12) return years;
    return -std::expm1(-years * std::log1p(rate)) / rate;
}

double simple_payback(double outlay, double annual_saving) {
    if (annual_saving <= 0) return std::numeric_limits<double>::infinity();
    return outlay / annual_saving;
}

double concessional_loan_value(double hurdle, double loan_rate, double tenor) {
    // payment per MAD borrowed = 1 / AF(loan_rate, tenor); its present value at the
    // firm's own hurdle rate is AF(hurdle, tenor) / AF(loan_rate, tenor).
    return 1.0 - annuity_factor(hurdle, tenor) / annuity_factor(loan_rate, tenor);
}

double step_probability(double annual_probability, double dt) {
    if (annual_probability >= 1.0) return 1.0;
    if (annual_probability <= 0.0) return 0.0;
    if (dt == 1.0) return annual_probability;  // annual steps: nothing to convert
    return -std::expm1(dt * std::log1p(-annual_probability));
}

double hazard_probability(double hazard, double dt) {
    if (hazard <= 0.0) return 0.0;
    return -std::expm1(-hazard * dt);
}

}  // namespace greenshift::finance
