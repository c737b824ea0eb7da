#include "mpi/session.hpp"

#include <mpi.h>

#include <cstdlib>
#include <stdexcept>

#include "mpi/communicator.hpp"

namespace greenshift::mpi {

bool launched_by_mpi() {
    // Open MPI's mpirun, PMIx (Open MPI 4+, Slurm's srun --mpi=pmix), PMI-1/2 (srun, MPICH).
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
        if (std::getenv(name) != nullptr) return true;
    return false;
}

Session::Session(int& argc, char**& argv) {
    if (!launched_by_mpi()) return;
    int provided = 0;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        throw std::runtime_error("MPI_Init_thread failed");
    if (provided < MPI_THREAD_FUNNELED) throw std::runtime_error("the MPI library does not support threads (funneled)");
}

Session::~Session() {
    int initialised = 0, finalised = 0;
    MPI_Initialized(&initialised);
    MPI_Finalized(&finalised);
    if (initialised && !finalised) MPI_Finalize();
}

namespace {
bool active() {
    int initialised = 0, finalised = 0;
    MPI_Initialized(&initialised);
    MPI_Finalized(&finalised);
    return initialised && !finalised;
}
}  // namespace

int world_rank() {
    if (!active()) return 0;
    int r = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int world_size() {
    if (!active()) return 1;
    int n = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &n);
    return n;
}

std::unique_ptr<Communicator> world_communicator() {
    if (world_size() < 2) return nullptr;
    return std::make_unique<MpiCommunicator>(MPI_COMM_WORLD);
}

}  // namespace greenshift::mpi
