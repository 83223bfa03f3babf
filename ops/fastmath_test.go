package ops

import (
	"math"
	"testing"

	"github.com/aim-go/aim/internal/isa"
)

// TestFastMathAccuracy compares erf32 and exp32 with the math package on a
// dense grid, in units of float32 precision.
func TestFastMathAccuracy(t *testing.T) {
	var worstErf, worstExp float64
	for x := -10.0; x <= 10; x += 1e-4 {
		got, want := float64(erf32(float32(x))), math.Erf(float64(float32(x)))
		worstErf = math.Max(worstErf, math.Abs(got-want))
	}
	for x := -87.0; x <= 88; x += 1e-3 {
		xf := float64(float32(x))
		got, want := float64(exp32(float32(x))), math.Exp(xf)
		worstExp = math.Max(worstExp, math.Abs(got-want)/want)
	}
	if worstErf > 5e-7 {
		t.Errorf("erf32: largest absolute error %.3g", worstErf)
	}
	if worstExp > 5e-7 {
		t.Errorf("exp32: largest relative error %.3g", worstExp)
	}
	t.Logf("erf32 max abs error %.3g, exp32 max rel error %.3g", worstErf, worstExp)
	if exp32(-100) != 0 || !math.IsInf(float64(exp32(100)), 1) || erf32(-9) != -1 || erf32(9) != 1 {
		t.Error("limits of erf32/exp32 wrong")
	}
}

func BenchmarkErf32(b *testing.B) {
	var s float32
	for i := 0; i < b.N; i++ {
		s += erf32(float32(i&1023) / 256)
	}
	_ = s
}

func BenchmarkMathErf(b *testing.B) {
	var s float64
	for i := 0; i < b.N; i++ {
		s += math.Erf(float64(i&1023) / 256)
	}
	_ = s
}

func BenchmarkExp32(b *testing.B) {
	var s float32
	for i := 0; i < b.N; i++ {
		s += exp32(-float32(i&1023) / 128)
	}
	_ = s
}

// TestGELUTables compares the interpolated float32 GELU and its derivative
// with the float64 formulas, including outside the table and at NaN.
func TestGELUTables(t *testing.T) {
	var worstF, worstG float64
	for x := -12.0; x <= 12; x += 1.0 / 4096 {
		xf := float64(float32(x))
		f := xf * phi(xf)
		g := phi(xf) + xf*pdf(xf)
		worstF = math.Max(worstF, math.Abs(float64(gelu32(float32(x)))-f)/(1+math.Abs(f)))
		worstG = math.Max(worstG, math.Abs(float64(geluGrad32(float32(x)))-g))
	}
	if worstF > 3e-7 || worstG > 3e-7 {
		t.Errorf("GELU table errors: value %.3g (relative), derivative %.3g", worstF, worstG)
	}
	t.Logf("GELU table max errors: value %.3g, derivative %.3g", worstF, worstG)
	nan := float32(math.NaN())
	if !math.IsNaN(float64(gelu32(nan))) || !math.IsNaN(float64(geluGrad32(nan))) {
		t.Error("NaN does not propagate through the GELU kernels")
	}
}

func BenchmarkGELU32(b *testing.B) {
	x, y := make([]float32, 1<<16), make([]float32, 1<<16)
	for i := range x {
		x[i] = float32(i%2048)/128 - 8
	}
	b.SetBytes(4 << 16)
	for i := 0; i < b.N; i++ {
		for j, v := range x {
			y[j] = gelu32(v)
		}
	}
}

