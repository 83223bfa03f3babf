package train

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/checkpoint/schema"
)

// TestKeepCheckpointsWritesEveryEvaluation: with KeepCheckpoints a run
// keeps the weights of every evaluation, the last equal to the final
// checkpoint's; a run interrupted and resumed keeps the same ones; without
// it a run keeps none.
func TestKeepCheckpointsWritesEveryEvaluation(t *testing.T) {
	trainSet, valSet := syntheticSet(10, 1), syntheticSet(3, 2)
	norm := Normalization{Mean: []float32{0}, Std: []float32{1}}
	straight := t.TempDir()
	o := testOptions(straight) // 7 steps, an evaluation every 2
	o.KeepCheckpoints = true
	if _, err := Pretrain(context.Background(), o, trainSet, valSet, norm, Silent{}); err != nil {
		t.Fatal(err)
	}
	final := mustRead(t, straight)
	steps := []int{2, 4, 6, 7}
	for _, step := range steps {
		snap := readSnapshot(t, straight, step)
		if _, ok := snap.Tensors[schema.OptimizerPrefix+"m."+final.Names()[0]]; ok || len(snap.Tensors) == 0 {
			t.Errorf("snapshot of step %d: %d tensors, optimiser state included %t; want the weights alone", step, len(snap.Tensors), ok)
		}
		if snap.Meta[schema.Step] != strconv.Itoa(step) || snap.Meta[schema.DataMean] == "" {
			t.Errorf("snapshot of step %d records step %q and normalisation %q", step, snap.Meta[schema.Step], snap.Meta[schema.DataMean])
		}
		same := true
		for name, tensor := range snap.Tensors {
			same = same && slices.Equal(tensor.Data, final.Tensors[name].Data)
		}
		// The last step's learning rate is 0, so the weights of step 6
		// are the final ones too; those of step 2 are not.
		if want := step >= 6; same != want {
			t.Errorf("snapshot of step %d equals the final weights: %t, want %t", step, same, want)
		}
	}

	broken := t.TempDir()
	b := testOptions(broken)
	b.KeepCheckpoints = true
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := Pretrain(ctx, b, trainSet, valSet, norm, cancelAt{step: 3, cancel: cancel}); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupted run returned %v", err)
	}
	b.Resume = true
	if _, err := Pretrain(context.Background(), b, trainSet, valSet, norm, Silent{}); err != nil {
		t.Fatal(err)
	}
	for _, step := range steps {
		x, y := readSnapshot(t, straight, step), readSnapshot(t, broken, step)
		for name, tensor := range x.Tensors {
			if !slices.Equal(tensor.Data, y.Tensors[name].Data) {
				t.Errorf("step %d: %s differs between the uninterrupted and the resumed run", step, name)
			}
		}
	}

	plain := t.TempDir()
	if _, err := Pretrain(context.Background(), testOptions(plain), trainSet, valSet, norm, Silent{}); err != nil {
		t.Fatal(err)
	}
	if kept, _ := filepath.Glob(filepath.Join(plain, "checkpoint-step*")); len(kept) != 0 {
		t.Errorf("without KeepCheckpoints the run kept %v", kept)
	}
}

func readSnapshot(t *testing.T, dir string, step int) *checkpoint.File {
	t.Helper()
	path := filepath.Join(dir, SnapshotFile(step))
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no snapshot of step %d: %v", step, err)
	}
	f, err := checkpoint.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
