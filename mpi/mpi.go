//go:build (darwin || freebsd || linux) && (amd64 || arm64) && !nompi

package mpi

import (
	"os"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
	"github.com/pkg/errors"
)

// LibEnvVar names the environment variable that, when set, is the one
// libmpi file tried.
const LibEnvVar = "AIM_MPI_LIB"

// Open MPI's values of the constants mpi.h defines.
const (
	mpiSuccess          = 0
	mpiThreadSerialized = 2 // MPI_THREAD_SERIALIZED
	mpiInPlace          = 1 // MPI_IN_PLACE is (void *) 1
	mpiStatusIgnore     = 0 // MPI_STATUS_IGNORE is (MPI_Status *) 0
	mpiMaxErrorString   = 256
	messageTag          = 0x41494d // the tag of Send and Recv
)

// maxCount bounds the values of one MPI call (its count is a C int);
// longer buffers go in pieces. A variable so that tests can cut pieces
// small.
var maxCount = 1 << 30

// mpiLib holds the addresses of the functions and predefined objects of a
// loaded libmpi.
type mpiLib struct {
	path                                     string
	initThread, finalize, commRank, commSize uintptr
	allreduce, bcast, send, recv, barrier    uintptr
	abort, errorString                       uintptr
	world, float32Type, float64Type, sumOp   uintptr
}

// mpiComm is MPI_COMM_WORLD of an initialised libmpi. A mutex serialises
// the calls (MPI_THREAD_SERIALIZED).
type mpiComm struct {
	mu         sync.Mutex
	lib        *mpiLib
	rank, size int
	localSize  int
	closed     bool
}

// libCandidates lists the libmpi files tried, in order.
func libCandidates() []string {
	if p := os.Getenv(LibEnvVar); p != "" {
		return []string{p}
	}
	if runtime.GOOS == "darwin" {
		return []string{"libmpi.40.dylib", "libmpi.dylib", "/opt/homebrew/lib/libmpi.dylib", "/usr/local/lib/libmpi.dylib"}
	}
	return []string{"libmpi.so.40", "libmpi.so", "/usr/lib/x86_64-linux-gnu/libmpi.so.40", "/usr/lib/aarch64-linux-gnu/libmpi.so.40", "/usr/lib64/openmpi/lib/libmpi.so.40"}
}

// loadMPI returns the first candidate that loads as Open MPI's libmpi.
func loadMPI() (*mpiLib, error) {
	var failures []string
	for _, p := range libCandidates() {
		lib, err := openMPI(p)
		if err == nil {
			return lib, nil
		}
		failures = append(failures, err.Error())
	}
	return nil, errors.Errorf("Open MPI's libmpi not found (install openmpi-bin and libopenmpi-dev, or name the file with %s): %s", LibEnvVar, strings.Join(failures, "; "))
}

// openMPI loads path (RTLD_GLOBAL: Open MPI's plugins resolve its symbols
// through the global scope) and resolves the symbols the binding uses.
func openMPI(path string) (*mpiLib, error) {
	h, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		return nil, errors.Wrapf(err, "dlopen %s", path)
	}
	lib := &mpiLib{path: path}
	syms := []struct {
		name string
		addr *uintptr
	}{
		{"MPI_Init_thread", &lib.initThread}, {"MPI_Finalize", &lib.finalize},
		{"MPI_Comm_rank", &lib.commRank}, {"MPI_Comm_size", &lib.commSize},
		{"MPI_Allreduce", &lib.allreduce}, {"MPI_Bcast", &lib.bcast},
		{"MPI_Send", &lib.send}, {"MPI_Recv", &lib.recv},
		{"MPI_Barrier", &lib.barrier}, {"MPI_Abort", &lib.abort},
		{"MPI_Error_string", &lib.errorString},
		{"ompi_mpi_comm_world", &lib.world}, {"ompi_mpi_float", &lib.float32Type},
		{"ompi_mpi_double", &lib.float64Type}, {"ompi_mpi_op_sum", &lib.sumOp},
	}
	for _, s := range syms {
		if *s.addr, err = purego.Dlsym(h, s.name); err != nil {
			return nil, errors.Wrapf(err, "%s: no symbol %s (is it Open MPI's libmpi?)", path, s.name)
		}
	}
	return lib, nil
}

// Available reports whether Open MPI's libmpi can be loaded (without
// initialising it): nil, or why not.
func Available() error {
	_, err := loadMPI()
	return err
}

// startMPI loads libmpi and initialises MPI for the launch l.
func startMPI(l Launch) (Comm, error) {
	lib, err := loadMPI()
	if err != nil {
		return nil, err
	}
	var provided int32
	if r, _, _ := purego.SyscallN(lib.initThread, 0, 0, mpiThreadSerialized, uintptr(unsafe.Pointer(&provided))); int32(r) != mpiSuccess {
		return nil, errors.Errorf("MPI_Init_thread failed with code %d", int32(r))
	}
	c := &mpiComm{lib: lib, localSize: l.LocalSize}
	if provided < mpiThreadSerialized {
		c.Abort(1)
		return nil, errors.Errorf("%s provides thread level %d, below MPI_THREAD_SERIALIZED", lib.path, provided)
	}
	var rank, size int32
	if err := c.check("MPI_Comm_rank", c.call(lib.commRank, lib.world, uintptr(unsafe.Pointer(&rank)))); err != nil {
		return nil, err
	}
	if err := c.check("MPI_Comm_size", c.call(lib.commSize, lib.world, uintptr(unsafe.Pointer(&size)))); err != nil {
		return nil, err
	}
	c.rank, c.size = int(rank), int(size)
	return c, nil
}

