// Wright's law: unit cost falls by the learning rate LR with every doubling of
// cumulative capacity, c(X) = c0 (X / X0)^b with b = log2(1 - LR).
#pragma once

#include <cmath>

namespace greenshift {

inline double learning_exponent(double learning_rate) { return std::log2(1.0 - learning_rate); }

inline double wright_cost(double cost0, double cumulative0, double cumulative,
                          double learning_rate) {
    if (learning_rate <= 0.0 || cumulative0 <= 0.0) return cost0;
    return cost0 * std::pow(cumulative / cumulative0, learning_exponent(learning_rate));
}

}  // namespace greenshift