// TestGELUVectorKernels checks the vector kernels (where the CPU has them)
// against the float64 formulas on a dense grid, at the extremes and at NaN.
func TestGELUVectorKernels(t *testing.T) {
	var x []float32
	for v := -30.0; v <= 30; v += 1.0 / 1024 {
		x = append(x, float32(v))
	}
	x = append(x, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), -1e30, 1e30, 0, 0, 0)
	x = x[:len(x)/8*8]
	y, dx, ones := make([]float32, len(x)), make([]float32, len(x)), make([]float32, len(x))
	for i := range ones {
		ones[i] = 1
	}
	if geluVector(x, y) == 0 || geluGradVector(x, ones, dx) == 0 {
		t.Skipf("the vector GELU kernel does not run at level %v", isa.Active())
	}
	var worstF, worstG float64
	for i, v := range x {
		xf := float64(v)
		if math.IsNaN(xf) {
			if !math.IsNaN(float64(y[i])) || !math.IsNaN(float64(dx[i])) {
				t.Errorf("GELU(NaN) = %v, GELU'(NaN) = %v; want NaN", y[i], dx[i])
			}
			continue
		}
		if math.IsInf(xf, 0) || math.Abs(xf) > 1e20 {
			continue
		}
		// The rational erf is accurate to ~2.5e-7 absolute, so GELU = x·Φ(x)
		// to ~1.2e-7·|x|: errors are measured relative to 1 + |x|.
		f, g := xf*phi(xf), phi(xf)+xf*pdf(xf)
		worstF = math.Max(worstF, math.Abs(float64(y[i])-f)/(1+math.Abs(xf)))
		worstG = math.Max(worstG, math.Abs(float64(dx[i])-g))
	}
	t.Logf("vector GELU max errors: value %.3g (relative to 1+|x|), derivative %.3g", worstF, worstG)
	if worstF > 2.5e-7 || worstG > 5e-7 {
		t.Errorf("vector GELU errors: value %.3g, derivative %.3g", worstF, worstG)
	}
}

func BenchmarkGELUVector(b *testing.B) {
	x, y := make([]float32, 1<<16), make([]float32, 1<<16)
	for i := range x {
		x[i] = float32(i%2048)/128 - 8
	}
	b.SetBytes(4 << 16)
	for i := 0; i < b.N; i++ {
		geluVector(x, y)
	}
}

func BenchmarkGELUGradVector(b *testing.B) {
	x, y, d := make([]float32, 1<<16), make([]float32, 1<<16), make([]float32, 1<<16)
	for i := range x {
		x[i], d[i] = float32(i%2048)/128-8, 1
	}
	b.SetBytes(4 << 16)
	for i := 0; i < b.N; i++ {
		geluGradVector(x, d, y)
	}
}

func TestExpVector(t *testing.T) {
	var x []float32
	for v := -100.0; v <= 88; v += 1.0 / 64 {
		x = append(x, float32(v))
	}
	x = append(x, float32(math.NaN()), 0, 0, 0, 0, 0, 0, 0)
	x = x[:len(x)/8*8]
	y := append([]float32(nil), x...)
	if expVector(y) == 0 {
		t.Skipf("the vector exp kernel does not run at level %v", isa.Active())
	}
	for i, v := range x {
		if math.IsNaN(float64(v)) {
			if !math.IsNaN(float64(y[i])) {
				t.Errorf("exp(NaN) = %v", y[i])
			}
			continue
		}
		want := math.Exp(float64(max(v, -87)))
		if math.Abs(float64(y[i])-want) > 2e-7*want {
			t.Fatalf("exp(%v) = %v, want %v", v, y[i], want)
		}
	}
}

// TestSoftmaxVector compares the vector softmax with a float64 one for every
// row length up to 40 (all tails), on rows with large and small scores.
func TestSoftmaxVector(t *testing.T) {
	for n := 1; n <= 40; n++ {
		row := make([]float32, n+3) // trailing values must stay untouched
		for i := range row {
			row[i] = float32(30 * math.Sin(float64(i*n+1)))
		}
		want := make([]float64, n)
		m := math.Inf(-1)
		for _, v := range row[:n] {
			m = math.Max(m, float64(v))
		}
		var z float64
		for i, v := range row[:n] {
			want[i] = math.Exp(float64(v) - m)
			z += want[i]
		}
		guard := append([]float32(nil), row[n:]...)
		if !softmaxVector(row[:n]) {
			t.Skipf("the vector softmax does not run at level %v", isa.Active())
		}
		for i := range want {
			if math.Abs(float64(row[i])-want[i]/z) > 1e-6 {
				t.Fatalf("n=%d: p[%d] = %g, want %g", n, i, row[i], want[i]/z)
			}
		}
		for i, v := range guard {
			if row[n+i] != v {
				t.Fatalf("n=%d: value %d past the row changed", n, i)
			}
		}
	}
	nan := []float32{1, float32(math.NaN()), 2, 3, 4, 5, 6, 7, 8, 9}
	softmaxVector(nan)
	for _, v := range nan {
		if !math.IsNaN(float64(v)) {
			t.Fatalf("softmax of a row with NaN = %v, want all NaN", nan)
		}
	}
}
