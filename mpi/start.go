package mpi

import (
	"os"
	"strconv"
	"sync"

	"github.com/pkg/errors"
)

// Mode chooses between a distributed and a single-process run.
type Mode string

// The modes of Start (the --dist flag of aim).
const (
	Auto Mode = "auto" // distributed when launched by mpirun, else single
	Off  Mode = "off"  // a single process, whatever the environment says
)

// ParseMode reads a mode name.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case Auto, Off:
		return m, nil
	}
	return "", errors.Errorf("unknown mode %q: expected auto or off", s)
}

// Launch is the place of this process in a job started by Open MPI's
// mpirun, as its environment tells.
type Launch struct {
	Rank, Size           int // in the whole job
	LocalRank, LocalSize int // on this machine
}

// Launched reads the environment mpirun sets for each rank
// (OMPI_COMM_WORLD_SIZE, _RANK, _LOCAL_RANK, _LOCAL_SIZE); ok is false
// outside mpirun. A malformed value is an error.
func Launched() (l Launch, ok bool, err error) {
	if _, set := os.LookupEnv("OMPI_COMM_WORLD_SIZE"); !set {
		return Launch{}, false, nil
	}
	l = Launch{LocalSize: 1}
	fields := []struct {
		name     string
		dst      *int
		required bool
	}{
		{"OMPI_COMM_WORLD_SIZE", &l.Size, true},
		{"OMPI_COMM_WORLD_RANK", &l.Rank, true},
		{"OMPI_COMM_WORLD_LOCAL_RANK", &l.LocalRank, false},
		{"OMPI_COMM_WORLD_LOCAL_SIZE", &l.LocalSize, false},
	}
	for _, f := range fields {
		value, set := os.LookupEnv(f.name)
		if !set && !f.required {
			continue
		}
		v, err := strconv.Atoi(value)
		if err != nil || v < 0 {
			return Launch{}, false, errors.Errorf("%s=%q: expected a count (is this process really started by Open MPI's mpirun?)", f.name, value)
		}
		*f.dst = v
	}
	if l.Size < 1 || l.Rank >= l.Size {
		return Launch{}, false, errors.Errorf("OMPI_COMM_WORLD_RANK=%d, OMPI_COMM_WORLD_SIZE=%d: expected a rank below the size", l.Rank, l.Size)
	}
	return l, true, nil
}

var (
	startMu sync.Mutex
	started Comm
)

// Start returns the communicator of this process: with Auto, the MPI
// communicator when mpirun launched the process (MPI is initialised on the
// first call; later calls return the same communicator), else Single; with
// Off, Single. Off in a launch of several processes is an error, since
// each would run the whole job.
func Start(m Mode) (Comm, error) {
	l, launched, err := Launched()
	if err != nil {
		return nil, err
	}
	switch m {
	case Off:
		if launched && l.Size > 1 {
			return nil, errors.Errorf("mpirun started %d processes, but distribution is off: each would run the whole job; start one process, or leave distribution on", l.Size)
		}
		return Single{}, nil
	case Auto:
	default:
		return nil, errors.Errorf("unknown mode %q: expected auto or off", m)
	}
	if !launched {
		return Single{}, nil
	}
	startMu.Lock()
	defer startMu.Unlock()
	if started == nil {
		c, err := startMPI(l)
		if err != nil {
			return nil, errors.Wrapf(err, "mpirun started this process as rank %d of %d, but MPI could not start", l.Rank, l.Size)
		}
		started = c
	}
	return started, nil
}

// LocalSize returns how many ranks of c run on this machine: what shares
// its memory. It is 1 for Single.
func LocalSize(c Comm) int {
	if l, ok := c.(interface{ LocalSize() int }); ok {
		return max(1, l.LocalSize())
	}
	return 1
}
