//go:build !((darwin || freebsd || linux) && (amd64 || arm64)) || nompi

package mpi

import (
	"runtime"

	"github.com/pkg/errors"
)

// LibEnvVar names the environment variable that, when set, is the one
// libmpi file tried (unused on this platform).
const LibEnvVar = "AIM_MPI_LIB"

// Available reports that MPI is not supported here.
func Available() error { return startErr() }

func startErr() error {
	return errors.Errorf("MPI is not supported on %s/%s or with the nompi build tag", runtime.GOOS, runtime.GOARCH)
}

// startMPI fails: the MPI binding is not built for this platform.
func startMPI(Launch) (Comm, error) {
	return nil, startErr()
}
