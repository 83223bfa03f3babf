package ops

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// bf16Weights draws n weights as bfloat16 bits and returns them with their
// exact float32 values.
func bf16Weights(rng *rand.Rand, n int) ([]uint16, []float32) {
	bits, wide := make([]uint16, n), make([]float32, n)
	for i := range bits {
		bits[i] = uint16(math.Float32bits(float32(rng.NormFloat64())) >> 16)
		wide[i] = math.Float32frombits(uint32(bits[i]) << 16)
	}
	return bits, wide
}

// TestLinearBF16MatchesLinear runs a layer with bfloat16 weights and the
// same layer on the weights widened to float32: the outputs must be equal
// bit for bit, and the stand-in weight's data, NaNs here, never read.
func TestLinearBF16MatchesLinear(t *testing.T) {
	const rows, in, out = 300, 640, 40
	rng := rand.New(rand.NewPCG(4, 2))
	bits, wide := bf16Weights(rng, out*in)
	xs, bias := make([]float32, rows*in), make([]float32, out)
	for i := range xs {
		xs[i] = float32(rng.NormFloat64())
	}
	for i := range bias {
		bias[i] = float32(rng.NormFloat64())
	}
	standIn := make([]float32, out*in)
	for i := range standIn {
		standIn[i] = float32(math.NaN())
	}
	run := func(bf16 bool) []float32 {
		g := G.NewGraph()
		x := G.NodeFromAny(g, tensor.New(tensor.WithShape(rows, in), tensor.WithBacking(xs)), G.WithName("x"))
		b := G.NodeFromAny(g, tensor.New(tensor.WithShape(out), tensor.WithBacking(bias)), G.WithName("b"))
		var y *G.Node
		if bf16 {
			w := G.NodeFromAny(g, tensor.New(tensor.WithShape(out, in), tensor.WithBacking(standIn)), G.WithName("w"))
			y = G.Must(LinearBF16(x, w, b, bits))
		} else {
			w := G.NodeFromAny(g, tensor.New(tensor.WithShape(out, in), tensor.WithBacking(wide)), G.WithName("w"))
			y = G.Must(Linear(x, w, b, false))
		}
		vm := G.NewTapeMachine(g)
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		return append([]float32(nil), y.Value().Data().([]float32)...)
	}
	got, want := run(true), run(false)
	if !slices.Equal(got, want) {
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("y[%d] = %v with bfloat16 weights, %v with them widened", i, got[i], want[i])
			}
		}
	}
}

func TestLinearBF16Errors(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float32, G.WithShape(4, 8), G.WithName("x"), G.WithInit(G.Zeroes()))
	w := G.NewMatrix(g, tensor.Float32, G.WithShape(3, 8), G.WithName("w"), G.WithInit(G.Zeroes()))
	if _, err := LinearBF16(x, w, nil, make([]uint16, 23)); err == nil || !strings.Contains(err.Error(), "23 bfloat16 values") {
		t.Errorf("23 values for a 3×8 weight: error %v", err)
	}
	w64 := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 8), G.WithName("w64"), G.WithInit(G.Zeroes()))
	if _, err := LinearBF16(x, w64, nil, make([]uint16, 24)); err == nil || !strings.Contains(err.Error(), "float32") {
		t.Errorf("float64 weight: error %v", err)
	}
	y, err := LinearBF16(x, w, nil, make([]uint16, 24))
	if err != nil {
		t.Fatal(err)
	}
	cost := G.Must(G.Sum(y))
	if _, err := G.Grad(cost, w); err == nil || !strings.Contains(err.Error(), "inference only") {
		t.Errorf("gradient through bfloat16 weights: error %v", err)
	}
}
