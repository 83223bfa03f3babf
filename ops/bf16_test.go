package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/internal/half"
	"github.com/aim-go/aim/ops/internal/optest"
)

// unitRoundoff is bf16's: rounding to nearest changes a value by at most
// 2⁻⁹ of itself (8 stored mantissa bits).
const unitRoundoff = 1.0 / 512

// needBF16 skips where oneDNN cannot compute bf16 products.
func needBF16(t *testing.T) {
	t.Helper()
	if err := blas.CheckPrecision(blas.PrecisionBF16); err != nil {
		t.Skipf("no bf16 products here: %v", err)
	}
}

// rounded returns v rounded to bf16, in float64.
func rounded(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(half.BF16(half.ToBF16(x)))
	}
	return out
}

// product64 returns op(A)·op(B) (m×n) in float64 and Σ|a||b| per element.
func product64(a []float64, transA bool, b []float64, transB bool, m, n, k int) (c, abs []float64) {
	at := func(v []float64, trans bool, rows, cols, i, j int) float64 {
		if trans {
			return v[j*rows+i]
		}
		return v[i*cols+j]
	}
	c, abs = make([]float64, m*n), make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			for l := 0; l < k; l++ {
				x, y := at(a, transA, m, k, i, l), at(b, transB, k, n, l, j)
				c[i*n+j] += x * y
				abs[i*n+j] += math.Abs(x * y)
			}
		}
	}
	return c, abs
}

// maxRel returns max|got−want| / max|want|.
func maxRel(got []float32, want []float64) float64 {
	worst, scale := 0.0, 0.0
	for i, w := range want {
		worst = max(worst, math.Abs(float64(got[i])-w))
		scale = max(scale, math.Abs(w))
	}
	return worst / scale
}

func f64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// TestLinearBF16 checks a linear layer and both of its gradients in bf16,
// at a size whose products run on oneDNN and one whose gradients run on
// the float32 kernels:
//   - against float64 products of the bf16-rounded operands (x, W and
//     dL/dy are the test's own, so the rounded values are known exactly):
//     only float32 summation order may differ, ≤ 1e-5 of max|ref|;
//   - against the float32 layer, element by element, within the bound
//     bf16 rounding allows: each product x·w of rounded operands is off by
//     at most (2u + u²)|x·w| (u = 2⁻⁹), so a sum is off by at most
//     (2u + u²)·Σ|x·w|, plus float32's own summation error (1e-5 of the
//     largest value).
func TestLinearBF16(t *testing.T) {
	needBF16(t)
	for _, c := range []struct{ n, in, out int }{{256, 192, 576}, {49, 64, 48}} {
		rng := rand.New(rand.NewPCG(uint64(c.n), 9))
		x, w, b := optest.RandTensor32(rng, c.n, c.in), optest.RandTensor32(rng, c.out, c.in), optest.RandTensor32(rng, c.out)
		r := optest.RandTensor32(rng, c.n, c.out).Float32s()
		run := func(p blas.Precision) ([]float32, [][]float32) {
			_, y, grads := optest.Projected(t, []*tensor.Dense{x, w, b}, []int{0, 1, 2}, r, func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) {
				return Linear(in[0], in[1], in[2], true, InPrecision(p))
			})
			return y, grads
		}
		y16, g16 := run(blas.PrecisionBF16)
		y32, g32 := run(blas.PrecisionF32)
		xr, wr, rr := rounded(x.Float32s()), rounded(w.Float32s()), rounded(r)
		y, yAbs := product64(xr, false, wr, true, c.n, c.out, c.in)
		for i := range y {
			y[i] += float64(b.Float32s()[i%c.out])
		}
		dx, dxAbs := product64(rr, false, wr, false, c.n, c.in, c.out)
		dw, dwAbs := product64(rr, true, xr, false, c.out, c.in, c.n)
		for _, v := range []struct {
			name          string
			bf16, f32     []float32
			want, absTerm []float64
		}{{"y", y16, y32, y, yAbs}, {"dx", g16[0], g32[0], dx, dxAbs}, {"dw", g16[1], g32[1], dw, dwAbs}} {
			if e := maxRel(v.bf16, v.want); e > 1e-5 {
				t.Errorf("%d×%d→%d %s: %.3g·max|ref| from the product of the rounded operands, want ≤ 1e-5", c.n, c.in, c.out, v.name, e)
			}
			checkRoundingBound(t, v.name, v.bf16, v.f32, v.absTerm)
		}
		if e := maxRel(g16[2], f64(g32[2])); e > 1e-6 {
			t.Errorf("db: %.3g·max|f32| from the float32 bias gradient (a column sum, not a product)", e)
		}
	}
}

