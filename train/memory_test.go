package train

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pretendMemory makes the run believe the machine has avail bytes left.
func pretendMemory(t *testing.T, avail int64) {
	t.Helper()
	old := availableMemory
	availableMemory = func() (int64, string, bool) { return avail, "a pretended machine", true }
	t.Cleanup(func() { availableMemory = old })
}

// A batch larger than the data is allowed (epochs wrap) but one whose step
// would not fit in memory is refused before anything is allocated or
// written, with the estimate in the message.
func TestBatchTooLargeForMemoryIsRefusedUpFront(t *testing.T) {
	o := testOptions(filepath.Join(t.TempDir(), "run"))
	o.Batch = 4000 // 10 training images: the batch wraps over 400 epochs
	need := o.Model.WithImage(1, 8, 12).TrainBytes(o.Batch)
	pretendMemory(t, need/2)
	norm := Normalization{Mean: []float32{0}, Std: []float32{1}}
	_, err := Pretrain(context.Background(), o, syntheticSet(10, 1), syntheticSet(3, 2), norm, Silent{})
	if err == nil {
		t.Fatal("a batch twice the available memory was accepted")
	}
	for _, want := range []string{"batch 4000", "needs about", "a pretended machine", humanBytes(need)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if _, err := os.Stat(o.Out); !os.IsNotExist(err) {
		t.Errorf("the refused run created %s", o.Out)
	}

	pretendMemory(t, need*2)
	o.Steps, o.EvalEvery = 1, 1
	if _, err := Pretrain(context.Background(), o, syntheticSet(10, 1), syntheticSet(3, 2), norm, Silent{}); err != nil {
		t.Fatalf("the same batch with enough memory: %v", err)
	}
}
