package ops

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/internal/testing/gradcheck"
	"github.com/aim-go/aim/ops/internal/optest"
	"github.com/aim-go/aim/ops/memplan"
)

func TestLinear(t *testing.T) {
	for _, bias := range []bool{false, true} {
		rng := rand.New(rand.NewPCG(1, 2))
		x, w, b := optest.RandTensor(rng, 5, 4), optest.RandTensor(rng, 3, 4), optest.RandTensor(rng, 3)
		build := func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
			if bias {
				return Linear(in[0], in[1], in[2], true)
			}
			return Linear(in[0], in[1], nil, true)
		}
		inputs, wrt := []*tensor.Dense{x, w}, []int{0, 1}
		if bias {
			inputs, wrt = append(inputs, b), append(wrt, 2)
		}
		want := make([]float64, 5*3)
		for i := 0; i < 5; i++ {
			for o := 0; o < 3; o++ {
				if bias {
					want[i*3+o] = b.Float64s()[o]
				}
				for k := 0; k < 4; k++ {
					want[i*3+o] += x.Float64s()[i*4+k] * w.Float64s()[o*4+k]
				}
			}
		}
		optest.AssertClose(t, optest.Forward(t, inputs, build), want, 1e-12)
		optest.CheckGrad(t, inputs, wrt, build)
	}
}

func TestLinearWithoutInputGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 3))
	x, w := optest.RandTensor(rng, 5, 4), optest.RandTensor(rng, 3, 4)
	build := func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) { return Linear(in[0], in[1], nil, false) }
	optest.CheckGrad(t, []*tensor.Dense{x, w}, []int{1}, build)
	err := gradcheck.Check([]*tensor.Dense{x, w}, []int{0}, build, gradcheck.Options{})
	if err == nil {
		t.Fatal("differentiating with respect to an input declared without gradient succeeded")
	}
}

func TestLayerNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	x, gamma, beta := optest.RandTensor(rng, 6, 5), optest.RandTensor(rng, 5), optest.RandTensor(rng, 5)
	build := func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) { return LayerNorm(in[0], in[1], in[2], 1e-6) }
	want := make([]float64, 30)
	for i := 0; i < 6; i++ {
		row := x.Float64s()[i*5 : i*5+5]
		var mu, v float64
		for _, a := range row {
			mu += a / 5
		}
		for _, a := range row {
			v += (a - mu) * (a - mu) / 5
		}
		for j, a := range row {
			want[i*5+j] = (a-mu)/math.Sqrt(v+1e-6)*gamma.Float64s()[j] + beta.Float64s()[j]
		}
	}
	inputs := []*tensor.Dense{x, gamma, beta}
	optest.AssertClose(t, optest.Forward(t, inputs, build), want, 1e-12)
	optest.CheckGrad(t, inputs, []int{0, 1, 2}, build)
}

func TestGELU(t *testing.T) {
	x := optest.ConstTensor([]float64{-3, -1, -0.5, 0, 0.3, 1, 2.5, 6}, 2, 4)
	build := func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) { return GELU(in[0]) }
	// Reference values from the defining integral: x·Φ(x), Φ by Simpson's
	// rule on the normal density, independent of math.Erf.
	want := make([]float64, 8)
	for i, v := range x.Float64s() {
		want[i] = v * normalCDF(v)
	}
	optest.AssertClose(t, optest.Forward(t, []*tensor.Dense{x}, build), want, 1e-9)
	optest.CheckGrad(t, []*tensor.Dense{x}, []int{0}, build)
}

// normalCDF integrates the standard normal density from −10 to x.
func normalCDF(x float64) float64 {
	const n = 20000
	a, h := -10.0, (x+10)/n
	f := func(t float64) float64 { return math.Exp(-t*t/2) / math.Sqrt(2*math.Pi) }
	s := f(a) + f(x)
	for i := 1; i < n; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		s += w * f(a+float64(i)*h)
	}
	return s * h / 3
}

func TestAddAndAddRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	a, b, c := optest.RandTensor(rng, 6, 3), optest.RandTensor(rng, 6, 3), optest.RandTensor(rng, 2, 3)
	add := func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) { return Add(in[0], in[1]) }
	optest.CheckGrad(t, []*tensor.Dense{a, b}, []int{0, 1}, add)
	rows := func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) { return AddRows(in[0], in[1]) }
	want := make([]float64, 18)
	for i := range want {
		want[i] = a.Float64s()[i] + c.Float64s()[i%6]
	}
	optest.AssertClose(t, optest.Forward(t, []*tensor.Dense{a, c}, rows), want, 1e-15)
	optest.CheckGrad(t, []*tensor.Dense{a, c}, []int{0}, rows)
}

func TestWeightedMSE(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 2))
	pred, target := optest.RandTensor(rng, 4, 3), optest.RandTensor(rng, 4, 3)
	w := optest.ConstTensor([]float64{0, 1, 1, 0}, 4)
	build := func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) { return WeightedMSE(in[0], in[1], in[2]) }
	var want float64
	for _, r := range []int{1, 2} {
		for j := 0; j < 3; j++ {
			d := pred.Float64s()[r*3+j] - target.Float64s()[r*3+j]
			want += d * d / 3 / 2
		}
	}
	inputs := []*tensor.Dense{pred, target, w}
	optest.AssertClose(t, optest.Forward(t, inputs, build), []float64{want}, 1e-14)
	optest.CheckGrad(t, inputs, []int{0}, build)

	none := optest.ConstTensor([]float64{0, 0, 0, 0}, 4)
	got := optest.Forward(t, []*tensor.Dense{pred, target, none}, build)
	if got[0] != 0 {
		t.Fatalf("loss with no counted rows = %g, want 0", got[0])
	}
}

// naiveAttention computes masked multi-head attention with explicit loops
// over queries and keys and a boolean mask.
func naiveAttention(qkv []float64, prefix []int, b, k, d, heads int) []float64 {
	dh := d / heads
	out := make([]float64, b*k*d)
	at := func(s, t, part, h, c int) float64 { return qkv[(s*k+t)*3*d+part*d+h*dh+c] }
	for s := 0; s < b; s++ {
		for h := 0; h < heads; h++ {
			for i := 0; i < k; i++ {
				scores := make([]float64, k)
				m := math.Inf(-1)
				for j := 0; j < k; j++ {
					if !(j < prefix[s] || j <= i) {
						continue
					}
					for c := 0; c < dh; c++ {
						scores[j] += at(s, i, 0, h, c) * at(s, j, 1, h, c)
					}
					scores[j] /= math.Sqrt(float64(dh))
					m = math.Max(m, scores[j])
				}
				var z float64
				for j := 0; j < k; j++ {
					if j < prefix[s] || j <= i {
						scores[j] = math.Exp(scores[j] - m)
						z += scores[j]
					} else {
						scores[j] = 0
					}
				}
				for j := 0; j < k; j++ {
					for c := 0; c < dh; c++ {
						out[(s*k+i)*d+h*dh+c] += scores[j] / z * at(s, j, 2, h, c)
					}
				}
			}
		}
	}
	return out
}

func TestAttention(t *testing.T) {
	const b, k, d, heads = 3, 5, 4, 2
	rng := rand.New(rand.NewPCG(6, 2))
	qkv := optest.RandTensor(rng, b*k, 3*d)
	for _, prefix := range [][]int{{1, 3, 5}, {4, 1, 2}, {5, 5, 5}} {
		p := make([]float64, b)
		for i, s := range prefix {
			p[i] = float64(s)
		}
		pt := optest.ConstTensor(p, b)
		build := func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) { return Attention(in[0], in[1], heads, k) }
		inputs := []*tensor.Dense{qkv, pt}
		optest.AssertClose(t, optest.Forward(t, inputs, build), naiveAttention(qkv.Float64s(), prefix, b, k, d, heads), 1e-12)
		optest.CheckGrad(t, inputs, []int{0}, build)
	}
}

