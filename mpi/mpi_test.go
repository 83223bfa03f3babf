package mpi_test

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/mpi"
	"github.com/aim-go/aim/mpi/mpitest"
)

// workerEnv makes the test binary an MPI rank instead of running tests:
// "check" runs exercise, "time" times all-reduces (see timeAllReduce).
const workerEnv = "AIM_DIST_TEST_WORKER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(workerEnv); mode != "" {
		os.Exit(worker(mode))
	}
	os.Exit(m.Run())
}

func lookupLaunch() (string, bool) { return os.LookupEnv("OMPI_COMM_WORLD_SIZE") }

// worker is one rank under mpirun: it prints its failure and returns 1.
func worker(mode string) int {
	c, err := mpi.Start(mpi.Auto)
	if err == nil && c.Size() < 2 {
		err = fmt.Errorf("started as rank %d of %d, expected several ranks", c.Rank(), c.Size())
	}
	if err == nil {
		switch mode {
		case "check":
			err = exercise(c)
			if err == nil { // again with MPI calls cut into pieces of 1000 values
				old := mpi.SetMaxCount(1000)
				err = exercise(c)
				mpi.SetMaxCount(old)
			}
		case "time":
			err = timeAllReduce(c)
		default:
			err = fmt.Errorf("unknown worker mode %q", mode)
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "rank %s: %v\n", os.Getenv("OMPI_COMM_WORLD_RANK"), err)
		if c != nil {
			c.Abort(1)
		}
		return 1
	}
	fmt.Printf("rank %d of %d: ok\n", c.Rank(), c.Size())
	return errToCode(c.Close())
}

func errToCode(err error) int {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestMPI runs exercise on 2 and 3 MPI ranks: all-reduces of buffers of
// several sizes (some not divisible by the rank count), broadcasts,
// gathers and Agree.
func TestMPI(t *testing.T) {
	for _, np := range []int{2, 3} {
		cmd := mpitest.Command(t, np, []string{workerEnv + "=check"}, os.Args[0])
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%d ranks: %v\n%s", np, err, out)
		}
		if n := strings.Count(string(out), ": ok"); n != np {
			t.Errorf("%d ranks, %d reported ok:\n%s", np, n, out)
		}
	}
}

// timeAllReduce times in-place float32 all-reduces of the gradient of
// the presets named by AIM_DIST_TEST_PRESETS (default "bench,aim-600m"),
// a buffer of the preset's parameter count (trunk and head), reduced in
// buckets of AIM_DIST_TEST_BUCKET values (default 4Mi, train's bucket
// size), and prints the median of AIM_DIST_TEST_REPEATS (default 10) on
// rank 0. Run it with
//
//	go test -c -o /tmp/mpi.test ./mpi
//	AIM_DIST_TEST_WORKER=time mpirun -np 2 /tmp/mpi.test
func timeAllReduce(c mpi.Comm) error {
	presets := strings.Split(envOr("AIM_DIST_TEST_PRESETS", "bench,aim-600m"), ",")
	var repeats, bucket int
	if _, err := fmt.Sscan(envOr("AIM_DIST_TEST_REPEATS", "10"), &repeats); err != nil || repeats < 1 {
		return fmt.Errorf("AIM_DIST_TEST_REPEATS: expected a positive count")
	}
	if _, err := fmt.Sscan(envOr("AIM_DIST_TEST_BUCKET", "4194304"), &bucket); err != nil || bucket < 1 {
		return fmt.Errorf("AIM_DIST_TEST_BUCKET: expected a positive count")
	}
	for _, name := range presets {
		cfg, err := graph.Preset(name)
		if err != nil {
			return err
		}
		if cfg.ImageHeight == 0 { // the small presets take their image size from the data
			cfg = cfg.WithImage(1, 28, 28)
		}
		trunk, head := cfg.ParamCount()
		n := trunk + head
		buf := make([]float32, n)
		for i := range buf {
			buf[i] = 1e-3
		}
		times := make([]time.Duration, repeats)
		for i := range times {
			if err := c.Barrier(); err != nil {
				return err
			}
			began := time.Now()
			for lo := 0; lo < n; lo += bucket {
				if err := c.AllReduceFloat32(buf[lo:min(lo+bucket, n)]); err != nil {
					return err
				}
			}
			times[i] = time.Since(began)
		}
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		if c.Rank() == 0 {
			med := times[len(times)/2]
			fmt.Printf("all-reduce %s: %d float32 (%.1f MB) in buckets of %d over %d ranks: median %.2f ms, min %.2f ms, max %.2f ms (%.2f GB/s of buffer)\n",
				name, n, float64(4*n)/1e6, bucket, c.Size(), ms(med), ms(times[0]), ms(slices.Max(times)), float64(4*n)/med.Seconds()/1e9)
		}
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
