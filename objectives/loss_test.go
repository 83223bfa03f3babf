package objectives

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/ops"
)

func TestLossByHand(t *testing.T) {
	// Two rows of two values; the second row does not count.
	pred := []float64{1, 2, 5, 5}
	target := []float64{0, 4, 0, 0}
	weight := []float64{1, 0}
	if got, want := Loss(pred, target, weight, 2), (1.0+4.0)/2; got != want {
		t.Errorf("Loss = %g, want %g", got, want)
	}
	if got := Loss(pred, target, []float64{0, 0}, 2); got != 0 {
		t.Errorf("Loss with no counted row = %g, want 0", got)
	}
}

// NextPatchLoss in a graph computes Loss, with and without a row limit.
func TestNextPatchLossIsLoss(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const rows, p = 6, 5
	pred, target := make([]float64, rows*p), make([]float64, rows*p)
	for i := range pred {
		pred[i], target[i] = rng.NormFloat64(), rng.NormFloat64()
	}
	weight := []float64{1, 0, 1, 1, 0, 1}
	for _, limit := range []int{rows, 4} {
		g := G.NewGraph()
		node := func(name string, v []float64, shape ...int) *G.Node {
			return G.NodeFromAny(g, tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), v...))), G.WithName(name))
		}
		var counted *ops.Rows
		if limit < rows {
			counted = ops.NewRows()
			counted.Set([]int{0, 1, 2, 3}) // the first 4 gathered rows count
		}
		loss, err := NextPatchLoss(node("pred", pred, rows, p), node("target", target, rows, p), node("weight", weight, rows), counted)
		if err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(g)
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		got := float64(*loss.Value().(*G.F64))
		want := Loss(pred[:limit*p], target[:limit*p], weight[:limit], p)
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("limit %d: graph loss %g, Loss %g", limit, got, want)
		}
		vm.Close()
	}
}