func TestAttentionRejectsBadPrefix(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 3))
	qkv := optest.RandTensor(rng, 2*4, 6)
	for _, p := range [][]float64{{0, 2}, {1, 5}, {1.5, 2}} {
		g := G.NewGraph()
		x := G.NodeFromAny(g, qkv, G.WithName("qkv"))
		pn := G.NodeFromAny(g, optest.ConstTensor(p, 2), G.WithName("prefix"))
		if _, err := Attention(x, pn, 1, 4); err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(g)
		if err := vm.RunAll(); err == nil {
			t.Errorf("prefix %v: no error", p)
		}
		vm.Close()
	}
}

// TestBufferReuse runs a graph twice with different inputs: the second run
// must not see stale values from the first.
func TestBufferReuse(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 2))
	x, w := optest.RandTensor(rng, 4, 3), optest.RandTensor(rng, 2, 3)
	g := G.NewGraph()
	xn := G.NodeFromAny(g, x, G.WithName("x"))
	wn := G.NodeFromAny(g, w, G.WithName("w"))
	y := G.Must(Linear(xn, wn, nil, true))
	z := G.Must(GELU(y))
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	for run := 0; run < 2; run++ {
		if run == 1 {
			for i := range x.Float64s() {
				x.Float64s()[i] *= -2
			}
		}
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		want := optest.Forward(t, []*tensor.Dense{x, w}, func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
			return GELU(G.Must(Linear(in[0], in[1], nil, true)))
		})
		optest.AssertClose(t, z.Value().Data().([]float64), want, 1e-14)
		vm.Reset()
	}
}

// TestGELUFloat32MatchesFloat64 checks the fast float32 kernels against the
// float64 ones.
func TestGELUFloat32MatchesFloat64(t *testing.T) {
	n := 4001
	x64, y64, d64 := make([]float64, n), make([]float64, n), make([]float64, n)
	x32, y32, d32 := make([]float32, n), make([]float32, n), make([]float32, n)
	ones64, ones32 := make([]float64, n), make([]float32, n)
	for i := range x64 {
		x32[i] = float32(-10 + 20*float64(i)/float64(n-1))
		x64[i], ones64[i], ones32[i] = float64(x32[i]), 1, 1
	}
	geluForward(x64, y64)
	geluForward(x32, y32)
	geluBackward(x64, ones64, d64)
	geluBackward(x32, ones32, d32)
	for i := range x64 {
		if math.Abs(float64(y32[i])-y64[i]) > 2e-6*(1+math.Abs(y64[i])) || math.Abs(float64(d32[i])-d64[i]) > 2e-6 {
			t.Fatalf("x=%g: float32 GELU %g/%g, float64 %g/%g", x64[i], y32[i], d32[i], y64[i], d64[i])
		}
	}
}

// TestLayerNormFloat32MatchesFloat64 runs the float32 kernels (scalar for a
// width of 190, vector for 192) against the float64 ones on rows with a
// large common offset, where a careless variance loses precision.
func TestLayerNormFloat32MatchesFloat64(t *testing.T) {
	for _, d := range []int{190, 192} {
		layerNormFloat32Case(t, d)
	}
}

func layerNormFloat32Case(t *testing.T, d int) {
	rng := rand.New(rand.NewPCG(9, 1))
	const n = 37
	x64, g64, b64, dy64 := make([]float64, n*d), make([]float64, d), make([]float64, d), make([]float64, n*d)
	for i := range x64 {
		x64[i], dy64[i] = float64(float32(100+rng.NormFloat64())), float64(float32(rng.NormFloat64()))
	}
	for j := range g64 {
		g64[j], b64[j] = float64(float32(1+0.1*rng.NormFloat64())), float64(float32(rng.NormFloat64()))
	}
	x32, g32, b32, dy32 := to32(x64), to32(g64), to32(b64), to32(dy64)
	m64, r64, m32, r32 := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	y64, y32 := make([]float64, n*d), make([]float32, n*d)
	layerNormForward(x64, g64, b64, y64, m64, r64, d, 1e-6)
	layerNormForward32(x32, g32, b32, y32, m32, r32, d, 1e-6)
	compare32(t, "forward", y32, y64, 1e-5)
	dx64, dx32 := make([]float64, n*d), make([]float32, n*d)
	layerNormGradInput(x64, g64, dy64, dx64, m64, r64, d)
	layerNormGradInput32(x32, g32, dy32, dx32, m32, r32, d)
	compare32(t, "dx", dx32, dx64, 2e-5)
	dg64, dg32 := make([]float64, d), make([]float32, d)
	layerNormGradGamma(x64, dy64, dg64, m64, r64, d)
	layerNormGradGamma32(x32, dy32, dg32, m32, r32, d)
	compare32(t, "dgamma", dg32, dg64, 1e-4) // a sum over 37 rows of O(1) terms
}

