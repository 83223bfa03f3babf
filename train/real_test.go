package train

import (
	"context"
	"testing"

	"gorgonia.org/tensor"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
)

// TestMNISTValidationLossFalls pre-trains a small model on real MNIST digits
// for a few dozen steps and checks that the held-out loss falls well below
// that of the untrained model.
func TestMNISTValidationLossFalls(t *testing.T) {
	if testing.Short() {
		t.Skip("real-data pre-training skipped in -short mode")
	}
	src, err := data.Load("mnist", data.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	split, err := PrepareData(src.Train, 256, 4096)
	if err != nil {
		t.Fatal(err)
	}
	o := NewOptions()
	o.Model = graph.Config{Patch: 4, Width: 32, Depth: 2, Heads: 2, MLPRatio: 4, HeadWidth: 32, HeadDepth: 1}
	o.Steps, o.Batch, o.EvalEvery, o.Out, o.Augment = 60, 32, 20, t.TempDir(), nil

	untrained, err := graph.New(o.Model.WithImage(1, 28, 28), tensor.Float32, o.Seed)
	if err != nil {
		t.Fatal(err)
	}
	lg, err := untrained.NewLossGraph(64, o.Objective)
	if err != nil {
		t.Fatal(err)
	}
	before, err := ValidationLoss(lg, split.Val.Images, split.Val.N, 64, 49)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Pretrain(context.Background(), o, split.Train, split.Val, split.Norm, Silent{})
	if err != nil {
		t.Fatal(err)
	}
	m := mustMetrics(t, o.Out)
	t.Logf("validation loss: untrained %.4f, then %v", before, valLosses(m))
	if sum.ValLoss > 0.75*before {
		t.Errorf("validation loss fell from %.4f only to %.4f", before, sum.ValLoss)
	}
	if m[len(m)-1].ValLoss >= m[0].ValLoss {
		t.Errorf("validation loss did not fall during training: %v", valLosses(m))
	}
}

func valLosses(m []Metrics) []float64 {
	out := make([]float64, len(m))
	for i, x := range m {
		out[i] = x.ValLoss
	}
	return out
}
