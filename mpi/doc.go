// Package mpi runs one job over several processes (ranks), on one machine
// or many, through MPI: data-parallel pre-training (package train) and
// feature extraction split over ranks (aim features, the feature pass of
// package probe).
//
// A Comm is the job's communicator: rank and size, in-place sum all-reduce
// of float32 and float64 buffers, broadcast, point-to-point send and
// receive (Gather is built on them), barrier and abort. Three implement it:
//
//   - Single, the process alone (size 1): every collective is a no-op, so
//     code written for a Comm needs no conditionals for the usual run;
//   - the MPI communicator of Start, over Open MPI's libmpi loaded at run
//     time (purego, the way package blas loads OpenBLAS): the default
//     binary builds with CGO_ENABLED=0, runs without MPI installed, and
//     needs no mpirun for a single process;
//   - Local, n ranks as goroutines of one process, for tests.
//
// Work is split with Share (each rank's contiguous range of n items) and
// ShareCounts, and results collected with Gather. SameInputs checks, before
// the work starts, that every rank read identical copies of its inputs
// (Digest of files or values). Packages train and probe take a Comm in
// their Options; LocalSize says how many ranks share this machine's memory.
//
// Start(Auto) detects a launch under Open MPI's mpirun from the
// environment it sets (OMPI_COMM_WORLD_SIZE, OMPI_COMM_WORLD_RANK) and
// only then loads libmpi (libmpi.so.40, or the file named by AIM_MPI_LIB)
// and calls MPI_Init_thread; otherwise it returns Single. Start(Off) always
// returns Single, and refuses a launch of several processes, each of which
// would run the whole job.
//
// # Errors in a job of several ranks
//
// A rank that fails alone must not leave the others waiting in a
// collective: the command-line tool prints its error and calls Abort,
// which ends every rank (mpirun reports the rank and the status). Errors
// every rank returns at the same point can end the job cleanly instead:
// Agree turns per-rank errors into a Failure on every rank, and Everywhere
// marks an error that every rank holds identically (a non-finite loss seen
// through the reduced loss, an interruption agreed through a reduced flag),
// which rank 0 alone prints. A rank killed by a signal is noticed by
// mpirun, which ends the job within about a second with a non-zero status
// and a message naming the rank.
//
// Open MPI handles are the addresses of its predefined objects
// (ompi_mpi_comm_world, ompi_mpi_float, ompi_mpi_double, ompi_mpi_op_sum),
// so the binding is Open MPI's; MPICH and its derivatives are not
// supported. Calls are serialised by a mutex (MPI_THREAD_SERIALIZED), since
// goroutines move between threads.
package mpi