// checkRoundingBound checks |bf16 − f32| ≤ (2u+u²)·Σ|terms| + 1e-5·max|f32|
// element by element, and that the values differ at all (the inputs were
// rounded).
func checkRoundingBound(t *testing.T, name string, bf16, f32 []float32, absTerms []float64) {
	t.Helper()
	u := unitRoundoff
	slack := 1e-5 * maxAbs32(f32)
	differ := false
	for i := range bf16 {
		d := math.Abs(float64(bf16[i]) - float64(f32[i]))
		differ = differ || d > 0
		if d > (2*u+u*u)*absTerms[i]+slack {
			t.Fatalf("%s[%d]: bf16 %g, f32 %g: |Δ| %.3g beyond bf16's bound %.3g", name, i, bf16[i], f32[i], d, (2*u+u*u)*absTerms[i]+slack)
		}
	}
	if !differ {
		t.Errorf("%s: bf16 equals f32 everywhere: were the inputs rounded?", name)
	}
}

func maxAbs32(v []float32) float64 {
	m := 0.0
	for _, x := range v {
		m = max(m, math.Abs(float64(x)))
	}
	return m
}

// TestAttentionBF16 checks attention and its gradient in bf16 against the
// float32 op. Each of the four products on the longest path (QKᵀ → P·V
// forward; dO·Vᵀ → dS·K backward) rounds its two operands, a relative
// change of at most 2u each (u = 2⁻⁹), and softmax passes a change of the
// scores on at most once more: the first-order bound is 8u·max|ref| for the
// forward pass's two products plus the gradient's four, which the test
// allows, after checking that bf16 differs from f32 at all.
func TestAttentionBF16(t *testing.T) {
	needBF16(t)
	const b, k, d, heads = 2, 49, 128, 2
	rng := rand.New(rand.NewPCG(8, 8))
	qkv := optest.RandTensor32(rng, b*k, 3*d)
	prefix := tensor.New(tensor.WithShape(b), tensor.WithBacking([]float32{7, 1}))
	r := optest.RandTensor32(rng, b*k, d).Float32s()
	run := func(p blas.Precision) ([]float32, [][]float32) {
		_, y, grads := optest.Projected(t, []*tensor.Dense{qkv, prefix}, []int{0}, r, func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) {
			return Attention(in[0], in[1], heads, k, InPrecision(p))
		})
		return y, grads
	}
	y16, g16 := run(blas.PrecisionBF16)
	y32, g32 := run(blas.PrecisionF32)
	for _, v := range []struct {
		name      string
		bf16, f32 []float32
	}{{"out", y16, y32}, {"dqkv", g16[0], g32[0]}} {
		e := maxRel(v.bf16, f64(v.f32))
		t.Logf("%s: max|bf16−f32| = %.2f u·max|f32|", v.name, e/unitRoundoff)
		if e == 0 {
			t.Errorf("%s: bf16 equals f32: were the operands rounded?", v.name)
		}
		if e > 8*unitRoundoff {
			t.Errorf("%s: max|bf16−f32| = %.3g·max|f32|, beyond 8u = %.3g", v.name, e, 8*unitRoundoff)
		}
	}
}
