#include "mpi/calibrate_ranks.hpp"

#include "io/interrupt.hpp"

#include <limits>
#include <stdexcept>

namespace greenshift {

MpiSimulatorModel::MpiSimulatorModel(MPI_Comm comm, const CalibrationPlan& plan, int threads)
    : comm_(comm), plan_(plan), local_(plan, threads) {
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
}

CalibrationEvaluation MpiSimulatorModel::evaluate(const std::vector<double>& parameters) {
    // Stop together: the largest signal number any rank has seen, 0 for none.
    int local_signal = stop_signal(), signal = 0;
    if (MPI_Allreduce(&local_signal, &signal, 1, MPI_INT, MPI_MAX, comm_) != MPI_SUCCESS)
        throw std::runtime_error("calibrate: MPI_Allreduce of the stop flags failed");
    if (signal != 0) throw Interrupted(signal);

    const auto R = plan_.replicates;
    const auto size = static_cast<std::uint32_t>(size_);
    std::vector<std::uint32_t> mine;
    for (std::uint32_t r = static_cast<std::uint32_t>(rank_); r < R; r += size) mine.push_back(r);
    const std::size_t T = plan_.targets.size() + plan_.validation.size();
    const std::size_t slots = (R + size - 1) / size;  // replicates per rank, at most
    // An exception on one rank must not leave the others waiting: the error is sent
    // as a flag with the values, and every rank throws.
    std::vector<double> send(slots * T + 1, std::numeric_limits<double>::quiet_NaN());
    send.back() = 0;
    std::string error;
    try {
        const auto values = local_.simulate(parameters, mine);
        for (std::size_t i = 0; i < mine.size(); ++i)
            for (std::size_t t = 0; t < T; ++t) send[i * T + t] = values[i][t];
    } catch (const std::exception& e) {
        error = e.what();
        send.back() = 1;
    }
    std::vector<double> all(send.size() * size);
    if (MPI_Allgather(send.data(), static_cast<int>(send.size()), MPI_DOUBLE, all.data(), static_cast<int>(send.size()),
                      MPI_DOUBLE, comm_) != MPI_SUCCESS)
        throw std::runtime_error("calibrate: MPI_Allgather of the replicates failed");
    for (std::uint32_t k = 0; k < size; ++k)
        if (all[(k + 1) * send.size() - 1] != 0)
            throw std::runtime_error(error.empty() ? "calibrate: an evaluation failed on rank " + std::to_string(k)
                                                   : error);
    std::vector<std::vector<double>> values(R, std::vector<double>(T));
    for (std::uint32_t r = 0; r < R; ++r) {
        const std::size_t base = (r % size) * send.size() + (r / size) * T;
        for (std::size_t t = 0; t < T; ++t) values[r][t] = all[base + t];
    }
    return SimulatorModel::summarize(values);
}

}  // namespace greenshift
