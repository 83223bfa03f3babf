package blas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestWiden checks the widening of every 16-bit pattern (NaNs, infinities
// and subnormals included) of both formats against package half, at
// lengths that leave every remainder after the vector loop's blocks of 16.
// A NaN must stay a NaN (the vector conversion of F16 quiets
// signalling ones); every other value must match bit for bit.
func TestWiden(t *testing.T) {
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
// it must match bit for bit, for both formats, on the kernel (panels
// widened per block of columns, several blocks of rows, k and n beyond the
// kernel's multiples, strided B) and on the backend (B widened whole), and
// both with the float64 product.
func TestGemmHalf(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 1))
	sizes := [][3]int{{4, 6, 512}, {5, 13, 530}, {300, 101, 600}, {16, 200, 1600}, {1, 7, 9}, {33, 20, 40}, {1100, 12, 512}}
	for _, h := range []Half{BF16, F16} {
		for _, kernel := range []bool{true, false} {
			for _, s := range sizes {
				for _, sc := range [][2]float32{{1, 0}, {0.5, 1}, {2, -0.25}} {
					name := fmt.Sprintf("%v/kernel=%t/%dx%dx%d/alpha=%v,beta=%v", h, kernel, s[0], s[1], s[2], sc[0], sc[1])
					t.Run(name, func(t *testing.T) { checkHalf(t, r, h, kernel, s[0], s[1], s[2], sc[0], sc[1]) })
				}
			}
		}
	}
}

func checkHalf(t *testing.T, r *rand.Rand, h Half, kernel bool, m, n, k int, alpha, beta float32) {
	defer func(was bool) { ntEnabled = was }(ntEnabled)
	ntEnabled = kernel
	const pad = 3
	ldb := k + pad
	a, c := randSlice[float32](r, m*k), randSlice[float32](r, m*n)
	bits, wide := randHalf(r, h, n*ldb)
	want := append([]float32(nil), c...)
	Gemm(false, true, m, n, k, alpha, a, k, wide, ldb, beta, want, n)
	ref, scale := refGemm(false, true, m, n, k, alpha, a, k, wide, ldb, beta, c, n)
	GemmHalf(h, m, n, k, alpha, a, k, bits, ldb, beta, c, n)
	for i, got := range c {
		if math.Float32bits(got) != math.Float32bits(want[i]) {
			t.Fatalf("C[%d] = %v, Gemm on the widened B gives %v", i, got, want[i])
		}
		if d := math.Abs(float64(got) - ref[i]); d > 1e-5*max(scale[i], 1e-30) {
			t.Fatalf("C[%d] = %v, float64 product %v", i, got, ref[i])
		}
	}
}

// TestGemmHalfAlphaZero: with alpha = 0 neither A nor B is read (their
// NaNs do not reach C), and C becomes beta·C.
func TestGemmHalfAlphaZero(t *testing.T) {
	const m, n, k = 8, 12, 512
	a := make([]float32, m*k)
	b := make([]uint16, n*k)
	for i := range a {
		a[i] = float32(math.NaN())
	}
	for i := range b {
		b[i] = 0x7fc0 // NaN
	}
	c := make([]float32, m*n)
	for i := range c {
		c[i] = float32(i)
	}
	GemmHalf(BF16, m, n, k, 0, a, k, b, k, 0.5, c, n)
	for i, v := range c {
		if v != float32(i)/2 {
			t.Fatalf("C[%d] = %v, want %v", i, v, float32(i)/2)
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

// TestWidenBlocks8 checks the AVX2/F16C widening, which CPUs with AVX-512
// do not otherwise use, on every 16-bit pattern of both formats.
func TestWidenBlocks8(t *testing.T) {
	for _, h := range []Half{BF16, F16} {
		if !hasWiden8Blocks(h) {
			t.Skipf("the CPU lacks the instructions for %v", h)
		}
		src := make([]uint16, 1<<16)
		for i := range src {
			src[i] = uint16(i)
		}
		got, want := make([]float32, len(src)+1), make([]float32, len(src))
		got[len(src)] = 7
		callWidenBlocks8(h, got[:len(src)], src)
		widenGo(h, want, src)
		for i, w := range want {
			if v := got[i]; math.Float32bits(v) != math.Float32bits(w) && !(v != v && w != w) {
				t.Fatalf("%v: %#04x widened to %#08x, want %#08x", h, src[i], math.Float32bits(v), math.Float32bits(w))
			}
		}
		if got[len(src)] != 7 {
			t.Fatalf("%v: wrote past the end", h)
		}
	}
}
