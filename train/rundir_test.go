package train

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/checkpoint/schema"
)

// pauseAt blocks a run when a given step completes, until released.
type pauseAt struct {
	Silent
	step    int
	reached chan struct{}
	release chan struct{}
}

func (p pauseAt) Step(done int, _, _ float64) {
	if done == p.step {
		close(p.reached)
		<-p.release
	}
}

// wantError fails unless err names every one of want.
func wantError(t *testing.T, err error, what string, want ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s succeeded", what)
		return
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: error %q does not name %q", what, err, w)
		}
	}
}

// TestASecondRunOnABusyDirectoryIsRefused starts a run, and, while it is
// at its first step (before its first checkpoint), a second run and a
// resumption in the same directory: both are refused, naming the holder,
// and the first run finishes undisturbed. Then the directory is free.
func TestASecondRunOnABusyDirectoryIsRefused(t *testing.T) {
	trainSet, valSet := syntheticSet(10, 1), syntheticSet(3, 2)
	norm := Normalization{Mean: []float32{0}, Std: []float32{1}}
	dir := t.TempDir()
	pause := pauseAt{step: 1, reached: make(chan struct{}), release: make(chan struct{})}
	first := make(chan error, 1)
	go func() {
		_, err := Pretrain(context.Background(), testOptions(dir), trainSet, valSet, norm, pause)
		first <- err
	}()
	<-pause.reached
	host, _ := os.Hostname()
	holder := []string{dir, "process " + strconv.Itoa(os.Getpid()), "host " + host, filepath.Join(dir, LockFile), "--out"}
	_, err := Pretrain(context.Background(), testOptions(dir), trainSet, valSet, norm, Silent{})
	wantError(t, err, "a second run in a busy directory", holder...)
	resume := testOptions(dir)
	resume.Resume = true
	_, err = Pretrain(context.Background(), resume, trainSet, valSet, norm, Silent{})
	wantError(t, err, "resuming in a busy directory", holder...)
	close(pause.release)
	if err := <-first; err != nil {
		t.Fatalf("the first run: %v", err)
	}
	if f := mustRead(t, dir); f.Meta[schema.Step] != "7" {
		t.Errorf("the first run's checkpoint is at step %s, want 7", f.Meta[schema.Step])
	}
	if m := mustMetrics(t, dir); len(m) != 4 || m[0].Step != 2 {
		t.Errorf("the first run's metrics: %+v, want 4 lines from step 2", m)
	}
	sum, err := Pretrain(context.Background(), resume, trainSet, valSet, norm, Silent{})
	if err != nil {
		t.Fatalf("resuming the finished run once its directory is free: %v", err)
	}
	m := mustMetrics(t, dir)
	if last := m[len(m)-1]; sum.TrainLoss != last.TrainLoss || sum.ValLoss != last.ValLoss || sum.ResumedAtStep != 7 {
		t.Errorf("resuming the finished run: %+v, want its last metrics %+v", sum, last)
	}
}

// TestAKilledRunsLockFileIsNoObstacle: the lock file a killed run leaves,
// with its record, does not keep a new run out.
func TestAKilledRunsLockFileIsNoObstacle(t *testing.T) {
	dir := t.TempDir()
	stale := `{"host":"elsewhere","pid":4242,"since":"2024-01-01T00:00:00Z"}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, LockFile), []byte(stale), 0o644); err != nil {
		t.Fatal(err)
	}
	norm := Normalization{Mean: []float32{0}, Std: []float32{1}}
	if _, err := Pretrain(context.Background(), testOptions(dir), syntheticSet(10, 1), nil, norm, Silent{}); err != nil {
		t.Fatal(err)
	}
}

// TestResumeRemovesStaleTemporaryFiles: the temporary files a write killed
// mid-way leaves in the run directory are removed when the run resumes;
// other files stay.
func TestResumeRemovesStaleTemporaryFiles(t *testing.T) {
	trainSet := syntheticSet(10, 1)
	norm := Normalization{Mean: []float32{0}, Std: []float32{1}}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := Pretrain(ctx, testOptions(dir), trainSet, nil, norm, cancelAt{step: 3, cancel: cancel}); err == nil {
		t.Fatal("the interrupted run succeeded")
	}
	stale := []string{".checkpoint.safetensors.tmp-123456", ".metrics.jsonl.tmp-7"}
	kept := []string{".notes.txt.tmp-1", "checkpoint.safetensors.tmp-2", ".checkpoint.safetensors.tmp-old"}
	for _, name := range append(stale, kept...) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	o := testOptions(dir)
	o.Resume = true
	if _, err := Pretrain(context.Background(), o, trainSet, nil, norm, Silent{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range stale {
		if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("the stale temporary file %s is still there (%v)", name, err)
		}
	}
	for _, name := range kept {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s, not a temporary file of the run, was removed: %v", name, err)
		}
	}
}

// TestResumeRefusesABadStep resumes checkpoints whose step metadata is
// past the run's steps, negative or not a whole number.
func TestResumeRefusesABadStep(t *testing.T) {
	trainSet := syntheticSet(10, 1)
	norm := Normalization{Mean: []float32{0}, Std: []float32{1}}
	dir := t.TempDir()
	if _, err := Pretrain(context.Background(), testOptions(dir), trainSet, nil, norm, Silent{}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, CheckpointFile)
	good := mustRead(t, dir)
	for _, tc := range []struct {
		step string
		want []string
	}{
		{"9", []string{path, "step 9", "--steps 7"}},
		{"-1", []string{path, `step "-1"`, "0 or more"}},
		{"2.5", []string{path, `step "2.5"`, "whole number"}},
		{"", []string{path, `step ""`, "whole number"}},
	} {
		f := *good
		f.Meta = map[string]string{}
		for k, v := range good.Meta {
			f.Meta[k] = v
		}
		f.Meta[schema.Step] = tc.step
		if err := checkpoint.Write(path, &f); err != nil {
			t.Fatal(err)
		}
		o := testOptions(dir)
		o.Resume = true
		_, err := Pretrain(context.Background(), o, trainSet, nil, norm, Silent{})
		wantError(t, err, "resuming at step "+strconv.Quote(tc.step), tc.want...)
	}
}
