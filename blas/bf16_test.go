package blas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestWidenBF16 checks the widening of every 16-bit pattern (NaNs,
// infinities and subnormals included) against the definition, at lengths
// that leave every remainder after the vector loop's blocks of 64 and 16.
func TestWidenBF16(t *testing.T) {
	all := make([]uint16, 1<<16)
	for i := range all {
		all[i] = uint16(i)
	}
	for _, n := range []int{0, 1, 15, 16, 17, 63, 64, 65, 80, 127, 1 << 16} {
		src := all[len(all)-n:]
		dst := make([]float32, n+1)
		dst[n] = 7 // past the end: must stay
		widenBF16(dst[:n], src)
		for i, h := range src {
			if got, want := math.Float32bits(dst[i]), uint32(h)<<16; got != want {
				t.Fatalf("n=%d: value %d (bits %#04x) widened to %#08x, want %#08x", n, i, h, got, want)
			}
		}
		if dst[n] != 7 {
			t.Fatalf("n=%d: wrote past the end", n)
		}
	}
}

// toBF16 rounds float32 values to bfloat16 bits (to nearest, ties to even)
// and returns them with their exact float32 values.
func toBF16(x []float32) ([]uint16, []float32) {
	bits, wide := make([]uint16, len(x)), make([]float32, len(x))
	for i, v := range x {
		u := math.Float32bits(v)
		u += 0x7fff + (u>>16)&1
		bits[i] = uint16(u >> 16)
		wide[i] = math.Float32frombits(uint32(bits[i]) << 16)
	}
	return bits, wide
}

// TestGemmBF16 compares GemmBF16 with Gemm on B widened beforehand, which
// it must match bit for bit, on the kernel (panels widened per block of
// columns, several blocks of rows, k and n beyond the kernel's multiples,
// strided B) and on the backend (B widened whole), and both with the
// float64 product.
func TestGemmBF16(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 1))
	sizes := [][3]int{{4, 6, 512}, {5, 13, 530}, {300, 101, 600}, {16, 200, 1600}, {1, 7, 9}, {33, 20, 40}, {1100, 12, 512}}
	for _, kernel := range []bool{true, false} {
		for _, s := range sizes {
			for _, sc := range [][2]float32{{1, 0}, {0.5, 1}, {2, -0.25}} {
				name := fmt.Sprintf("kernel=%t/%dx%dx%d/alpha=%v,beta=%v", kernel, s[0], s[1], s[2], sc[0], sc[1])
				t.Run(name, func(t *testing.T) { checkBF16(t, r, kernel, s[0], s[1], s[2], sc[0], sc[1]) })
			}
		}
	}
}

func checkBF16(t *testing.T, r *rand.Rand, kernel bool, m, n, k int, alpha, beta float32) {
	defer func(was bool) { ntEnabled = was }(ntEnabled)
	ntEnabled = kernel
	const pad = 3
	ldb := k + pad
	a, c := randSlice[float32](r, m*k), randSlice[float32](r, m*n)
	bits, wide := toBF16(randSlice[float32](r, n*ldb))
	want := append([]float32(nil), c...)
	Gemm(false, true, m, n, k, alpha, a, k, wide, ldb, beta, want, n)
	ref, scale := refGemm(false, true, m, n, k, alpha, a, k, wide, ldb, beta, c, n)
	GemmBF16(m, n, k, alpha, a, k, bits, ldb, beta, c, n)
	for i, got := range c {
		if math.Float32bits(got) != math.Float32bits(want[i]) {
			t.Fatalf("C[%d] = %v, Gemm on the widened B gives %v", i, got, want[i])
		}
		if d := math.Abs(float64(got) - ref[i]); d > 1e-5*max(scale[i], 1e-30) {
			t.Fatalf("C[%d] = %v, float64 product %v", i, got, ref[i])
		}
	}
}

// TestGemmBF16AlphaZero: with alpha = 0 neither A nor B is read (their
// NaNs do not reach C), and C becomes beta·C.
func TestGemmBF16AlphaZero(t *testing.T) {
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
	GemmBF16(m, n, k, 0, a, k, b, k, 0.5, c, n)
	for i, v := range c {
		if v != float32(i)/2 {
			t.Fatalf("C[%d] = %v, want %v", i, v, float32(i)/2)
		}
	}
}

func TestGemmBF16PanicsOnShortB(t *testing.T) {
	defer func() {
		if r := recover(); r != shortB {
			t.Errorf("panic %v, want %q", r, shortB)
		}
	}()
	GemmBF16(4, 6, 16, 1, make([]float32, 64), 16, make([]uint16, 6*16-1), 16, 0, make([]float32, 24), 6)
}

// BenchmarkGemmBF16 compares GemmBF16 with Gemm on float32 weights on
// AIM-0.6B's products at 1 and 8 images (256 tokens each), each on its
// default route: the cost of widening the weights as they are used.
func BenchmarkGemmBF16(b *testing.B) {
	shapes := []struct {
		name string
		n, k int
	}{{"qkv", 4608, 1536}, {"proj", 1536, 1536}, {"fc1", 6144, 1536}, {"fc2", 1536, 6144}}
	for _, s := range shapes {
		for _, batch := range []int{1, 8} {
			m := 256 * batch
			r := rand.New(rand.NewPCG(1, 1))
			x, c := randSlice[float32](r, m*s.k), make([]float32, m*s.n)
			bits, wide := toBF16(randSlice[float32](r, s.n*s.k))
			for _, weights := range []string{"f32", "bf16"} {
				b.Run(fmt.Sprintf("%s_%dx%dx%d/%s", s.name, m, s.n, s.k, weights), func(b *testing.B) {
					for b.Loop() {
						if weights == "bf16" {
							GemmBF16(m, s.n, s.k, 1, x, s.k, bits, s.k, 0, c, s.n)
						} else {
							Gemm(false, true, m, s.n, s.k, 1, x, s.k, wide, s.k, 0, c, s.n)
						}
					}
					reportGFLOPS(b, 2*float64(m)*float64(s.n)*float64(s.k))
				})
			}
		}
	}
}
