package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/ops/internal/optest"
)

// The fused operations must equal, in value and in gradient, the same
// computation composed from Gorgonia's own operations (those
// docs/gorgonia.md lists as correct). GELU has no such counterpart: Gorgonia
// has no erf.

// compareWithUnfused builds fused and unfused versions of a function of the
// inputs, reduces each to Σ y∘R with the same R, and compares the values and
// the gradients with respect to every input in wrt.
func compareWithUnfused(t *testing.T, inputs []*tensor.Dense, wrt []int, fused, unfused func(g *G.ExprGraph, in []*G.Node) (*G.Node, error)) {
	t.Helper()
	r := optest.RandTensor(rand.New(rand.NewPCG(42, 42)), len(optest.Forward(t, inputs, fused))).Float64s()
	v1, _, g1 := optest.Projected(t, inputs, wrt, r, fused)
	v2, _, g2 := optest.Projected(t, inputs, wrt, r, unfused)
	if math.Abs(v1-v2) > 1e-10*(1+math.Abs(v2)) {
		t.Fatalf("fused value %.12g, unfused %.12g", v1, v2)
	}
	for k := range g1 {
		for i := range g1[k] {
			if math.Abs(g1[k][i]-g2[k][i]) > 1e-9*(1+math.Abs(g2[k][i])) {
				t.Fatalf("gradient of input %d element %d: fused %.12g, unfused %.12g", wrt[k], i, g1[k][i], g2[k][i])
			}
		}
	}
}

func TestLinearEqualsUnfused(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 1))
	x, w, b := optest.RandTensor(rng, 7, 5), optest.RandTensor(rng, 4, 5), optest.RandTensor(rng, 4)
	fused := func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) { return Linear(in[0], in[1], in[2], true) }
	unfused := func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
		y, err := G.Mul(in[0], G.Must(G.Transpose(in[1])))
		if err != nil {
			return nil, err
		}
		return G.BroadcastAdd(y, in[2], nil, []byte{0})
	}
	compareWithUnfused(t, []*tensor.Dense{x, w, b}, []int{0, 1, 2}, fused, unfused)
}

func TestLayerNormEqualsUnfused(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 1))
	x, gamma, beta := optest.RandTensor(rng, 6, 8), optest.RandTensor(rng, 8), optest.RandTensor(rng, 8)
	const eps = 1e-6
	fused := func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) { return LayerNorm(in[0], in[1], in[2], eps) }
	unfused := func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
		mu := G.Must(G.Mean(in[0], 1))
		xc := G.Must(G.BroadcastSub(in[0], mu, nil, []byte{1}))
		variance := G.Must(G.Mean(G.Must(G.Square(xc)), 1))
		std := G.Must(G.Sqrt(G.Must(G.Add(variance, G.NewConstant(eps)))))
		xhat := G.Must(G.BroadcastHadamardDiv(xc, std, nil, []byte{1}))
		return G.BroadcastAdd(G.Must(G.BroadcastHadamardProd(xhat, in[1], nil, []byte{0})), in[2], nil, []byte{0})
	}
	compareWithUnfused(t, []*tensor.Dense{x, gamma, beta}, []int{0, 1, 2}, fused, unfused)
}

// TestAttentionEqualsUnfused composes multi-head attention from slices,
// batched matrix products, exp and a constant 0/1 mask.
func TestAttentionEqualsUnfused(t *testing.T) {
	const b, k, d, heads = 2, 4, 6, 2
	rng := rand.New(rand.NewPCG(13, 1))
	qkv := optest.RandTensor(rng, b*k, 3*d)
	prefix := []int{1, 3}
	pt := optest.ConstTensor([]float64{1, 3}, b)
	fused := func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) { return Attention(in[0], in[1], heads, k) }
	unfused := func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
		return unfusedAttention(g, in[0], prefix, b, k, d, heads)
	}
	compareWithUnfused(t, []*tensor.Dense{qkv, pt}, []int{0}, fused, unfused)
}

func unfusedAttention(g *G.ExprGraph, qkv *G.Node, prefix []int, b, k, d, heads int) (*G.Node, error) {
	dh := d / heads
	x := G.Must(G.Reshape(qkv, tensor.Shape{b, k, 3 * d}))
	var outs G.Nodes
	for h := 0; h < heads; h++ {
		part := func(p int) *G.Node {
			lo := p*d + h*dh
			return G.Must(G.Slice(x, nil, nil, G.S(lo, lo+dh)))
		}
		scores := G.Must(G.BatchedMatMul(part(0), part(1), false, true))
		scores = G.Must(G.HadamardProd(scores, G.NewConstant(1/math.Sqrt(float64(dh)))))
		e := G.Must(G.HadamardProd(G.Must(G.Exp(scores)), maskConstant(g, prefix, b, k)))
		z := G.Must(G.Sum(e, 2))
		p := G.Must(G.BroadcastHadamardDiv(e, z, nil, []byte{2}))
		outs = append(outs, G.Must(G.BatchedMatMul(p, part(2), false, false)))
	}
	out := G.Must(G.Concat(2, outs...))
	return G.Reshape(out, tensor.Shape{b * k, d})
}

// maskConstant is the (B, K, K) 0/1 prefix-causal mask.
func maskConstant(g *G.ExprGraph, prefix []int, b, k int) *G.Node {
	m := tensor.New(tensor.WithShape(b, k, k), tensor.Of(tensor.Float64))
	for s := 0; s < b; s++ {
		for i := 0; i < k; i++ {
			for j := 0; j < k; j++ {
				if j < prefix[s] || j <= i {
					m.Float64s()[(s*k+i)*k+j] = 1
				}
			}
		}
	}
	return G.NodeFromAny(g, m)
}
