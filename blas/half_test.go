package blas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestWiden checks the widening of every 16-bit pattern (NaNs, infinities
// and subnormals included) of both formats against package half, on every
// instruction-set level (16 lanes, 8 lanes, Go), at
// lengths that leave every remainder after the vector loop's blocks of 16.
// A NaN must stay a NaN (the vector conversion of F16 quiets
// signalling ones); every other value must match bit for bit.
func TestWiden(t *testing.T) {
	eachLevel(t, checkWiden)
}

func checkWiden(t *testing.T) {
	all := make([]uint16, 1<<16)
	for i := range all {
		all[i] = uint16(i)
	}
	for _, h := range []Half{BF16, F16} {
		want := make([]float32, len(all))
		widenGo(h, want, all)
		for _, n := range []int{0, 1, 15, 16, 17, 63, 64, 65, 80, 127, 1 << 16} {
			src := all[len(all)-n:]
			dst := make([]float32, n+1)
			dst[n] = 7 // past the end: must stay
			widen(h, dst[:n], src)
			for i, v := range dst[:n] {
				w := want[len(all)-n+i]
				if math.Float32bits(v) != math.Float32bits(w) && !(v != v && w != w) {
					t.Fatalf("%v, n=%d: value %d (bits %#04x) widened to %#08x, want %#08x", h, n, i, src[i], math.Float32bits(v), math.Float32bits(w))
				}
			}
			if dst[n] != 7 {
				t.Fatalf("%v, n=%d: wrote past the end", h, n)
			}
		}
	}
}

// randHalf draws n finite values of format h, of magnitudes between
// about 1/32 and 32 and either sign, as bits and as their float32 values.
func randHalf(r *rand.Rand, h Half, n int) ([]uint16, []float32) {
	bits, wide := make([]uint16, n), make([]float32, n)
	for i := range bits {
		switch h {
		case BF16:
			bits[i] = uint16(r.IntN(2))<<15 | uint16(122+r.IntN(10))<<7 | uint16(r.IntN(1<<7))
		default:
			bits[i] = uint16(r.IntN(2))<<15 | uint16(10+r.IntN(10))<<10 | uint16(r.IntN(1<<10))
		}
	}
	widenGo(h, wide, bits)
	return bits, wide
}

// TestGemmHalf compares GemmHalf with Gemm on B widened beforehand, which
// it must match bit for bit on OpenBLAS (gonum's pure-Go sums depend on
// the alignment of the rows, so there only the float64 check holds), for
// both formats, on every route (on the
// kernel: panels widened per block of columns, several blocks of rows, k and
// n beyond the kernel's multiples, strided B; on the backend: B widened
// whole), and both with the float64 product.
func TestGemmHalf(t *testing.T) {
	sizes := [][3]int{{4, 6, 512}, {5, 13, 530}, {300, 101, 600}, {16, 200, 1600}, {1, 7, 9}, {33, 20, 40}, {1100, 12, 512}}
	r := rand.New(rand.NewPCG(16, 1))
	var cases []halfCase
	for _, h := range []Half{BF16, F16} {
		for _, s := range sizes {
			for _, sc := range [][2]float32{{1, 0}, {0.5, 1}, {2, -0.25}} {
				cases = append(cases, newHalfCase(r, h, s[0], s[1], s[2], sc[0], sc[1]))
			}
		}
	}
	eachRoute(t, func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.String(), c.check)
		}
	})
}

// halfCase is a product of GemmHalf with its float64 reference, computed
// once for all routes.
type halfCase struct {
	h            Half
	m, n, k, ldb int
	alpha, beta  float32
	a, c         []float32
	bits         []uint16
	wide         []float32 // bits widened
	ref, scale   []float64
}

func newHalfCase(r *rand.Rand, h Half, m, n, k int, alpha, beta float32) halfCase {
	const pad = 3
	hc := halfCase{h: h, m: m, n: n, k: k, ldb: k + pad, alpha: alpha, beta: beta}
	hc.a, hc.c = randSlice[float32](r, m*k), randSlice[float32](r, m*n)
	hc.bits, hc.wide = randHalf(r, h, n*hc.ldb)
	hc.ref, hc.scale = refGemm(false, true, m, n, k, alpha, hc.a, k, hc.wide, hc.ldb, beta, hc.c, n)
	return hc
}

