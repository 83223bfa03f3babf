package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/checkpoint/schema"
	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/mpi/mpitest"
	"github.com/aim-go/aim/train"
)

// The tests of this file run aim under Open MPI's mpirun (on loopback and
// shared memory only) and skip themselves, saying so, where mpirun or
// libmpi is missing.

// mpiAim starts aim (this test binary, see TestMain) on np ranks.
func mpiAim(t *testing.T, np int, args ...string) *exec.Cmd {
	t.Helper()
	return mpitest.Command(t, np, []string{runMainEnv + "=1"}, os.Args[0], args...)
}

// runMPI runs aim on np ranks and returns its exit status, standard
// output and standard error.
func runMPI(t *testing.T, np int, args ...string) (int, string, string) {
	t.Helper()
	return runCollecting(t, mpiAim(t, np, args...))
}

// runCollecting runs cmd and returns its exit status, standard output and
// standard error; it fails the test only if cmd cannot be run at all.
func runCollecting(t *testing.T, cmd *exec.Cmd) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatal(err)
		}
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

// writePatterns writes n 1×16×16 images of smooth random stripes and
// noise, a dataset small enough to pre-train on in seconds.
func writePatterns(t *testing.T, n int) string {
	t.Helper()
	pixels := make([]float32, 0, n*256)
	for i := range n {
		f, p, q := 0.2+0.8*frac(float64(i)*0.618), 6.3*frac(float64(i)*0.414), 6.3*frac(float64(i)*0.732)
		for y := range 16 {
			for x := range 16 {
				noise := 0.1 * math.Sin(float64(i*256+y*16+x)*12.9898)
				pixels = append(pixels, float32(math.Sin(f*float64(x)+p)*math.Cos(0.7*f*float64(y)+q)+noise))
			}
		}
	}
	path := filepath.Join(t.TempDir(), "patterns.npy")
	if err := data.WriteNpy(path, pixels, []int{n, 1, 16, 16}); err != nil {
		t.Fatal(err)
	}
	return path
}

func frac(x float64) float64 { return x - math.Floor(x) }

// pretrainArgs are the flags of a short run of the micro preset.
func pretrainArgs(images, out string, steps int) []string {
	return []string{"pretrain", "--data", "npy:" + images, "--preset", "micro", "--batch", "64",
		"--steps", strconv.Itoa(steps), "--eval-every", "10", "--seed", "3", "--out", out}
}

