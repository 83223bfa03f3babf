package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/ops/internal/optest"
)

func TestRMSNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	x, w := optest.RandTensor(rng, 6, 5), optest.RandTensor(rng, 5)
	build := func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) { return RMSNorm(in[0], in[1], 1e-5) }
	want := make([]float64, 30)
	for i := range 6 {
		row := x.Float64s()[i*5 : i*5+5]
		var ss float64
		for _, a := range row {
			ss += a * a
		}
		for j, a := range row {
			want[i*5+j] = a / math.Sqrt(ss/5+1e-5) * w.Float64s()[j]
		}
	}
	inputs := []*tensor.Dense{x, w}
	optest.AssertClose(t, optest.Forward(t, inputs, build), want, 1e-12)
	optest.CheckGrad(t, inputs, []int{0, 1}, build)
}

func TestSwiGLU(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 3))
	gate, up := optest.RandTensor(rng, 4, 6), optest.RandTensor(rng, 4, 6)
	gate.Float64s()[0], gate.Float64s()[1] = -30, 30 // the saturated ends
	build := func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) { return SwiGLU(in[0], in[1]) }
	want := make([]float64, 24)
	for i, a := range gate.Float64s() {
		want[i] = a / (1 + math.Exp(-a)) * up.Float64s()[i]
	}
	inputs := []*tensor.Dense{gate, up}
	optest.AssertClose(t, optest.Forward(t, inputs, build), want, 1e-12)
	optest.CheckGrad(t, inputs, []int{0, 1}, build)
}

// TestAIMv2OpsFloat32MatchFloat64 runs RMSNorm and SwiGLU, forward and
// backward, in float32 and float64 on the same values.
func TestAIMv2OpsFloat32MatchFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	const n, d = 7, 40
	x, w, dy := make([]float64, n*d), make([]float64, d), make([]float64, n*d)
	for i := range x {
		x[i], dy[i] = float64(float32(3*rng.NormFloat64())), float64(float32(rng.NormFloat64()))
	}
	x[0], x[1], x[2], x[3] = -100, 100, -88.5, 89 // beyond float32's exponential
	for j := range w {
		w[j] = float64(float32(1 + 0.1*rng.NormFloat64()))
	}
	r64, r32 := make([]float64, n), make([]float64, n)
	y64, y32 := make([]float64, n*d), make([]float32, n*d)
	rmsNormForward(x, w, y64, r64, d, 1e-5)
	rmsNormForward(to32(x), to32(w), y32, r32, d, 1e-5)
	compare32(t, "RMSNorm", y32, y64, 1e-6)
	dx64, dx32 := make([]float64, n*d), make([]float32, n*d)
	rmsNormGradInput(x, w, dy, dx64, r64, d)
	rmsNormGradInput(to32(x), to32(w), to32(dy), dx32, r32, d)
	compare32(t, "RMSNorm dx", dx32, dx64, 1e-5)
	for _, mode := range []swiGLUMode{swiGLUForward, swiGLUGate, swiGLUUp} {
		in64 := []G.Value{tensor.New(tensor.WithBacking(x)), tensor.New(tensor.WithBacking(dy)), tensor.New(tensor.WithBacking(dy))}
		in32 := []G.Value{tensor.New(tensor.WithBacking(to32(x))), tensor.New(tensor.WithBacking(to32(dy))), tensor.New(tensor.WithBacking(to32(dy)))}
		o64, o32 := make([]float64, n*d), make([]float32, n*d)
		swiGLURun(mode, in64, o64, sigmoid64)
		swiGLURun(mode, in32, o32, sigmoid32)
		compare32(t, "SwiGLU", o32, o64, 1e-5)
	}
	fast := make([]float32, n*d)
	swiGLUForward32(to32(x), to32(dy), fast)
	ref := make([]float64, n*d)
	swiGLURun(swiGLUForward, []G.Value{tensor.New(tensor.WithBacking(x)), tensor.New(tensor.WithBacking(dy))}, ref, sigmoid64)
	compare32(t, "SwiGLU vector", fast, ref, 1e-5)
}
