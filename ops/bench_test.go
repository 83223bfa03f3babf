package ops

import (
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Benchmarks of the hot operations at the sizes of the bench preset (batch
// 64, 49 tokens, width 192, 3 heads), forward and backward through a graph.

func rand32(rng *rand.Rand, shape ...int) *tensor.Dense {
	t := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))
	for i := range t.Float32s() {
		t.Float32s()[i] = float32(rng.NormFloat64())
	}
	return t
}

// benchGraph times forward+backward (or forward only) of one operation.
func benchGraph(b *testing.B, inputs []*tensor.Dense, wrt []int, build func(g *G.ExprGraph, in []*G.Node) (*G.Node, error)) {
	g := G.NewGraph()
	nodes := make([]*G.Node, len(inputs))
	for i, in := range inputs {
		nodes[i] = G.NodeFromAny(g, in, G.WithName(string(rune('a'+i))))
	}
	y, err := build(g, nodes)
	if err != nil {
		b.Fatal(err)
	}
	if len(wrt) > 0 {
		w := tensor.New(tensor.WithShape(y.Shape()[0]), tensor.Of(tensor.Float32))
		for i := range w.Float32s() {
			w.Float32s()[i] = 1
		}
		target := tensor.New(tensor.WithShape(y.Shape()...), tensor.Of(tensor.Float32))
		loss, err := WeightedMSE(y, G.NodeFromAny(g, target, G.WithName("t")), G.NodeFromAny(g, w, G.WithName("w")))
		if err != nil {
			b.Fatal(err)
		}
		var wn G.Nodes
		for _, i := range wrt {
			wn = append(wn, nodes[i])
		}
		if _, err := G.Grad(loss, wn...); err != nil {
			b.Fatal(err)
		}
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := vm.RunAll(); err != nil {
			b.Fatal(err)
		}
		vm.Reset()
	}
}

const benchRows, benchWidth = 64 * 49, 192

func BenchmarkLinearTrain(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x, w := rand32(rng, benchRows, benchWidth), rand32(rng, benchWidth, benchWidth)
	benchGraph(b, []*tensor.Dense{x, w}, []int{0, 1}, func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
		return Linear(in[0], in[1], nil, true)
	})
}

func BenchmarkLayerNormTrain(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	x, gamma, beta := rand32(rng, benchRows, benchWidth), rand32(rng, benchWidth), rand32(rng, benchWidth)
	benchGraph(b, []*tensor.Dense{x, gamma, beta}, []int{0, 1, 2}, func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
		return LayerNorm(in[0], in[1], in[2], 1e-6)
	})
}

func BenchmarkGELUTrain(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 3))
	x := rand32(rng, benchRows, 4*benchWidth)
	benchGraph(b, []*tensor.Dense{x}, []int{0}, func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
		return GELU(in[0])
	})
}

func benchAttention(b *testing.B, train bool) {
	rng := rand.New(rand.NewPCG(1, 4))
	qkv := rand32(rng, benchRows, 3*benchWidth)
	prefix := tensor.New(tensor.WithShape(64), tensor.Of(tensor.Float32))
	for i := range prefix.Float32s() {
		prefix.Float32s()[i] = float32(1 + rng.IntN(48))
	}
	var wrt []int
	if train {
		wrt = []int{0}
	}
	benchGraph(b, []*tensor.Dense{qkv, prefix}, wrt, func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
		return Attention(in[0], in[1], 3, 49)
	})
}

func BenchmarkAttentionForward(b *testing.B) { benchAttention(b, false) }
func BenchmarkAttentionTrain(b *testing.B)   { benchAttention(b, true) }
