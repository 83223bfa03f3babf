package train

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aim-go/aim/checkpoint"
)

// TestDivergenceBeforeTheFirstCheckpoint: a learning rate of 1e4 blows up
// before the first evaluation, and the error must not name a checkpoint
// that was never written.
func TestDivergenceBeforeTheFirstCheckpoint(t *testing.T) {
	trainSet, valSet := syntheticSet(10, 1), syntheticSet(3, 2)
	dir := t.TempDir()
	o := testOptions(dir)
	o.LR, o.Warmup, o.EvalEvery, o.Steps = 1e4, 0, 50, 100
	norm := Normalization{Mean: []float32{0}, Std: []float32{1}}
	_, err := Pretrain(context.Background(), o, trainSet, valSet, norm, Silent{})
	if err == nil || !strings.Contains(err.Error(), "training stopped") {
		t.Fatalf("a run at learning rate 1e4 returned %v; want it stopped", err)
	}
	if _, statErr := os.Stat(filepath.Join(dir, CheckpointFile)); statErr == nil {
		t.Fatalf("the run wrote a checkpoint before its first evaluation (error %v)", err)
	}
	if !strings.Contains(err.Error(), "no checkpoint was written yet") || strings.Contains(err.Error(), CheckpointFile) {
		t.Errorf("error %q; want it to say that no checkpoint was written yet", err)
	}
}

// TestDivergenceNamesTheLastCheckpointAndItsStep: after the evaluation at
// step 2 the pixels turn infinite; the error names the checkpoint of step 2.
func TestDivergenceNamesTheLastCheckpointAndItsStep(t *testing.T) {
	trainSet, valSet := syntheticSet(10, 1), syntheticSet(3, 2)
	dir := t.TempDir()
	o := testOptions(dir)
	o.Augment = nil
	norm := Normalization{Mean: []float32{0}, Std: []float32{1}}
	_, err := Pretrain(context.Background(), o, trainSet, valSet, norm, poisonAfterEval{set: trainSet})
	want := "the last good checkpoint is " + filepath.Join(dir, CheckpointFile) + ", from step 2"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v; want %q", err, want)
	}
}

// TestResumeRefusesANonFiniteCheckpoint: --resume must not continue from
// weights holding NaN.
func TestResumeRefusesANonFiniteCheckpoint(t *testing.T) {
	trainSet, valSet := syntheticSet(10, 1), syntheticSet(3, 2)
	dir := t.TempDir()
	o := testOptions(dir)
	o.Steps = 2
	norm := Normalization{Mean: []float32{0}, Std: []float32{1}}
	if _, err := Pretrain(context.Background(), o, trainSet, valSet, norm, Silent{}); err != nil {
		t.Fatal(err)
	}
	f := mustRead(t, dir)
	const bad = "trunk.blocks.0.mlp.fc1.weight"
	f.Tensors[bad].Data[0] = float32(math.NaN())
	path := filepath.Join(dir, CheckpointFile)
	if err := checkpoint.Write(path, f); err != nil {
		t.Fatal(err)
	}
	o.Resume = true
	_, err := Pretrain(context.Background(), o, trainSet, valSet, norm, Silent{})
	if err == nil || !strings.Contains(err.Error(), path+": tensor "+bad+" holds 1 NaN") {
		t.Fatalf("resuming from a checkpoint with a NaN weight: %v; want an error naming %s", err, bad)
	}
}
