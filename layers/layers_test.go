package layers

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

// TestSinCos2D spells out the embedding of one token for width 8: ω =
// (1, 1/100), column half first, each half [sin, sin, cos, cos].
func TestSinCos2D(t *testing.T) {
	emb, err := SinCos2D(8, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	r, c := 1.0, 2.0 // token 1·3 + 2 = 5
	want := []float64{
		math.Sin(c), math.Sin(c / 100), math.Cos(c), math.Cos(c / 100),
		math.Sin(r), math.Sin(r / 100), math.Cos(r), math.Cos(r / 100),
	}
	got := emb[5*8 : 6*8]
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-15 {
			t.Fatalf("token 5: %v, want %v", got, want)
		}
	}
	if _, err := SinCos2D(6, 2, 2); err == nil {
		t.Error("width 6 accepted")
	}
}

func TestParamsRejectsMismatches(t *testing.T) {
	p := NewParams(tensor.Float32)
	if err := p.Set("w", tensor.New(tensor.WithShape(2, 3), tensor.Of(tensor.Float32))); err != nil {
		t.Fatal(err)
	}
	if err := p.Set("w", tensor.New(tensor.WithShape(3, 2), tensor.Of(tensor.Float32))); err == nil || !strings.Contains(err.Error(), "w") {
		t.Errorf("a new shape for w: %v", err)
	}
	if err := p.Set("v", tensor.New(tensor.WithShape(2), tensor.Of(tensor.Float64))); err == nil {
		t.Error("a float64 tensor in a float32 store was accepted")
	}
	b := NewBuilder(p, rand.New(rand.NewPCG(1, 1)))
	if n := b.Param("w", XavierUniform, []int{4, 4}); n != nil || b.Err() == nil || !strings.Contains(b.Err().Error(), "parameter w") {
		t.Errorf("a layer asking w for another shape: node %v, error %v", n, b.Err())
	}
	if b.Linear(nil, nil, nil, true) != nil {
		t.Error("a builder that failed still builds")
	}
}

func TestXavierUniformBounds(t *testing.T) {
	data := make([]float64, 64*32)
	XavierUniform(data, []int{64, 32}, rand.New(rand.NewPCG(2, 2)))
	a := math.Sqrt(6.0 / 96)
	var maxAbs float64
	for _, v := range data {
		maxAbs = math.Max(maxAbs, math.Abs(v))
	}
	if maxAbs > a || maxAbs < 0.9*a {
		t.Errorf("largest |w| %g, bound %g", maxAbs, a)
	}
}

// A float32 tensor larger than the fill chunk gets exactly the values one
// call of the Init gives.
func TestChunkedInitMatchesOneCall(t *testing.T) {
	shape := []int{3*initChunk/7 + 5, 7}
	b := NewBuilder(NewParams(tensor.Float32), rand.New(rand.NewPCG(9, 9)))
	got := b.newTensor(XavierUniform, shape).Data().([]float32)
	want := make([]float64, shape[0]*shape[1])
	XavierUniform(want, shape, rand.New(rand.NewPCG(9, 9)))
	for i := range want {
		if got[i] != float32(want[i]) {
			t.Fatalf("value %d: %v in chunks, %v in one call", i, got[i], float32(want[i]))
		}
	}
}

// TestSinCos2DRefusesHugeGrids: a grid whose table cannot be allocated is
// an error, not a panic in make.
func TestSinCos2DRefusesHugeGrids(t *testing.T) {
	for _, g := range [][2]int{{100_000_000, 100_000_000}, {1 << 20, 1 << 20}, {0, 4}, {4, -1}} {
		if _, err := SinCos2D(8, g[0], g[1]); err == nil || !strings.Contains(err.Error(), "sin-cos position embedding") {
			t.Errorf("grid %d×%d: %v, want an error", g[0], g[1], err)
		}
	}
}
