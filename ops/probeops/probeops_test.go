package probeops

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/ops/internal/optest"
)

// naiveColumnStats returns each column's mean and its biased and unbiased
// variance, by direct summation.
func naiveColumnStats(x []float64, n, d int) (mean, biased, unbiased []float64) {
	mean, biased, unbiased = make([]float64, d), make([]float64, d), make([]float64, d)
	for j := 0; j < d; j++ {
		for i := 0; i < n; i++ {
			mean[j] += x[i*d+j] / float64(n)
		}
		var ss float64
		for i := 0; i < n; i++ {
			ss += (x[i*d+j] - mean[j]) * (x[i*d+j] - mean[j])
		}
		biased[j], unbiased[j] = ss/float64(n), ss/float64(n-1)
	}
	return mean, biased, unbiased
}

func TestBatchNormTrainingAndEvaluation(t *testing.T) {
	const n, d, eps = 7, 3, 1e-6
	rng := rand.New(rand.NewPCG(8, 1))
	x := optest.RandTensor(rng, n, d)
	for i := range x.Float64s() {
		x.Float64s()[i] = 3*x.Float64s()[i] + float64(i%d) // distinct column means
	}
	mean, biased, unbiased := naiveColumnStats(x.Float64s(), n, d)

	// One training run: batch statistics, running statistics updated once.
	state := NewBatchNormState(d, eps)
	state.Mean[1], state.Var[2] = 0.5, 2 // not the defaults, to see the blend
	oldMean, oldVar := append([]float64(nil), state.Mean...), append([]float64(nil), state.Var...)
	got := optest.Forward(t, []*tensor.Dense{x}, func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return BatchNorm(in[0], state, true) })
	want := make([]float64, n*d)
	for i := range want {
		j := i % d
		want[i] = (x.Float64s()[i] - mean[j]) / math.Sqrt(biased[j]+eps)
	}
	optest.AssertClose(t, got, want, 1e-12)
	for j := 0; j < d; j++ {
		wantMean := 0.9*oldMean[j] + 0.1*mean[j]
		wantVar := 0.9*oldVar[j] + 0.1*unbiased[j]
		if math.Abs(state.Mean[j]-wantMean) > 1e-12 || math.Abs(state.Var[j]-wantVar) > 1e-12 {
			t.Fatalf("feature %d: running mean/var %g/%g, want %g/%g", j, state.Mean[j], state.Var[j], wantMean, wantVar)
		}
	}
	if state.Updates != 1 {
		t.Fatalf("%d updates after one training run", state.Updates)
	}

	// Evaluation: running statistics, which stay unchanged.
	frozenMean, frozenVar := append([]float64(nil), state.Mean...), append([]float64(nil), state.Var...)
	got = optest.Forward(t, []*tensor.Dense{x}, func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return BatchNorm(in[0], state, false) })
	for i := range want {
		j := i % d
		want[i] = (x.Float64s()[i] - frozenMean[j]) / math.Sqrt(frozenVar[j]+eps)
	}
	optest.AssertClose(t, got, want, 1e-12)
	for j := range frozenMean {
		if state.Mean[j] != frozenMean[j] || state.Var[j] != frozenVar[j] {
			t.Fatal("an evaluation run changed the running statistics")
		}
	}
}

func TestBatchNormGradient(t *testing.T) {
	for _, training := range []bool{true, false} {
		rng := rand.New(rand.NewPCG(8, 2))
		x := optest.RandTensor(rng, 6, 4)
		state := NewBatchNormState(4, 1e-6)
		state.Var[0], state.Mean[3] = 3, -1
		build := func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) { return BatchNorm(in[0], state, training) }
		optest.CheckGrad(t, []*tensor.Dense{x}, []int{0}, build)
	}
}

