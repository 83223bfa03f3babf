package layers

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/aim-go/aim/blas"
)

// TestParamsHalf: weights stored as 16-bit values read back widened, keep
// their stand-in as the tensor, are forgotten when a float32 tensor
// replaces them, and are refused in a float64 store or with the wrong
// count.
func TestParamsHalf(t *testing.T) {
	p := NewParams(tensor.Float32)
	standIn := tensor.New(tensor.WithShape(2, 2), tensor.Of(tensor.Float32))
	bits := []uint16{0x3c00, 0xc000, 0x3800, 0x0001} // F16: 1, −2, 0.5, 2⁻²⁴
	if err := p.SetHalf("w", standIn, blas.F16, bits); err != nil {
		t.Fatal(err)
	}
	if h, got := p.Half("w"); h != blas.F16 || !slices.Equal(got, bits) {
		t.Errorf("Half(w) = %v, %v", h, got)
	}
	if c := p.HalfCounts(); len(c) != 1 || c[blas.F16] != 1 {
		t.Errorf("HalfCounts() = %v, want one F16 tensor", c)
	}
	if p.Get("w") != standIn {
		t.Error("Get(w) is not the stand-in")
	}
	if got, want := p.Float32s("w"), []float32{1, -2, 0.5, 1.0 / (1 << 24)}; !slices.Equal(got, want) {
		t.Errorf("Float32s(w) = %v, want %v", got, want)
	}
	plain := tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float32{4, 3, 2, 1}))
	if err := p.Set("w", plain); err != nil {
		t.Fatal(err)
	}
	if _, got := p.Half("w"); got != nil || len(p.HalfCounts()) != 0 || !slices.Equal(p.Float32s("w"), []float32{4, 3, 2, 1}) {
		t.Errorf("after Set: Half %v, Float32s %v", got, p.Float32s("w"))
	}
	if err := p.SetHalf("v", standIn, blas.BF16, bits[:3]); err == nil || !strings.Contains(err.Error(), "3 BF16 values for shape (2, 2)") {
		t.Errorf("3 values for a 2×2 weight: %v", err)
	}
	p64 := NewParams(tensor.Float64)
	if err := p64.SetHalf("w", standIn, blas.BF16, bits); err == nil || !strings.Contains(err.Error(), "float32 store") {
		t.Errorf("a float64 store: %v", err)
	}
}

// TestHoldHalf: the weights of linear layers (and only those) are rounded
// to 16-bit values and held; a float64 store is refused.
func TestHoldHalf(t *testing.T) {
	p := NewParams(tensor.Float32)
	b := NewBuilder(p, rand.New(rand.NewPCG(1, 2)))
	NewLinear(b, "lin", 3, 2, true)
	NewLayerNorm(b, "norm", 3)
	if err := b.Err(); err != nil {
		t.Fatal(err)
	}
	if got := p.LinearWeights(); !slices.Equal(got, []string{"lin.weight"}) {
		t.Fatalf("LinearWeights() = %v", got)
	}
	want := p.Float32s("lin.weight")
	release, err := p.HoldHalf(blas.BF16)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	h, bits := p.Half("lin.weight")
	if h != blas.BF16 || len(bits) != 6 {
		t.Fatalf("lin.weight held as %v, %d values", h, len(bits))
	}
	for i, v := range p.Float32s("lin.weight") {
		if d := math.Abs(float64(v - want[i])); d > math.Abs(float64(want[i]))/256 {
			t.Errorf("value %d: %v held for %v", i, v, want[i])
		}
	}
	if c := p.HalfCounts(); c[blas.BF16] != 1 {
		t.Errorf("HalfCounts() = %v: only the linear weight may be held", c)
	}
	if _, err := NewParams(tensor.Float64).HoldHalf(blas.F16); err == nil {
		t.Error("a float64 store was held as F16")
	}
}
