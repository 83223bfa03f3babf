package mpitest

import (
	"os/exec"
	"strconv"
	"testing"

	"github.com/aim-go/aim/mpi"
)

// Args are the options every test launch passes mpirun: allowed as root,
// more ranks than cores allowed, and only the loopback interface and
// shared memory used (no network is touched).
var Args = []string{
	"--allow-run-as-root", "--oversubscribe",
	"--mca", "btl", "self,vader", "--mca", "oob_tcp_if_include", "lo",
}

// Skip skips t unless mpirun and Open MPI's libmpi are installed.
func Skip(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("mpirun"); err != nil {
		t.Skip("mpirun not found (install openmpi-bin and libopenmpi-dev): the MPI tests are skipped")
	}
	if err := mpi.Available(); err != nil {
		t.Skipf("the MPI tests are skipped: %v", err)
	}
}

// Command returns mpirun starting np copies of prog with args (after Skip),
// each rank with the environment of the test process plus env.
func Command(t testing.TB, np int, env []string, prog string, args ...string) *exec.Cmd {
	t.Helper()
	Skip(t)
	all := append(append([]string{"-np", strconv.Itoa(np)}, Args...), prog)
	cmd := exec.Command("mpirun", append(all, args...)...)
	cmd.Env = append(cmd.Environ(), env...)
	return cmd
}

// CommandInDirs returns mpirun starting, after Skip, one copy of prog with
// args per folder of dirs, rank r working in dirs[r], each with the
// environment of the test process plus env: a relative path in args then
// names a file of each rank's own, as the same path does on separate
// machines.
func CommandInDirs(t testing.TB, dirs, env []string, prog string, args ...string) *exec.Cmd {
	t.Helper()
	Skip(t)
	all := append([]string{}, Args...)
	for r, dir := range dirs {
		if r > 0 {
			all = append(all, ":")
		}
		all = append(append(all, "-np", "1", "--wdir", dir, prog), args...)
	}
	cmd := exec.Command("mpirun", all...)
	cmd.Env = append(cmd.Environ(), env...)
	return cmd
}
