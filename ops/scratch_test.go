package ops

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestAttentionInferenceReusesScores runs an inference graph's attention
// several times: after the first run it must not allocate its K×K score
// buffers again (fresh memory costs page faults at full size), and its
// result must not change.
func TestAttentionInferenceReusesScores(t *testing.T) {
	const b, k, d, heads = 2, 128, 32, 4
	rng := rand.New(rand.NewPCG(9, 1))
	qkv := tensor.New(tensor.WithShape(b*k, 3*d), tensor.Of(tensor.Float32))
	for i := range qkv.Float32s() {
		qkv.Float32s()[i] = float32(rng.NormFloat64())
	}
	g := G.NewGraph()
	x := G.NodeFromAny(g, qkv, G.WithName("qkv"))
	p := G.NodeFromAny(g, tensor.New(tensor.WithShape(b), tensor.WithBacking([]float32{3, 100})), G.WithName("prefix"))
	out := G.Must(Attention(x, p, heads, k))
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	run := func() []float32 {
		t.Helper()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		defer vm.Reset()
		return append([]float32(nil), out.Value().Data().([]float32)...)
	}
	first := run()
	const runs = 8
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		if got := run(); !slices.Equal(got, first) {
			t.Fatal("a second run gave a different result")
		}
	}
	runtime.ReadMemStats(&after)
	perRun := (after.TotalAlloc - before.TotalAlloc) / runs
	copied := uint64(4 * len(first))
	if perRun > copied+k*k*4/2 {
		t.Errorf("each run allocated %d bytes (%d of them the test's copy of the output); a K×K score buffer is %d", perRun, copied, k*k*4)
	}
}