func (c *mpiComm) Rank() int      { return c.rank }
func (c *mpiComm) Size() int      { return c.size }
func (c *mpiComm) LocalSize() int { return c.localSize }

// call runs an MPI function and returns its result code.
func (c *mpiComm) call(fn uintptr, args ...uintptr) int32 {
	r, _, _ := purego.SyscallN(fn, args...)
	return int32(r)
}

// check turns an MPI result code into an error naming the function.
func (c *mpiComm) check(fn string, code int32) error {
	if code == mpiSuccess {
		return nil
	}
	buf := make([]byte, mpiMaxErrorString)
	var n int32
	c.call(c.lib.errorString, uintptr(code), uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&n)))
	return errors.Errorf("%s failed: %s (code %d)", fn, string(buf[:max(0, min(int(n), len(buf)))]), code)
}

// inPieces runs one MPI call, named fn for its errors, over buf in
// successive pieces of at most maxCount values, holding the communicator's
// lock: call gets the address and length of each piece and returns MPI's
// error code.
func inPieces[T float32 | float64](c *mpiComm, fn string, buf []T, call func(p uintptr, n int) int32) error {
	if err := c.lock(); err != nil {
		return err
	}
	defer c.mu.Unlock()
	for off := 0; off < len(buf); off += maxCount {
		n := min(maxCount, len(buf)-off)
		if err := c.check(fn, call(uintptr(unsafe.Pointer(&buf[off])), n)); err != nil {
			return err
		}
	}
	return nil
}

// lock takes the mutex of the communicator, failing after Close.
func (c *mpiComm) lock() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return errors.New("dist: the MPI communicator is closed")
	}
	return nil
}

func (c *mpiComm) AllReduceFloat32(buf []float32) error {
	return allReduce(c, buf, c.lib.float32Type)
}

func (c *mpiComm) AllReduceFloat64(buf []float64) error {
	return allReduce(c, buf, c.lib.float64Type)
}

// allReduce sums buf over the ranks in place (MPI_IN_PLACE).
func allReduce[T float32 | float64](c *mpiComm, buf []T, typ uintptr) error {
	return inPieces(c, "MPI_Allreduce", buf, func(p uintptr, n int) int32 {
		return c.call(c.lib.allreduce, mpiInPlace, p, uintptr(n), typ, c.lib.sumOp, c.lib.world)
	})
}

func (c *mpiComm) BroadcastFloat32(buf []float32, root int) error {
	return broadcast(c, buf, c.lib.float32Type, root)
}

func (c *mpiComm) BroadcastFloat64(buf []float64, root int) error {
	return broadcast(c, buf, c.lib.float64Type, root)
}

func broadcast[T float32 | float64](c *mpiComm, buf []T, typ uintptr, root int) error {
	if err := checkRoot(root, c.size); err != nil {
		return err
	}
	return inPieces(c, "MPI_Bcast", buf, func(p uintptr, n int) int32 {
		return c.call(c.lib.bcast, p, uintptr(n), typ, uintptr(root), c.lib.world)
	})
}

func (c *mpiComm) Send(buf []float32, dest int) error {
	if err := c.peer(dest); err != nil {
		return err
	}
	return inPieces(c, "MPI_Send", buf, func(p uintptr, n int) int32 {
		return c.call(c.lib.send, p, uintptr(n), c.lib.float32Type, uintptr(dest), messageTag, c.lib.world)
	})
}

func (c *mpiComm) Recv(buf []float32, src int) error {
	if err := c.peer(src); err != nil {
		return err
	}
	return inPieces(c, "MPI_Recv", buf, func(p uintptr, n int) int32 {
		return c.call(c.lib.recv, p, uintptr(n), c.lib.float32Type, uintptr(src), messageTag, c.lib.world, mpiStatusIgnore)
	})
}

func (c *mpiComm) peer(r int) error {
	if r < 0 || r >= c.size || r == c.rank {
		return errors.Errorf("dist: rank %d cannot exchange with rank %d of %d", c.rank, r, c.size)
	}
	return nil
}

func (c *mpiComm) Barrier() error {
	if err := c.lock(); err != nil {
		return err
	}
	defer c.mu.Unlock()
	return c.check("MPI_Barrier", c.call(c.lib.barrier, c.lib.world))
}

// Abort calls MPI_Abort, which ends every rank with status code; it
// does not return (if MPI_Abort ever did, the process exits).
func (c *mpiComm) Abort(code int) {
	c.call(c.lib.abort, c.lib.world, uintptr(code))
	os.Exit(code)
}

// Close finalises MPI; later calls fail.
func (c *mpiComm) Close() error {
	if err := c.lock(); err != nil {
		return nil // closed already
	}
	defer c.mu.Unlock()
	c.closed = true
	return c.check("MPI_Finalize", c.call(c.lib.finalize))
}
