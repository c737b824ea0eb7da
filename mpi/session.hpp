// MPI for the greenshift command. MPI is initialised only when an MPI launcher
// (mpirun, or srun with PMI/PMIx) started the program, so an MPI build still runs as
// a plain program, and every command behaves as without MPI on one rank.
#pragma once

#include <memory>

#include "core/communicator.hpp"

namespace greenshift::mpi {

// Initialises MPI (threads: funneled, MPI calls come only from the main thread) when
// launched by an MPI launcher, and finalises it on destruction. One per process, in main.
class Session {
public:
    Session(int& argc, char**& argv);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;
};

// True when this process was started by an MPI launcher (its environment says so).
bool launched_by_mpi();

// The rank of this process and the number of ranks of MPI_COMM_WORLD; 0 and 1
// without MPI.
int world_rank();
int world_size();

// A communicator over every rank, for a run split across ranks; nullptr on one rank.
std::unique_ptr<Communicator> world_communicator();

}  // namespace greenshift::mpi
