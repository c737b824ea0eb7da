// Discounting and investment appraisal: the closed forms the decision rule uses.
#pragma once

namespace greenshift::finance {

// Present value of 1 MAD per year for `years` years at rate r:
// AF = (1 - (1 + r)^-n) / r, and n when r = 0.
double annuity_factor(double rate, double years);

// Capital recovery factor: the level annual payment that repays 1 MAD over n years.
inline double capital_recovery_factor(double rate, double years) {
    return 1.0 / annuity_factor(rate, years);
}

// NPV of an investment `outlay` now that saves `annual_saving` each year for
// `years` years, discounted at `rate`.
inline double npv(double outlay, double annual_saving, double rate, double years) {
    return annual_saving * annuity_factor(rate, years) - outlay;
}

// Simple payback in years; +infinity when the project never pays back.
double simple_payback(double outlay, double annual_saving);

// Value to the borrower of a loan of 1 MAD at `loan_rate` over `tenor` years, when
// its own money costs `hurdle`: 1 - PV_hurdle(level payments). Positive when the loan
// is cheaper than the firm's own capital.
double concessional_loan_value(double hurdle, double loan_rate, double tenor);

// Probability over a step of length dt (years) for an event whose annual
// probability is p: 1 - (1 - p)^dt.
double step_probability(double annual_probability, double dt);

// Probability over dt for a constant hazard h (per year): 1 - exp(-h dt).
double hazard_probability(double hazard, double dt);

}  // namespace greenshift::finance