func (hc halfCase) String() string {
	return fmt.Sprintf("%v/%dx%dx%d/alpha=%v,beta=%v", hc.h, hc.m, hc.n, hc.k, hc.alpha, hc.beta)
}

// check runs the case through GemmHalf and Gemm on the active route.
func (hc halfCase) check(t *testing.T) {
	want, c := append([]float32(nil), hc.c...), append([]float32(nil), hc.c...)
	Gemm(false, true, hc.m, hc.n, hc.k, hc.alpha, hc.a, hc.k, hc.wide, hc.ldb, hc.beta, want, hc.n)
	GemmHalf(hc.h, hc.m, hc.n, hc.k, hc.alpha, hc.a, hc.k, hc.bits, hc.ldb, hc.beta, c, hc.n)
	exact := Backend() == OpenBLAS // gonum's sums depend on the rows' alignment
	for i, got := range c {
		if exact && math.Float32bits(got) != math.Float32bits(want[i]) {
			t.Fatalf("C[%d] = %v, Gemm on the widened B gives %v", i, got, want[i])
		}
		if d := math.Abs(float64(got) - hc.ref[i]); d > 1e-5*max(hc.scale[i], 1e-30) {
			t.Fatalf("C[%d] = %v, float64 product %v", i, got, hc.ref[i])
		}
	}
}

func TestGemmHalfPanics(t *testing.T) {
	for _, c := range []struct {
		h    Half
		lenB int
		want string
	}{{F16, 6*16 - 1, shortB}, {Half(9), 6 * 16, badHalf}} {
		func() {
			defer func() {
				if r := recover(); r != c.want {
					t.Errorf("%v, len(b) %d: panic %v, want %q", c.h, c.lenB, r, c.want)
				}
			}()
			GemmHalf(c.h, 4, 6, 16, 1, make([]float32, 64), 16, make([]uint16, c.lenB), 16, 0, make([]float32, 24), 6)
		}()
	}
}

// BenchmarkGemmHalf compares GemmHalf (BF16 weights) with Gemm on float32
// weights on AIM-0.6B's products at 1 and 8 images (256 tokens each), each
// on its default route. Every iteration runs both, one after the other, so
// that the two rates (reported as f32-GFLOP/s and bf16-GFLOP/s) share the
// machine's moods; the ratio is the cost of widening the weights as they
// are used.
func BenchmarkGemmHalf(b *testing.B) {
	shapes := []struct {
		name string
		n, k int
	}{{"qkv", 4608, 1536}, {"proj", 1536, 1536}, {"fc1", 6144, 1536}, {"fc2", 1536, 6144}}
	for _, s := range shapes {
		for _, batch := range []int{1, 8} {
			m := 256 * batch
			r := rand.New(rand.NewPCG(1, 1))
			x, c := randSlice[float32](r, m*s.k), make([]float32, m*s.n)
			bits, wide := randHalf(r, BF16, s.n*s.k)
			b.Run(fmt.Sprintf("%s_%dx%dx%d", s.name, m, s.n, s.k), func(b *testing.B) {
				var f32, bf16 time.Duration
				for b.Loop() {
					t0 := time.Now()
					Gemm(false, true, m, s.n, s.k, 1, x, s.k, wide, s.k, 0, c, s.n)
					t1 := time.Now()
					GemmHalf(BF16, m, s.n, s.k, 1, x, s.k, bits, s.k, 0, c, s.n)
					f32, bf16 = f32+t1.Sub(t0), bf16+time.Since(t1)
				}
				flops := 2 * float64(m) * float64(s.n) * float64(s.k) * float64(b.N) / 1e9
				b.ReportMetric(flops/f32.Seconds(), "f32-GFLOP/s")
				b.ReportMetric(flops/bf16.Seconds(), "bf16-GFLOP/s")
			})
		}
	}
}
