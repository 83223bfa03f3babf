package optest

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/internal/testing/gradcheck"
	"github.com/aim-go/aim/ops/internal/kit"
)

// RandTensor returns a float64 tensor of the shape, filled with standard
// normal values from rng.
func RandTensor(rng *rand.Rand, shape ...int) *tensor.Dense {
	t := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float64))
	for i := range t.Float64s() {
		t.Float64s()[i] = rng.NormFloat64()
	}
	return t
}

// RandTensor32 is RandTensor in float32.
func RandTensor32(rng *rand.Rand, shape ...int) *tensor.Dense {
	t := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))
	for i := range t.Float32s() {
		t.Float32s()[i] = float32(rng.NormFloat64())
	}
	return t
}

// ConstTensor returns a float64 tensor of the shape backed by v.
func ConstTensor(v []float64, shape ...int) *tensor.Dense {
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
}

// RunGraph runs g once and returns a copy of out's float64 data.
func RunGraph(t *testing.T, g *G.ExprGraph, out *G.Node) []float64 {
	t.Helper()
	runAll(t, g)
	return append([]float64(nil), out.Value().Data().([]float64)...)
}

// runAll runs g once on a TapeMachine.
func runAll(t *testing.T, g *G.ExprGraph) {
	t.Helper()
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
}

// built makes a graph of the inputs (copies of them when clone is set,
// named a, b, …) and build's output on them.
func built(t *testing.T, inputs []*tensor.Dense, clone bool, build gradcheck.Build) (*G.ExprGraph, []*G.Node, *G.Node) {
	t.Helper()
	g := G.NewGraph()
	nodes := make([]*G.Node, len(inputs))
	for i, in := range inputs {
		if clone {
			in = in.Clone().(*tensor.Dense)
		}
		nodes[i] = G.NodeFromAny(g, in, G.WithName(string(rune('a'+i))))
	}
	out, err := build(g, nodes)
	if err != nil {
		t.Fatal(err)
	}
	return g, nodes, out
}

// Forward evaluates build on the inputs and returns the output's data.
func Forward(t *testing.T, inputs []*tensor.Dense, build gradcheck.Build) []float64 {
	t.Helper()
	g, _, out := built(t, inputs, false, build)
	runAll(t, g)
	switch v := out.Value().(type) {
	case *G.F64:
		return []float64{float64(*v)}
	default:
		return append([]float64(nil), v.Data().([]float64)...)
	}
}

// AssertClose fails t unless every got[i] is within tol·(1+|want[i]|) of
// want[i].
func AssertClose(t *testing.T, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d values, want %d", len(got), len(want))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol*(1+math.Abs(want[i])) {
			t.Fatalf("element %d: got %.12g, want %.12g", i, got[i], want[i])
		}
	}
}

// CheckGrad compares the gradients of build's output with respect to the
// inputs listed in wrt with central finite differences.
func CheckGrad(t *testing.T, inputs []*tensor.Dense, wrt []int, build gradcheck.Build) {
	t.Helper()
	if err := gradcheck.Check(inputs, wrt, build, gradcheck.Options{Seed: 3}); err != nil {
		t.Fatal(err)
	}
}

// Projected runs build on copies of inputs with the loss L = Σ y∘r, so that
// dL/dy = r, and returns L, y and the gradients of L with respect to the
// inputs listed in wrt, in the inputs' element type T.
func Projected[T kit.Float](t *testing.T, inputs []*tensor.Dense, wrt []int, r []T, build gradcheck.Build) (loss T, y []T, grads [][]T) {
	t.Helper()
	g, nodes, out := built(t, inputs, true, build)
	rt := tensor.New(tensor.WithShape(out.Shape()...), tensor.WithBacking(append([]T(nil), r...)))
	l := G.Must(G.Sum(G.Must(G.HadamardProd(out, G.NodeFromAny(g, rt, G.WithName("R"))))))
	var of G.Nodes
	for _, i := range wrt {
		of = append(of, nodes[i])
	}
	gs, err := G.Grad(l, of...)
	if err != nil {
		t.Fatal(err)
	}
	runAll(t, g)
	for _, gn := range gs {
		grads = append(grads, append([]T(nil), kit.DataOf[T](gn.Value())...))
	}
	lv, err := kit.ScalarOf(l.Value())
	if err != nil {
		t.Fatal(err)
	}
	return T(lv), append([]T(nil), kit.DataOf[T](out.Value())...), grads
}
