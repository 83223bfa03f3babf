package main

import (
	"strconv"
	"strings"
	"testing"
)

// Under mpirun the slow-BLAS notice is printed by rank 0 alone.
func TestSlowBLASNoticeOnRankZeroOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("runs bench in subprocesses")
	}
	noLib := []string{"AIM_BLAS=", "AIM_BLAS_LIB=" + t.TempDir() + "/libopenblas.so.0"}
	bench := []string{"bench", "--preset", "tiny", "--batch", "2", "--steps", "1"}
	for rank, want := range []int{1, 0} {
		env := append(noLib, "OMPI_COMM_WORLD_SIZE=2", "OMPI_COMM_WORLD_RANK="+strconv.Itoa(rank))
		code, _, stderr := runAim(t, env, bench...)
		if code != 0 {
			t.Fatalf("rank %d: aim bench: exit %d: %s", rank, code, stderr)
		}
		if n := strings.Count(stderr, "OpenBLAS was not found"); n != want {
			t.Errorf("rank %d of 2: the notice is on stderr %d times, want %d:\n%s", rank, n, want, stderr)
		}
	}
}
