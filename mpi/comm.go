package mpi

import (
	"fmt"
	"hash/fnv"
	"math"
	"strings"

	"github.com/pkg/errors"
)

// Comm is the communicator of a job of Size ranks numbered 0…Size−1. Every
// collective (AllReduce*, Broadcast*, Barrier) must be called by every rank
// in the same order with buffers of the same length; Send and Recv pair up
// between two ranks. Buffers may hold any number of values, beyond MPI's
// 32-bit counts.
type Comm interface {
	// Rank returns this process's rank.
	Rank() int
	// Size returns the number of ranks.
	Size() int
	// AllReduceFloat32 replaces buf, on every rank, by the element-wise sum
	// of every rank's buf.
	AllReduceFloat32(buf []float32) error
	// AllReduceFloat64 is AllReduceFloat32 for float64 values.
	AllReduceFloat64(buf []float64) error
	// BroadcastFloat32 copies root's buf into every rank's.
	BroadcastFloat32(buf []float32, root int) error
	// BroadcastFloat64 is BroadcastFloat32 for float64 values.
	BroadcastFloat64(buf []float64, root int) error
	// Send sends buf to rank dest, which receives it with Recv.
	Send(buf []float32, dest int) error
	// Recv receives into buf what rank src sends with Send; the lengths
	// must match.
	Recv(buf []float32, src int) error
	// Barrier returns when every rank has called it.
	Barrier() error
	// Abort ends every rank of the job with the exit status code. For the
	// MPI communicator it does not return.
	Abort(code int)
	// Close ends the communicator (MPI_Finalize); every rank must call it.
	Close() error
}

// Single is the communicator of a process alone: rank 0 of 1. Collectives
// leave the buffers as they are; there is no one to send to.
type Single struct{}

func (Single) Rank() int                                    { return 0 }
func (Single) Size() int                                    { return 1 }
func (Single) AllReduceFloat32([]float32) error             { return nil }
func (Single) AllReduceFloat64([]float64) error             { return nil }
func (Single) BroadcastFloat32(_ []float32, root int) error { return checkRoot(root, 1) }
func (Single) BroadcastFloat64(_ []float64, root int) error { return checkRoot(root, 1) }
func (Single) Barrier() error                               { return nil }
func (Single) Close() error                                 { return nil }

// Abort does nothing: a process alone ends by returning its error.
func (Single) Abort(int) {}

// Send fails: a process alone has no peer.
func (Single) Send(_ []float32, dest int) error {
	return errors.Errorf("dist: send to rank %d in a job of 1 rank", dest)
}

// Recv fails: a process alone has no peer.
func (Single) Recv(_ []float32, src int) error {
	return errors.Errorf("dist: receive from rank %d in a job of 1 rank", src)
}

func checkRoot(root, size int) error {
	if root < 0 || root >= size {
		return errors.Errorf("dist: root rank %d in a job of %d ranks", root, size)
	}
	return nil
}

// Or returns c, or Single when c is nil.
func Or(c Comm) Comm {
	if c == nil {
		return Single{}
	}
	return c
}

// Share returns the range [lo, hi) of n items that rank takes of size
// ranks: contiguous ranges in rank order, whose lengths differ by at most
// one (the first n mod size ranks take one more).
func Share(n, rank, size int) (lo, hi int) {
	q, r := n/size, n%size
	lo = rank*q + min(rank, r)
	hi = lo + q
	if rank < r {
		hi++
	}
	return lo, hi
}

// everywhere marks an error that every rank returns identically.
type everywhere struct{ error }

func (e everywhere) Unwrap() error { return e.error }

// Everywhere marks err (nil stays nil) as returned identically by every
// rank at the same point of the job: the caller may end the job cleanly,
// rank 0 reporting the error and the others staying quiet.
func Everywhere(err error) error {
	if err == nil {
		return nil
	}
	return everywhere{err}
}

// IsEverywhere reports whether err was marked by Everywhere.
func IsEverywhere(err error) bool {
	var e everywhere
	return errors.As(err, &e)
}

// Failure is the outcome of Agree when a rank failed: every rank returns
// one, with its own error (nil on the ranks that did not fail) and the
// ranks that failed.
type Failure struct {
	Err    error // this rank's error; nil when another rank failed
	Ranks  []int // the ranks that failed, in order
	OfSize int   // the job's size
}

func (f *Failure) Error() string {
	if f.Err != nil {
		return f.Err.Error()
	}
	whose := "its error"
	if len(f.Ranks) > 1 {
		whose = "their errors"
	}
	// Not "above": the ranks print independently, and mpirun may pass
	// this line on before the failed rank's own.
	return fmt.Sprintf("%s of %d failed (see %s in the output)", rankList(f.Ranks), f.OfSize, whose)
}

// Unwrap returns this rank's error.
func (f *Failure) Unwrap() error { return f.Err }

func rankList(ranks []int) string {
	s := make([]string, len(ranks))
	for i, r := range ranks {
		s[i] = fmt.Sprint(r)
	}
	if len(ranks) == 1 {
		return "rank " + s[0]
	}
	return "ranks " + strings.Join(s, ", ")
}

// Agree is a collective: every rank passes its error (nil for success),
// and either every rank gets nil or every rank gets a *Failure naming the
// ranks that failed. With a single rank it returns err unchanged.
func Agree(c Comm, err error) error {
	if c.Size() == 1 {
		return err
	}
	flags := make([]float64, c.Size())
	if err != nil {
		flags[c.Rank()] = 1
	}
	if rerr := c.AllReduceFloat64(flags); rerr != nil {
		return errors.Wrap(rerr, "agreeing on the ranks' outcome")
	}
	var failed []int
	for r, f := range flags {
		if f != 0 {
			failed = append(failed, r)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return &Failure{Err: err, Ranks: failed, OfSize: c.Size()}
}

// SameOnAll is a collective that reports, on every rank, whether every
// rank passed the same string (compared through a 64-bit FNV-1a hash).
func SameOnAll(c Comm, s string) (bool, error) {
	if c.Size() == 1 {
		return true, nil
	}
	h := fnv.New64a()
	h.Write([]byte(s))
	sum := h.Sum64()
	own := []float64{float64(sum >> 32), float64(sum & math.MaxUint32)}
	root := append([]float64(nil), own...)
	if err := c.BroadcastFloat64(root, 0); err != nil {
		return false, err
	}
	differ := []float64{0}
	if root[0] != own[0] || root[1] != own[1] {
		differ[0] = 1
	}
	if err := c.AllReduceFloat64(differ); err != nil {
		return false, err
	}
	return differ[0] == 0, nil
}
