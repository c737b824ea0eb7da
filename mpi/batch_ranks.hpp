// A batch spread over MPI ranks: rank 0 runs the batch (batch/runner.hpp) and hands
// out runs one at a time to whichever rank is idle (dynamic load balancing); the
// other ranks compute them and send each RunResult back (batch/run_codec.hpp). Only
// rank 0 touches files: parts, resume, the batch file are those of a batch in one
// process, so the datasets are bitwise the same for any number of ranks.
#pragma once

#include <mpi.h>

#include <string>

#include "batch/runner.hpp"

namespace greenshift {

// Rank 0's side: the other ranks of `comm`, as RunWorkers. A worker whose batch has
// another identity (another batch file on that node) is refused. If serve() never
// ran (rank 0 failed before computing), the destructor tells every worker to stop.
class MpiRunWorkers final : public RunWorkers {
public:
    MpiRunWorkers(MPI_Comm comm, std::string identity);
    ~MpiRunWorkers() override;
    void serve(const std::function<std::optional<std::uint32_t>()>& next,
               const std::function<void(std::uint32_t, RunResult&&, int)>& done) override;

private:
    MPI_Comm comm_;
    std::string identity_;
    int workers_ = 0;
    bool served_ = false;
};

// A worker rank's side: asks rank 0 for runs until told to stop, computes each with
// `threads` OpenMP threads and sends the result back. Returns the runs computed.
unsigned work_for_rank0(MPI_Comm comm, const BatchPlan& plan, const ScenarioForRun& scenario_for, int threads);

}  // namespace greenshift
