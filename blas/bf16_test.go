package blas

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/aim-go/aim/internal/half"
)

// needBF16 skips where oneDNN cannot compute bf16 products.
func needBF16(t *testing.T) {
	t.Helper()
	if err := CheckPrecision(PrecisionBF16); err != nil {
		t.Skipf("no bf16 products here: %v", err)
	}
}

// roundedCopy returns v rounded to bf16, held as float32.
func roundedCopy(v []float32) []float32 {
	r := make([]float32, len(v))
	bf16Rounded(r, v)
	return r
}

// productF64 is C = alpha·op(A)·op(B) + beta·C in float64.
func productF64(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) []float64 {
	at := func(v []float32, trans bool, ld, i, j int) float64 {
		if trans {
			return float64(v[j*ld+i])
		}
		return float64(v[i*ld+j])
	}
	out := make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for l := 0; l < k; l++ {
				s += at(a, transA, lda, i, l) * at(b, transB, ldb, l, j)
			}
			out[i*n+j] = float64(alpha)*s + float64(beta)*float64(c[i*ldc+j])
		}
	}
	return out
}

// relErr returns max|got−want| / max|want| over an m×n matrix.
func relErr(got []float32, ldc int, want []float64, m, n int) float64 {
	worst, scale := 0.0, 0.0
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			w := want[i*n+j]
			worst = max(worst, math.Abs(float64(got[i*ldc+j])-w))
			scale = max(scale, math.Abs(w))
		}
	}
	return worst / scale
}

func randomF32(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// TestGemmBF16 checks both of GemmBF16's routes (the float32 kernels for
// small products, oneDNN for large) against a float64 product of the
// bf16-rounded operands, and that the rounding happens: against the
// unrounded operands the error is that of bf16.
func TestGemmBF16(t *testing.T) {
	needBF16(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct {
		name           string
		m, n, k        int
		transA, transB bool
		pad            int
		alpha, beta    float32
	}{
		{"small-scores", 49, 49, 64, false, true, 128, 0.125, 0},
		{"small-dw", 64, 48, 49, true, false, 0, 1, 1},
		{"large-dx", 256, 192, 576, false, false, 0, 1, 0},
		{"large-dw", 576, 192, 256, true, false, 3, 1, 0.5},
		{"large-nt", 300, 256, 200, false, true, 0, -2, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			ar, ac := shape(c.transA, c.m, c.k)
			br, bc := shape(c.transB, c.k, c.n)
			lda, ldb, ldc := ac+c.pad, bc+c.pad, c.n+c.pad
			a, b, out := randomF32(rng, ar*lda), randomF32(rng, br*ldb), randomF32(rng, c.m*ldc)
			want := productF64(c.transA, c.transB, c.m, c.n, c.k, c.alpha, roundedCopy(a), lda, roundedCopy(b), ldb, c.beta, out, ldc)
			unrounded := productF64(c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, out, ldc)
			if err := GemmBF16(c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, out, ldc); err != nil {
				t.Fatal(err)
			}
			if e := relErr(out, ldc, want, c.m, c.n); e > 1e-5 {
				t.Errorf("vs the rounded operands: %.3g·max|ref|, want ≤ 1e-5", e)
			}
			if e := relErr(out, ldc, unrounded, c.m, c.n); e < 1e-4 {
				t.Errorf("vs the unrounded operands only %.3g·max|ref|: were the operands rounded to bf16?", e)
			}
		})
	}
}

// TestLinearBF16 checks a linear layer in bf16 from float32, BF16 and F16
// weights against float64, and that a packed copy follows the weights:
// after WeightsChanged, and when they move.
func TestLinearBF16(t *testing.T) {
	needBF16(t)
	rng := rand.New(rand.NewPCG(5, 6))
	const n, in, out = 70, 192, 576
	x, w32, bias := randomF32(rng, n*in), randomF32(rng, out*in), randomF32(rng, out)
	check := func(t *testing.T, pw *PackedWeights, w32 []float32, h Half, bits []uint16, ref []float32, bias []float32) {
		t.Helper()
		y := make([]float32, n*out)
		if err := LinearBF16(pw, x, w32, h, bits, bias, y, n, in, out); err != nil {
			t.Fatal(err)
		}
		zero := make([]float32, n*out)
		want := productF64(false, true, n, out, in, 1, roundedCopy(x), in, roundedCopy(ref), in, 0, zero, out)
		for i := range want {
			if bias != nil {
				want[i] += float64(bias[i%out])
			}
		}
		if e := relErr(y, out, want, n, out); e > 1e-5 {
			t.Errorf("%.3g·max|ref|, want ≤ 1e-5", e)
		}
	}
	t.Run("f32", func(t *testing.T) { check(t, &PackedWeights{}, w32, 0, nil, w32, bias) })
	t.Run("bf16-bits", func(t *testing.T) {
		bits := make([]uint16, len(w32))
		for i, v := range w32 {
			bits[i] = half.ToBF16(v)
		}
		check(t, &PackedWeights{}, nil, BF16, bits, roundedCopy(w32), nil)
	})
	t.Run("f16-bits", func(t *testing.T) {
		bits, ref := make([]uint16, len(w32)), make([]float32, len(w32))
		for i, v := range w32 {
			bits[i] = half.ToF16(v)
			ref[i] = half.F16(bits[i])
		}
		check(t, &PackedWeights{}, nil, F16, bits, ref, bias)
	})
	t.Run("follows-changes", func(t *testing.T) {
		pw, w := &PackedWeights{}, append([]float32(nil), w32...)
		check(t, pw, w, 0, nil, w, bias)
		for i := range w {
			w[i] *= -3
		}
		other := append([]float32(nil), w...)
		WeightsChanged(other) // other weights changing leaves w's copy alone
		check(t, pw, w, 0, nil, w32, bias)
		WeightsChanged(w)
		check(t, pw, w, 0, nil, w, bias)
		moved := randomF32(rng, len(w))
		check(t, pw, moved, 0, nil, moved, bias)
		pw.Free() // and usable again
		check(t, pw, moved, 0, nil, moved, bias)
	})
}

// TestToBF16OnEveryLevel: the rounding of every level (the AVX-512 kernel,
// Go) gives half.ToBF16's bits for special values (ties both ways, the
// largest values rounding to infinity, subnormals, signed zeros, NaNs with
// payloads) and random ones, at lengths with and without a tail.
func TestToBF16OnEveryLevel(t *testing.T) {
	special := []uint32{0, 0x80000000, 0x00000001, 0x807fffff, 0x3f808000, 0x3f818000, 0x3f808001, 0x3f807fff,
		0x7f7fffff, 0xff7fffff, 0x7f7f8000, 0x7f800000, 0xff800000, 0x7f800001, 0x7fc00000, 0xffffffff, 0x7fbfffff, 0x7f80ffff}
	rng := rand.New(rand.NewPCG(9, 9))
	src := make([]float32, 0, 1000)
	for _, b := range special {
		src = append(src, math.Float32frombits(b))
	}
	for len(src) < cap(src) {
		src = append(src, math.Float32frombits(rng.Uint32()))
	}
	eachLevel(t, func(t *testing.T) {
		for _, n := range []int{len(special), 16, 37, len(src)} {
			dst := make([]uint16, n)
			toBF16(dst, src)
			for i := range dst {
				if want := half.ToBF16(src[i]); dst[i] != want {
					t.Fatalf("n %d: %#08x rounds to %#04x, want %#04x", n, math.Float32bits(src[i]), dst[i], want)
				}
			}
		}
	})
}
