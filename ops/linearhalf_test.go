package ops

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/internal/half"
)

// halfWeights draws n weights as 16-bit values of format h and returns
// them with their exact float32 values.
func halfWeights(rng *rand.Rand, h blas.Half, n int) ([]uint16, []float32) {
	bits, wide := make([]uint16, n), make([]float32, n)
	for i := range bits {
		v := float32(rng.NormFloat64())
		if h == blas.BF16 {
			bits[i] = uint16(math.Float32bits(v) >> 16)
			wide[i] = half.BF16(bits[i])
			continue
		}
		// A binary16 value near v: sign, exponent rebiased from float32's,
		// fraction truncated (|v| < 2⁻¹⁴ is flushed to zero).
		u := math.Float32bits(v)
		if e := int(u>>23&0xff) - 127 + 15; e > 0 && e < 31 {
			bits[i] = uint16(u>>16&0x8000) | uint16(e)<<10 | uint16(u>>13&0x3ff)
		}
		wide[i] = half.F16(bits[i])
	}
	return bits, wide
}

// TestLinearHalfMatchesLinear runs a layer with 16-bit weights and the
// same layer on the weights widened to float32: the outputs must be equal
// bit for bit, and the stand-in weight's data, NaNs here, never read.
func TestLinearHalfMatchesLinear(t *testing.T) {
	for _, h := range []blas.Half{blas.BF16, blas.F16} {
		t.Run(h.String(), func(t *testing.T) { checkLinearHalf(t, h) })
	}
}

func checkLinearHalf(t *testing.T, h blas.Half) {
	const rows, in, out = 300, 640, 40
	rng := rand.New(rand.NewPCG(4, 2))
	bits, wide := halfWeights(rng, h, out*in)
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
	run := func(half bool) []float32 {
		g := G.NewGraph()
		x := G.NodeFromAny(g, tensor.New(tensor.WithShape(rows, in), tensor.WithBacking(xs)), G.WithName("x"))
		b := G.NodeFromAny(g, tensor.New(tensor.WithShape(out), tensor.WithBacking(bias)), G.WithName("b"))
		var y *G.Node
		if half {
			w := G.NodeFromAny(g, tensor.New(tensor.WithShape(out, in), tensor.WithBacking(standIn)), G.WithName("w"))
			y = G.Must(LinearHalf(x, w, b, h, bits))
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
				t.Fatalf("y[%d] = %v with %v weights, %v with them widened", i, got[i], h, want[i])
			}
		}
	}
}

func TestLinearHalfErrors(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float32, G.WithShape(4, 8), G.WithName("x"), G.WithInit(G.Zeroes()))
	w := G.NewMatrix(g, tensor.Float32, G.WithShape(3, 8), G.WithName("w"), G.WithInit(G.Zeroes()))
	if _, err := LinearHalf(x, w, nil, blas.F16, make([]uint16, 23)); err == nil || !strings.Contains(err.Error(), "23 F16 values") {
		t.Errorf("23 values for a 3×8 weight: error %v", err)
	}
	w64 := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 8), G.WithName("w64"), G.WithInit(G.Zeroes()))
	if _, err := LinearHalf(x, w64, nil, blas.BF16, make([]uint16, 24)); err == nil || !strings.Contains(err.Error(), "float32") {
		t.Errorf("float64 weight: error %v", err)
	}
	if _, err := LinearHalf(x, w, nil, blas.Half(0), make([]uint16, 24)); err == nil || !strings.Contains(err.Error(), "unknown 16-bit format") {
		t.Errorf("no format: error %v", err)
	}
	y, err := LinearHalf(x, w, nil, blas.BF16, make([]uint16, 24))
	if err != nil {
		t.Fatal(err)
	}
	cost := G.Must(G.Sum(y))
	if _, err := G.Grad(cost, w); err == nil || !strings.Contains(err.Error(), "inference only") {
		t.Errorf("gradient through BF16 weights: error %v", err)
	}
}