// sameRunAs checks that the run in dir b follows the run in dir a: losses
// at every evaluation to a relative 1e-5, every tensor of the final
// checkpoint to ‖Δw‖/‖w‖ ≤ 1e-5 (the sums are taken in another order, so
// the bits differ).
func sameRunAs(t *testing.T, a, b string) {
	t.Helper()
	ma, err := train.ReadMetrics(a)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := train.ReadMetrics(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(ma) != len(mb) || len(ma) == 0 {
		t.Fatalf("%d and %d evaluations", len(ma), len(mb))
	}
	rel := func(x, y float64) float64 { return math.Abs(x-y) / math.Max(math.Abs(x), 1e-30) }
	for i := range ma {
		if ma[i].Step != mb[i].Step || rel(ma[i].TrainLoss, mb[i].TrainLoss) > 1e-5 || rel(ma[i].ValLoss, mb[i].ValLoss) > 1e-5 {
			t.Errorf("evaluation %d: %+v and %+v", i, ma[i], mb[i])
		}
	}
	fa, err := checkpoint.Read(filepath.Join(a, train.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	fb, err := checkpoint.Read(filepath.Join(b, train.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for _, name := range fa.Names() {
		wa, wb := fa.Tensors[name].Data, fb.Tensors[name].Data
		var diff, norm float64
		for i := range wa {
			diff += math.Pow(float64(wa[i]-wb[i]), 2)
			norm += math.Pow(float64(wa[i]), 2)
		}
		if r := math.Sqrt(diff / math.Max(norm, 1e-30)); r > 1e-5 {
			t.Errorf("tensor %s: ‖Δw‖/‖w‖ = %.2g", name, r)
		} else {
			worst = max(worst, r)
		}
	}
	t.Logf("largest ‖Δw‖/‖w‖ of a tensor: %.2g", worst)
}

// TestMPIPretrainFollowsOneProcess: 2 ranks with --batch 64 give the
// losses at every evaluation and the final weights of one process with
// --batch 64, and rank 0 alone speaks.
func TestMPIPretrainFollowsOneProcess(t *testing.T) {
	mpitest.Skip(t)
	images := writePatterns(t, 400)
	single, ranks := filepath.Join(t.TempDir(), "single"), filepath.Join(t.TempDir(), "ranks")
	if code, _, stderr := runAim(t, nil, pretrainArgs(images, single, 40)...); code != 0 {
		t.Fatalf("one process: exit %d\n%s", code, stderr)
	}
	code, stdout, stderr := runMPI(t, 2, pretrainArgs(images, ranks, 40)...)
	if code != 0 {
		t.Fatalf("2 ranks: exit %d\n%s", code, stderr)
	}
	sameRunAs(t, single, ranks)
	if n := strings.Count(stdout, `"ranks": 2`); n != 1 {
		t.Errorf("the summary is printed %d times, want once (rank 0):\n%s", n, stdout)
	}
	if n := strings.Count(stderr, "pretrain: npy:"); n != 1 || !strings.Contains(stderr, "over 2 ranks (32 images each)") {
		t.Errorf("the run is announced %d times, want once with its split:\n%s", n, stderr)
	}
	m, err := train.ReadMetrics(ranks)
	if err != nil || m[0].Ranks != 2 {
		t.Errorf("metrics of the 2 ranks: %+v, %v; want \"ranks\": 2", m, err)
	}
}

// TestMPIUsageErrors: a batch the ranks do not divide, and --dist off
// under mpirun, are usage errors reported once, by rank 0.
func TestMPIUsageErrors(t *testing.T) {
	mpitest.Skip(t)
	images := writePatterns(t, 20)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{append(pretrainArgs(images, filepath.Join(t.TempDir(), "a"), 2), "--batch", "63"), "--batch 63: the global batch is split evenly over the 2 ranks"},
		{append(pretrainArgs(images, filepath.Join(t.TempDir(), "b"), 2), "--dist", "off"), "--dist off: mpirun started 2 processes"},
	} {
		code, _, stderr := runMPI(t, 2, tc.args...)
		if code != 2 || strings.Count(stderr, tc.want) != 1 {
			t.Errorf("aim %s on 2 ranks: exit %d, stderr\n%s\nwant exit 2 and %q once", strings.Join(tc.args, " "), code, stderr, tc.want)
		}
	}
}

// TestMPIKilledRankThenResume: a rank killed with SIGKILL ends the whole
// job within seconds with a non-zero status and a message naming it; the
// checkpoint on disk is complete, and --resume (on 2 ranks again) finishes
// the run as one uninterrupted process would have.
func TestMPIKilledRankThenResume(t *testing.T) {
	mpitest.Skip(t)
	const steps = 300
	images := writePatterns(t, 400)
	dir := filepath.Join(t.TempDir(), "run")
	cmd := mpiAim(t, 2, pretrainArgs(images, dir, steps)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	waitForCheckpoint(t, dir, done)
	killed := time.Now()
	killRank(t, cmd.Process.Pid, 1)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the job still ran 30 s after rank 1 was killed:\n%s", stderr.String())
	}
	took := time.Since(killed)
	if code := cmd.ProcessState.ExitCode(); code == 0 || !strings.Contains(stderr.String(), "rank 1") {
		t.Fatalf("after rank 1 was killed mpirun exited with %d, stderr\n%s\nwant a non-zero status and a message naming rank 1", code, stderr.String())
	}
	t.Logf("the job ended %.1f s after rank 1 was killed", took.Seconds())
	f, err := checkpoint.Read(filepath.Join(dir, train.CheckpointFile))
	if err != nil {
		t.Fatalf("the checkpoint left by the killed job: %v", err)
	}
	at, _ := strconv.Atoi(f.Meta[schema.Step])
	if at <= 0 || at >= steps || at%10 != 0 {
		t.Fatalf("the killed job's checkpoint is at step %q", f.Meta[schema.Step])
	}

	code, stdout, errs := runMPI(t, 2, append(pretrainArgs(images, dir, steps), "--resume")...)
	if code != 0 {
		t.Fatalf("--resume on 2 ranks: exit %d\n%s", code, errs)
	}
	var sum train.Summary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil || sum.ResumedAtStep != at {
		t.Fatalf("--resume printed %q (%v); want a summary resumed at step %d", stdout, err, at)
	}
	single := filepath.Join(t.TempDir(), "single")
	if code, _, errs := runAim(t, nil, pretrainArgs(images, single, steps)...); code != 0 {
		t.Fatalf("one process: exit %d\n%s", code, errs)
	}
	sameRunAs(t, single, dir)
}

// waitForCheckpoint waits until the run in dir has written a checkpoint
// and two evaluations, failing if the job ends first.
func waitForCheckpoint(t *testing.T, dir string, done chan error) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		m, _ := train.ReadMetrics(dir)
		if _, err := os.Stat(filepath.Join(dir, train.CheckpointFile)); err == nil && len(m) >= 2 {
			return
		}
		select {
		case err := <-done:
			t.Fatalf("the job ended (%v) before its first checkpoint", err)
		case <-deadline:
			t.Fatal("no checkpoint after 60 s")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// killRank sends SIGKILL to the child of mpirun (pid) that is the given
// rank, found by its environment.
func killRank(t *testing.T, pid, rank int) {
	t.Helper()
	want := "OMPI_COMM_WORLD_RANK=" + strconv.Itoa(rank)
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		stat, err := os.ReadFile(filepath.Join(p, "stat"))
		if err != nil {
			continue
		}
		// The parent is the 4th field, after the command in parentheses.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) < 2 || fields[1] != strconv.Itoa(pid) {
			continue
		}
		env, _ := os.ReadFile(filepath.Join(p, "environ"))
		for _, kv := range bytes.Split(env, []byte{0}) {
			if string(kv) == want {
				child, _ := strconv.Atoi(filepath.Base(p))
				if err := syscall.Kill(child, syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				return
			}
		}
	}
	t.Fatalf("no child of mpirun (pid %d) is rank %d", pid, rank)
}

// TestMPIFeaturesAndProbe: aim features on 3 ranks (5 images per round of
// 3 × 2, so shares of unequal size) writes what one process writes, and
// aim probe on 2 ranks caches the features on both, trains on rank 0 and
// reports as one process does.
func TestMPIFeaturesAndProbe(t *testing.T) {
	mpitest.Skip(t)
	ckpt, images := writeTrunk(t), writeImages(t, 17)
	dir := t.TempDir()
	for _, pool := range []string{"none", "mean"} {
		one, three := filepath.Join(dir, pool+"-one.npy"), filepath.Join(dir, pool+"-three.npy")
		args := []string{"features", "--checkpoint", ckpt, "--images", images, "--batch", "2", "--pool", pool, "--out"}
		if code, _, stderr := runAim(t, nil, append(args, one)...); code != 0 {
			t.Fatalf("one process: exit %d\n%s", code, stderr)
		}
		if code, _, stderr := runMPI(t, 3, append(args, three)...); code != 0 {
			t.Fatalf("3 ranks: exit %d\n%s", code, stderr)
		}
		a, b := mustReadNpy(t, one), mustReadNpy(t, three)
		if len(a) != len(b) {
			t.Fatalf("--pool %s: %d feature values from one process, %d from 3 ranks", pool, len(a), len(b))
		}
		for i := range a {
			if math.Abs(float64(a[i]-b[i])) > 1e-5*(1+math.Abs(float64(a[i]))) {
				t.Fatalf("--pool %s: feature value %d is %v on 3 ranks, %v in one process", pool, i, b[i], a[i])
			}
		}
		ja, _ := os.ReadFile(orderPath(one))
		jb, _ := os.ReadFile(orderPath(three))
		if !bytes.Equal(ja, jb) {
			t.Errorf("--pool %s: the input order differs:\n%s\n%s", pool, ja, jb)
		}
	}
	probeArgs := func(out string) []string {
		return []string{"probe", "--checkpoint", ckpt, "--data", "mnist", "--train-images", "300", "--test-images", "100",
			"--epochs", "2", "--min-steps", "0", "--batch", "64", "--feature-batch", "32", "--out", out}
	}
	one, two := filepath.Join(dir, "probe-one"), filepath.Join(dir, "probe-two")
	if code, _, stderr := runAim(t, nil, probeArgs(one)...); code != 0 {
		t.Fatalf("aim probe, one process: exit %d\n%s", code, stderr)
	}
	code, stdout, stderr := runMPI(t, 2, probeArgs(two)...)
	if code != 0 {
		t.Fatalf("aim probe, 2 ranks: exit %d\n%s", code, stderr)
	}
	ra, rb := mustReadResult(t, one), mustReadResult(t, two)
	if rb.FeatureRanks != 2 || math.Abs(ra.TestAccuracy-rb.TestAccuracy) > 0.02 || strings.Count(stdout, `"feature_ranks": 2`) != 1 {
		t.Errorf("aim probe on 2 ranks: %d feature ranks, test accuracy %g (one process %g); stdout\n%s", rb.FeatureRanks, rb.TestAccuracy, ra.TestAccuracy, stdout)
	}
}

// mustReadNpy reads the float32 values of a .npy file of any shape.
func mustReadNpy(t *testing.T, path string) []float32 {
	t.Helper()
	_, v := readNpyArray(t, path)
	return v
}

// probeResult is the part of result.json the tests compare.
type probeResult struct {
	TestAccuracy float64 `json:"test_accuracy"`
	FeatureRanks int     `json:"feature_ranks"`
}

func mustReadResult(t *testing.T, dir string) probeResult {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r probeResult
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestDistFlag: --dist takes auto or off; off runs one process as auto
// does outside mpirun (no MPI needed).
func TestDistFlag(t *testing.T) {
	images := writePatterns(t, 20)
	for _, cmd := range [][]string{
		pretrainArgs(images, filepath.Join(t.TempDir(), "a"), 1),
		{"features", "--checkpoint", writeTrunk(t), "--images", writeImages(t, 2), "--out", filepath.Join(t.TempDir(), "f.npy")},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(append(cmd, "--dist", "on"), &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), `--dist: unknown mode "on": expected auto or off`) {
			t.Errorf("aim %s --dist on: exit %d, stderr %q", cmd[0], code, stderr.String())
		}
		stdout.Reset()
		stderr.Reset()
		if code := run(append(cmd, "--dist", "off"), &stdout, &stderr); code != 0 {
			t.Errorf("aim %s --dist off: exit %d, stderr %q", cmd[0], code, stderr.String())
		}
	}
}
