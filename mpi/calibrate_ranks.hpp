// A calibration spread over MPI ranks: every rank runs the same calibration
// (batch/calibrate.hpp), which is a deterministic function of its evaluations, and
// each evaluation's replicates are shared out, replicate r to rank r mod size; every
// rank then gathers every replicate's values and sums them in replicate order, so all
// ranks see the same evaluation, take the same next step, and the result is bitwise
// that of one process. Only rank 0 writes (CalibrateOptions::write). A stop signal on
// any rank stops every rank at the same evaluation (they agree on it before each).
#pragma once

#include <mpi.h>

#include "batch/calibrate.hpp"

namespace greenshift {

class MpiSimulatorModel final : public CalibrationModel {
public:
    MpiSimulatorModel(MPI_Comm comm, const CalibrationPlan& plan, int threads);
    CalibrationEvaluation evaluate(const std::vector<double>& parameters) override;

private:
    MPI_Comm comm_;
    const CalibrationPlan& plan_;
    SimulatorModel local_;
    int rank_ = 0, size_ = 1;
};

}  // namespace greenshift
