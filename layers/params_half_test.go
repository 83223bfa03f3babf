package layers

import (
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