func to32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

func compare32(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	for i := range got {
		if math.Abs(float64(got[i])-want[i]) > tol*(1+math.Abs(want[i])) {
			t.Fatalf("%s[%d]: float32 %g, float64 %g", what, i, got[i], want[i])
		}
	}
}

// TestRunningMeanSumsInOrderAndFreesEarly: the mean of 6 nodes equals the
// sum taken in their order times 1/6, bit for bit, whether built with Mean
// at the end or with a RunningMean step after each node; the latter lets
// memplan.Plan reuse each node's memory once it is added: a chain of 7
// additions whose last 6 results are averaged needs 3 buffers (the running
// sum, the newest result and the one being computed) instead of 7.
func TestRunningMeanSumsInOrderAndFreesEarly(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 4))
	x, c := optest.RandTensor(rng, 4, 5), optest.RandTensor(rng, 4, 5)
	run := func(running bool) ([]float64, int) {
		g := G.NewGraph()
		y := G.NodeFromAny(g, x, G.WithName("x"))
		cn := G.NodeFromAny(g, c, G.WithName("c"))
		m := NewRunningMean(6)
		var ys []*G.Node
		for k := range 7 {
			y = G.Must(Add(y, cn))
			ys = append(ys, y)
			if running && k > 0 {
				if err := m.Add(y); err != nil {
					t.Fatal(err)
				}
			}
		}
		mean := G.Must(Mean(ys[1:]...))
		if running {
			mean = G.Must(m.Result())
		}
		n, err := memplan.Plan(g, mean)
		if err != nil {
			t.Fatal(err)
		}
		return optest.RunGraph(t, g, mean), n
	}
	// The same sums, in the same order, outside the graph.
	v, cv := append([]float64(nil), x.Float64s()...), c.Float64s()
	want := make([]float64, len(v))
	for k := range 7 {
		for i := range v {
			v[i] += cv[i]
		}
		if k == 1 {
			copy(want, v)
		} else if k > 1 {
			for i := range v {
				want[i] += v[i]
			}
		}
	}
	for i := range want {
		want[i] *= 1.0 / 6
	}
	for _, running := range []bool{false, true} {
		got, n := run(running)
		if !slices.Equal(got, want) {
			t.Errorf("running=%t: mean %v, want %v", running, got, want)
		}
		if wantN := map[bool]int{false: 7, true: 3}[running]; n != wantN {
			t.Errorf("running=%t: %d allocations, want %d", running, n, wantN)
		}
	}
}

func TestRunningMeanErrors(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(2, 2), G.WithName("x"), G.WithInit(G.Zeroes()))
	if _, err := NewRunningMean(0).Result(); err == nil || !strings.Contains(err.Error(), "no inputs") {
		t.Errorf("no nodes: %v", err)
	}
	m := NewRunningMean(2)
	if err := m.Add(x); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Result(); err == nil || !strings.Contains(err.Error(), "1 of the 2") {
		t.Errorf("one node of two: %v", err)
	}
	if err := m.Add(x); err != nil {
		t.Fatal(err)
	}
	if err := m.Add(x); err == nil || !strings.Contains(err.Error(), "more than the 2") {
		t.Errorf("a third node of two: %v", err)
	}
	one := NewRunningMean(1)
	if err := one.Add(x); err != nil {
		t.Fatal(err)
	}
	if r, err := one.Result(); err != nil || r == x {
		t.Errorf("the mean of one node: %v, %v (it must be a node of its own)", r, err)
	}
}
