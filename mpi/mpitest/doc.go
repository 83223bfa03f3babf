// Package mpitest starts programs under Open MPI's mpirun for tests, on
// loopback only, and skips the test, saying why, where mpirun or libmpi
// is missing.
package mpitest
