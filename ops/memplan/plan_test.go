package memplan

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/ops"
	"github.com/aim-go/aim/ops/internal/optest"
)

// TestPlanSharesDeadOutputs builds a chain of GELUs: each output is
// dead once the next GELU has read it, and GELU may write over its input,
// so one allocation serves the whole chain (the first GELU's, as its input
// is the graph's own), and the result is unchanged.
func TestPlanSharesDeadOutputs(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 2))
	x := optest.RandTensor(rng, 4, 5)
	build := func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
		y := in[0]
		for i := 0; i < 6; i++ {
			y = G.Must(ops.GELU(y))
		}
		return y, nil
	}
	want := optest.Forward(t, []*tensor.Dense{x}, build)

	g := G.NewGraph()
	y, _ := build(g, []*G.Node{G.NodeFromAny(g, x, G.WithName("x"))})
	n, err := Plan(g, y)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d allocations for a chain of 6, want 1", n)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	for run := 0; run < 2; run++ {
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		optest.AssertClose(t, y.Value().Data().([]float64), want, 1e-15)
		vm.Reset()
	}
}

// TestPlanInPlaceSparesWhatGradientsRead differentiates a chain of
// GELUs, whose backward ops read each GELU's input: planned, the gradient
// must be the unplanned graph's, bit for bit, so no GELU may have written
// over an input that a gradient reads.
func TestPlanInPlaceSparesWhatGradientsRead(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 3))
	x := optest.RandTensor(rng, 4, 5)
	grad := func(plan bool) []float64 {
		g := G.NewGraph()
		in := G.NodeFromAny(g, x.Clone().(*tensor.Dense), G.WithName("x"))
		y := in
		for range 3 {
			y = G.Must(ops.GELU(y))
		}
		target := G.NodeFromAny(g, tensor.New(tensor.WithShape(4, 5), tensor.Of(tensor.Float64)), G.WithName("target"))
		weight := G.NodeFromAny(g, tensor.New(tensor.WithShape(4), tensor.WithBacking([]float64{1, 1, 1, 1})), G.WithName("w"))
		loss := G.Must(ops.WeightedMSE(y, target, weight))
		grads, err := G.Grad(loss, in)
		if err != nil {
			t.Fatal(err)
		}
		if plan {
			if _, err := Plan(g, append(grads, loss)...); err != nil {
				t.Fatal(err)
			}
		}
		return optest.RunGraph(t, g, grads[0])
	}
	if got, want := grad(true), grad(false); !slices.Equal(got, want) {
		t.Errorf("gradient with planned memory %v, without %v", got, want)
	}
}

// TestPlanRefusesGorgoniaBLAS: a Gorgonia matrix product reuses memory of
// its own, which the plan cannot see, so a graph holding one is refused
// with an error naming the operation.
func TestPlanRefusesGorgoniaBLAS(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 4))
	g := G.NewGraph()
	a := G.NodeFromAny(g, optest.RandTensor(rng, 3, 4), G.WithName("a"))
	b := G.NodeFromAny(g, optest.RandTensor(rng, 4, 2), G.WithName("b"))
	y := G.Must(ops.GELU(G.Must(G.Mul(a, b))))
	_, err := Plan(g, y)
	if err == nil || !strings.Contains(err.Error(), "calls BLAS") {
		t.Fatalf("Plan of a graph with a Gorgonia matrix product: err = %v, want a refusal naming BLAS", err)
	}
}
