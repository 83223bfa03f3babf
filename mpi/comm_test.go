package mpi_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/mpi"
)

func TestShareCoversInOrder(t *testing.T) {
	for _, size := range []int{1, 2, 3, 7} {
		for _, n := range []int{0, 1, 2, 5, 6, 7, 100, 101} {
			next, longest, shortest := 0, 0, n
			for r := range size {
				lo, hi := mpi.Share(n, r, size)
				if lo != next || hi < lo {
					t.Fatalf("Share(%d, %d, %d) = [%d, %d), want it to start at %d", n, r, size, lo, hi, next)
				}
				next = hi
				longest, shortest = max(longest, hi-lo), min(shortest, hi-lo)
			}
			if next != n || longest-shortest > 1 {
				t.Errorf("%d items over %d ranks: covered %d, lengths %d…%d", n, size, next, shortest, longest)
			}
		}
	}
}

func TestSingle(t *testing.T) {
	var c mpi.Comm = mpi.Single{}
	buf := []float32{1, 2}
	if err := c.AllReduceFloat32(buf); err != nil || !slices.Equal(buf, []float32{1, 2}) {
		t.Errorf("all-reduce alone changed the buffer to %v (%v)", buf, err)
	}
	if c.BroadcastFloat64(nil, 1) == nil || c.Send(buf, 1) == nil || c.Recv(buf, 1) == nil {
		t.Error("a broadcast from rank 1, a send or a receive in a job of one rank did not fail")
	}
	mine := errors.New("mine")
	if err := mpi.Agree(c, mine); err != mine {
		t.Errorf("Agree alone returned %v, want the error unchanged", err)
	}
	if mpi.Or(nil).Size() != 1 {
		t.Error("Or(nil) does not give Single")
	}
}

// onRanks runs fn on each of n Local ranks in its own goroutine and
// returns their errors.
func onRanks(n int, fn func(c mpi.Comm) error) []error {
	comms := mpi.Local(n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for r, c := range comms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[r] = fn(c)
		}()
	}
	wg.Wait()
	return errs
}

// exercise runs every operation of a communicator (and SameInputs) and
// checks the results;
// the same check runs on Local ranks here and on MPI ranks under mpirun
// (see TestMPI).
func exercise(c mpi.Comm) error {
	rank, size := c.Rank(), c.Size()
	for _, n := range []int{0, 1, 2, 3, 7, size + 1, 1000, 1001, 4099, 1<<16 + 3} {
		f32, f64 := make([]float32, n), make([]float64, n)
		for i := range n {
			f32[i] = float32((rank + 1) * (i%7 + 1))
			f64[i] = float64(rank+1) * (float64(i%5) + 0.5)
		}
		if err := c.AllReduceFloat32(f32); err != nil {
			return err
		}
		if err := c.AllReduceFloat64(f64); err != nil {
			return err
		}
		tri := size * (size + 1) / 2
		for i := range n {
			if want := float32(tri * (i%7 + 1)); f32[i] != want {
				return errors.Errorf("rank %d: float32 all-reduce of %d values: [%d] = %v, want %v", rank, n, i, f32[i], want)
			}
			if want := float64(tri) * (float64(i%5) + 0.5); f64[i] != want {
				return errors.Errorf("rank %d: float64 all-reduce of %d values: [%d] = %v, want %v", rank, n, i, f64[i], want)
			}
		}
	}
	if err := checkBroadcast(c); err != nil {
		return err
	}
	for root := range min(size, 2) {
		if err := checkGather(c, 1001, root); err != nil {
			return err
		}
	}
	if err := checkAgree(c); err != nil {
		return err
	}
	return checkSameInputs(c)
}

func checkBroadcast(c mpi.Comm) error {
	root := c.Size() - 1
	b32, b64 := make([]float32, 1003), make([]float64, 5)
	for i := range b32 {
		b32[i] = float32(c.Rank()*10000 + i)
	}
	for i := range b64 {
		b64[i] = float64(c.Rank()) + 0.25*float64(i)
	}
	if err := c.BroadcastFloat32(b32, root); err != nil {
		return err
	}
	if err := c.BroadcastFloat64(b64, root); err != nil {
		return err
	}
	if b32[1002] != float32(root*10000+1002) || b64[4] != float64(root)+1 {
		return errors.Errorf("rank %d: broadcast from rank %d gave %v and %v", c.Rank(), root, b32[1002], b64[4])
	}
	return c.Barrier()
}

// checkGather gathers n items of 3 values split over the ranks, a count
// not divisible by the ranks.
func checkGather(c mpi.Comm, n, root int) error {
	counts := mpi.ShareCounts(n, 3, c.Size())
	lo, hi := mpi.Share(n, c.Rank(), c.Size())
	send := make([]float32, 0, (hi-lo)*3)
	for i := lo * 3; i < hi*3; i++ {
		send = append(send, float32(i))
	}
	var recv []float32
	if c.Rank() == root {
		recv = make([]float32, n*3)
	}
	if err := mpi.Gather(c, send, recv, counts, root); err != nil {
		return err
	}
	for i, v := range recv {
		if v != float32(i) {
			return errors.Errorf("gather to rank %d: [%d] = %v", root, i, v)
		}
	}
	return nil
}