func TestBatchNormRejectsBadInput(t *testing.T) {
	state := NewBatchNormState(3, 1e-6)
	g := G.NewGraph()
	wrong := G.NodeFromAny(g, tensor.New(tensor.WithShape(4, 2), tensor.Of(tensor.Float64)), G.WithName("x"))
	if _, err := BatchNorm(wrong, state, true); err == nil {
		t.Error("BatchNorm over 3 features accepted a (4, 2) input")
	}
	one := G.NodeFromAny(g, tensor.New(tensor.WithShape(1, 3), tensor.Of(tensor.Float64)), G.WithName("one"))
	if _, err := BatchNorm(one, state, true); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err == nil || !strings.Contains(err.Error(), "at least 2 rows") {
		t.Errorf("training on one row: error %v, want one about the batch size", err)
	}
}

// TestBatchNormDistinctStates checks that two BatchNorms of the same input
// over different states stay two nodes.
func TestBatchNormDistinctStates(t *testing.T) {
	x := optest.ConstTensor([]float64{1, 2, 3, 5}, 2, 2)
	a, b := NewBatchNormState(2, 1e-6), NewBatchNormState(2, 1e-6)
	b.Mean[0] = 10
	g := G.NewGraph()
	xn := G.NodeFromAny(g, x, G.WithName("x"))
	ya := G.Must(BatchNorm(xn, a, false))
	yb := G.Must(BatchNorm(xn, b, false))
	if ya == yb {
		t.Fatal("BatchNorms over different states were merged into one node")
	}
}

// naiveCrossEntropy computes the mean of log(Σ exp) − logit[label] directly,
// without the max shift (fine for moderate logits).
func naiveCrossEntropy(logits []float64, labels []int, c int) float64 {
	var total float64
	for i, k := range labels {
		var s float64
		for j := 0; j < c; j++ {
			s += math.Exp(logits[i*c+j])
		}
		total += math.Log(s) - logits[i*c+k]
	}
	return total / float64(len(labels))
}

func TestSoftmaxCrossEntropy(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 1))
	logits := optest.RandTensor(rng, 5, 4)
	labels := []int{0, 3, 1, 1, 2}
	lt := optest.ConstTensor([]float64{0, 3, 1, 1, 2}, 5)
	build := func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) { return SoftmaxCrossEntropy(in[0], in[1]) }
	inputs := []*tensor.Dense{logits, lt}
	optest.AssertClose(t, optest.Forward(t, inputs, build), []float64{naiveCrossEntropy(logits.Float64s(), labels, 4)}, 1e-13)
	optest.CheckGrad(t, inputs, []int{0}, build)
}

func TestSoftmaxCrossEntropyExtremeLogits(t *testing.T) {
	logits := optest.ConstTensor([]float64{1e4, -1e4, 0, -1e4, 1e4, 1e4}, 2, 3)
	tests := []struct {
		labels []float64
		want   float64 // mean over the two rows
	}{
		{[]float64{0, 1}, (0 + math.Log(2)) / 2},
		{[]float64{1, 0}, (2e4 + 2e4 + math.Log(2)) / 2},
		{[]float64{2, 2}, (1e4 + math.Log(2)) / 2},
	}
	for _, tc := range tests {
		inputs := []*tensor.Dense{logits, optest.ConstTensor(tc.labels, 2)}
		build := func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) { return SoftmaxCrossEntropy(in[0], in[1]) }
		got := optest.Forward(t, inputs, build)
		if math.IsNaN(got[0]) || math.IsInf(got[0], 0) {
			t.Fatalf("labels %v: loss %v", tc.labels, got[0])
		}
		optest.AssertClose(t, got, []float64{tc.want}, 1e-12)
		grad := crossEntropyGradient(t, logits, tc.labels)
		for i, v := range grad {
			if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1 {
				t.Fatalf("labels %v: gradient element %d is %v", tc.labels, i, v)
			}
		}
	}
}

// crossEntropyGradient returns d loss / d logits.
func crossEntropyGradient(t *testing.T, logits *tensor.Dense, labels []float64) []float64 {
	t.Helper()
	g := G.NewGraph()
	x := G.NodeFromAny(g, logits, G.WithName("logits"))
	l := G.NodeFromAny(g, optest.ConstTensor(labels, len(labels)), G.WithName("labels"))
	loss := G.Must(SoftmaxCrossEntropy(x, l))
	grads, err := G.Grad(loss, x)
	if err != nil {
		t.Fatal(err)
	}
	return optest.RunGraph(t, g, grads[0])
}

