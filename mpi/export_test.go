//go:build (darwin || freebsd || linux) && (amd64 || arm64) && !nompi

package mpi

// SetMaxCount sets the most values one MPI call moves and returns the
// previous limit, so that tests can exercise the splitting of long buffers.
func SetMaxCount(n int) int {
	old := maxCount
	maxCount = n
	return old
}