func checkAgree(c mpi.Comm) error {
	if err := mpi.Agree(c, nil); err != nil {
		return errors.Wrap(err, "Agree without errors")
	}
	if c.Size() == 1 {
		return nil // Agree returns the error itself (TestSingle)
	}
	var mine error
	if c.Rank() == c.Size()-1 {
		mine = errors.New("last rank failed")
	}
	err := mpi.Agree(c, mine)
	var f *mpi.Failure
	if !errors.As(err, &f) || !slices.Equal(f.Ranks, []int{c.Size() - 1}) || f.Err != mine {
		return errors.Errorf("rank %d: Agree with the last rank failing returned %#v", c.Rank(), err)
	}
	if mine == nil && f.Error() != fmt.Sprintf("rank %d of %d failed (see its error in the output)", c.Size()-1, c.Size()) {
		return errors.Errorf("the other ranks' failure reads %q", f.Error())
	}
	return nil
}

func TestLocal(t *testing.T) {
	for _, n := range []int{1, 2, 3} {
		for r, err := range onRanks(n, exercise) {
			if err != nil {
				t.Errorf("%d local ranks, rank %d: %v", n, r, err)
			}
		}
	}
}

func TestLocalMismatchFailsEverywhere(t *testing.T) {
	errs := onRanks(2, func(c mpi.Comm) error {
		if c.Rank() == 0 {
			return c.AllReduceFloat32(make([]float32, 3))
		}
		return c.AllReduceFloat32(make([]float32, 4))
	})
	if errs[0] == nil || errs[1] == nil {
		t.Errorf("all-reduces of 3 and 4 values returned %v and %v, want errors on both", errs[0], errs[1])
	}
}

func TestLocalAbortUnblocks(t *testing.T) {
	errs := onRanks(3, func(c mpi.Comm) error {
		if c.Rank() == 2 {
			c.Abort(3)
			return nil
		}
		if c.Rank() == 1 {
			return c.Recv(make([]float32, 1), 2)
		}
		return c.Barrier()
	})
	if errs[0] == nil || errs[1] == nil {
		t.Errorf("after an abort, a barrier returned %v and a receive %v; want errors", errs[0], errs[1])
	}
}

func TestLaunchedFromEnvironment(t *testing.T) {
	t.Setenv("OMPI_COMM_WORLD_SIZE", "4")
	t.Setenv("OMPI_COMM_WORLD_RANK", "2")
	t.Setenv("OMPI_COMM_WORLD_LOCAL_SIZE", "2")
	t.Setenv("OMPI_COMM_WORLD_LOCAL_RANK", "0")
	l, ok, err := mpi.Launched()
	if err != nil || !ok || l != (mpi.Launch{Rank: 2, Size: 4, LocalRank: 0, LocalSize: 2}) {
		t.Errorf("Launched() = %+v, %v, %v", l, ok, err)
	}
	if _, err := mpi.Start(mpi.Off); err == nil {
		t.Error("distribution off in a launch of 4 processes was not refused")
	}
	t.Setenv("OMPI_COMM_WORLD_RANK", "4")
	if _, _, err := mpi.Launched(); err == nil {
		t.Error("rank 4 of 4 was accepted")
	}
	t.Setenv("OMPI_COMM_WORLD_RANK", "x")
	if _, _, err := mpi.Launched(); err == nil {
		t.Error("rank x was accepted")
	}
}

func TestNotLaunchedIsSingle(t *testing.T) {
	if _, set := lookupLaunch(); set {
		t.Skip("running under mpirun")
	}
	for _, m := range []mpi.Mode{mpi.Auto, mpi.Off} {
		c, err := mpi.Start(m)
		if err != nil || c.Size() != 1 {
			t.Errorf("Start(%s) outside mpirun: %v, %v; want Single", m, c, err)
		}
	}
	if _, err := mpi.ParseMode("on"); err == nil {
		t.Error(`mode "on" was accepted`)
	}
}

// TestFailureMessage: the other ranks' report of a failed rank does not
// claim its error was printed first: ranks print independently, and
// mpirun interleaves their output in any order.
func TestFailureMessage(t *testing.T) {
	for _, tc := range []struct {
		ranks []int
		want  string
	}{
		{[]int{1}, "rank 1 of 2 failed (see its error in the output)"},
		{[]int{0, 2}, "ranks 0, 2 of 3 failed (see their errors in the output)"},
	} {
		f := &mpi.Failure{Ranks: tc.ranks, OfSize: tc.ranks[len(tc.ranks)-1] + 1}
		if got := f.Error(); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.ranks, got, tc.want)
		}
	}
}