func TestSoftmaxCrossEntropyRejectsBadLabels(t *testing.T) {
	logits := optest.ConstTensor([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	for _, labels := range [][]float64{{0, 3}, {-1, 0}, {0.5, 1}} {
		g := G.NewGraph()
		x := G.NodeFromAny(g, logits, G.WithName("logits"))
		l := G.NodeFromAny(g, optest.ConstTensor(labels, 2), G.WithName("labels"))
		if _, err := SoftmaxCrossEntropy(x, l); err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(g)
		err := vm.RunAll()
		vm.Close()
		if err == nil || !strings.Contains(err.Error(), "not a class in [0, 3)") {
			t.Errorf("labels %v: error %v, want one naming the class range", labels, err)
		}
	}
}

// naiveAttentionPool pools the tokens of each sample with explicit loops.
func naiveAttentionPool(q, k, v []float64, b, seq, d, heads int) []float64 {
	dh := d / heads
	out := make([]float64, b*d)
	for s := 0; s < b; s++ {
		for h := 0; h < heads; h++ {
			scores := make([]float64, seq)
			var z float64
			for j := 0; j < seq; j++ {
				for c := 0; c < dh; c++ {
					scores[j] += q[h*dh+c] * k[(s*seq+j)*d+h*dh+c]
				}
				scores[j] = math.Exp(scores[j] / math.Sqrt(float64(dh)))
				z += scores[j]
			}
			for j := 0; j < seq; j++ {
				for c := 0; c < dh; c++ {
					out[s*d+h*dh+c] += scores[j] / z * v[(s*seq+j)*d+h*dh+c]
				}
			}
		}
	}
	return out
}

func TestAttentionPool(t *testing.T) {
	tests := []struct{ b, seq, d, heads int }{
		{3, 5, 4, 1},
		{2, 4, 6, 2},
		{2, 3, 6, 3},
	}
	for _, tc := range tests {
		rng := rand.New(rand.NewPCG(10, uint64(tc.heads)))
		q, k, v := optest.RandTensor(rng, 1, tc.d), optest.RandTensor(rng, tc.b*tc.seq, tc.d), optest.RandTensor(rng, tc.b*tc.seq, tc.d)
		build := func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
			return AttentionPool(in[0], in[1], in[2], tc.heads, tc.seq)
		}
		inputs := []*tensor.Dense{q, k, v}
		want := naiveAttentionPool(q.Float64s(), k.Float64s(), v.Float64s(), tc.b, tc.seq, tc.d, tc.heads)
		optest.AssertClose(t, optest.Forward(t, inputs, build), want, 1e-12)
		optest.CheckGrad(t, inputs, []int{0, 1, 2}, build)
	}
}

func TestAttentionPoolRejectsBadShapes(t *testing.T) {
	tests := []struct {
		q, kv []int
		heads int
	}{
		{[]int{2, 4}, []int{6, 4}, 1}, // two queries
		{[]int{1, 4}, []int{5, 4}, 1}, // 5 rows are not samples of 3 tokens
		{[]int{1, 4}, []int{6, 4}, 3}, // 3 heads do not divide 4
		{[]int{1, 3}, []int{6, 4}, 1}, // widths differ
	}
	for _, tc := range tests {
		g := G.NewGraph()
		q := G.NodeFromAny(g, tensor.New(tensor.WithShape(tc.q...), tensor.Of(tensor.Float64)), G.WithName("q"))
		k := G.NodeFromAny(g, tensor.New(tensor.WithShape(tc.kv...), tensor.Of(tensor.Float64)), G.WithName("k"))
		v := G.NodeFromAny(g, tensor.New(tensor.WithShape(tc.kv...), tensor.Of(tensor.Float64)), G.WithName("v"))
		if _, err := AttentionPool(q, k, v, tc.heads, 3); err == nil {
			t.Errorf("q %v, k/v %v, %d heads: no error", tc.q, tc.kv, tc.heads)
		}
	}
}
