package graph

import (
	"maps"
	"slices"
	"strings"

	"math"
	"math/rand/v2"
	"testing"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/checkpoint/schema"

	"gorgonia.org/tensor"

	"github.com/aim-go/aim/objectives"
	"github.com/aim-go/aim/patches"
)

// testConfig is a model small enough for finite differences: 8×12 images in
// 2 channels, 4×4 patches (K = 6), two blocks, two heads.
var testConfig = Config{ImageHeight: 8, ImageWidth: 12, Channels: 2, Patch: 4, Width: 8, Depth: 2, Heads: 2, MLPRatio: 2, HeadWidth: 12, HeadDepth: 1}

func randomImages(rng *rand.Rand, n int, cfg Config) []float32 {
	out := make([]float32, n*cfg.Channels*cfg.ImageHeight*cfg.ImageWidth)
	for i := range out {
		out[i] = float32(rng.NormFloat64())
	}
	return out
}

// perturbWeights moves every parameter away from its initial value, so that
// biases and norm parameters are not trivially 0 or 1.
func perturbWeights(m *Model, rng *rand.Rand, scale float64) {
	for _, name := range m.Params.Names() {
		d := m.Params.Get(name).Float64s()
		for i := range d {
			d[i] += scale * rng.NormFloat64()
		}
	}
}

func TestModelGradientMatchesFiniteDifferences(t *testing.T) {
	for _, obj := range []Objective{{}, {Order: patches.Spiral, Target: objectives.Raw}} {
		m, err := New(testConfig, tensor.Float64, 1)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(2, 2))
		perturbWeights(m, rng, 0.3)
		images := randomImages(rng, 3, testConfig)
		prefixes := []int{1, 3, 5}

		train, err := m.NewTrainGraph(3, obj)
		if err != nil {
			t.Fatal(err)
		}
		lossGraph, err := m.NewLossGraph(3, obj)
		if err != nil {
			t.Fatal(err)
		}
		loss, err := train.Step(images, prefixes)
		if err != nil {
			t.Fatal(err)
		}
		evalLoss, _, err := lossGraph.Loss(images, prefixes)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(loss-evalLoss) > 1e-12 {
			t.Fatalf("training loss %g != evaluation loss %g", loss, evalLoss)
		}
		grads, err := train.Gradients()
		if err != nil {
			t.Fatal(err)
		}
		if len(grads) != m.Params.Len() {
			t.Fatalf("%d gradients for %d parameters", len(grads), m.Params.Len())
		}
		for _, g := range grads {
			analytic := append([]float64(nil), g.Grad.Float64s()...)
			data := m.Params.Get(g.Name).Float64s()
			for _, e := range rng.Perm(len(data))[:min(len(data), 6)] {
				numeric := centralDifference(t, lossGraph, images, prefixes, data, e)
				if math.Abs(analytic[e]-numeric) > 1e-7+1e-5*math.Abs(numeric) {
					t.Errorf("%s[%d]: analytic %.10g, finite difference %.10g", g.Name, e, analytic[e], numeric)
				}
			}
		}
	}
}

func centralDifference(t *testing.T, l *LossGraph, images []float32, prefixes []int, data []float64, e int) float64 {
	const h = 1e-6
	old := data[e]
	defer func() { data[e] = old }()
	data[e] = old + h
	up, _, err := l.Loss(images, prefixes)
	if err != nil {
		t.Fatal(err)
	}
	data[e] = old - h
	down, _, err := l.Loss(images, prefixes)
	if err != nil {
		t.Fatal(err)
	}
	return (up - down) / (2 * h)
}

func TestParamCountMatchesBuiltModel(t *testing.T) {
	for _, name := range []string{"tiny", "small", "bench"} {
		cfg, err := Preset(name)
		if err != nil {
			t.Fatal(err)
		}
		m, err := New(cfg, tensor.Float32, 1)
		if err != nil {
			t.Fatal(err)
		}
		trunk, head := cfg.ParamCount()
		if got := m.Params.Count(); got != trunk+head {
			t.Errorf("%s: built model holds %d parameters, ParamCount says %d", name, got, trunk+head)
		}
	}
}

func TestPaperPresetSizes(t *testing.T) {
	// The paper's table: name, parameter count (billions).
	paper := []struct {
		preset string
		count  float64
	}{{"aim-600m", 0.6}, {"aim-1b", 1.2}, {"aim-3b", 2.7}, {"aim-7b", 6.5}}
	for _, p := range paper {
		cfg, err := Preset(p.preset)
		if err != nil {
			t.Fatal(err)
		}
		trunk, _ := cfg.ParamCount()
		matrices := 12 * float64(cfg.Width*cfg.Width*cfg.Depth)
		if rel := (float64(trunk) - matrices) / matrices; rel < 0 || rel > 0.01 {
			t.Errorf("%s: trunk %d parameters, 12·width²·depth = %.0f", p.preset, trunk, matrices)
		}
		// "0.6B" is the paper's rounded name for a 0.68B trunk; the others
		// agree within 2%.
		tol := 0.02
		if p.preset == "aim-600m" {
			tol = 0.15
		}
		if rel := math.Abs(float64(trunk)/1e9-p.count) / p.count; rel > tol {
			t.Errorf("%s: trunk %.3gB parameters, paper %.1fB", p.preset, float64(trunk)/1e9, p.count)
		}
		if cfg.Width/cfg.Heads != 128 {
			t.Errorf("%s: head dimension %d, paper 128", p.preset, cfg.Width/cfg.Heads)
		}
	}
}

func TestFeaturesIgnoreTheMaskAndAverageLayers(t *testing.T) {
	m, err := New(testConfig, tensor.Float64, 4)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	perturbWeights(m, rng, 0.2)
	images := randomImages(rng, 2, testConfig)
	f01, err := m.NewFeatureGraph(4, []int{0, 1})
	if err != nil {
		t.Fatal(err)
	}
	f0, _ := m.NewFeatureGraph(4, []int{0})
	f1, _ := m.NewFeatureGraph(4, []int{1})
	both, err := f01.Features(images, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := f0.Features(images, nil)
	b, _ := f1.Features(images, nil)
	k, d := testConfig.Grid().Len(), testConfig.Width
	if len(both) != 2*k*d {
		t.Fatalf("got %d feature values, want %d", len(both), 2*k*d)
	}
	for i := range both {
		if math.Abs(float64(both[i])-float64(a[i]+b[i])/2) > 1e-6 {
			t.Fatalf("feature %d: mean of layers %g, layers %g and %g", i, both[i], a[i], b[i])
		}
	}
	// Bidirectional: the first token's features depend on the last patch.
	changed := append([]float32(nil), images...)
	last := testConfig.ImageWidth - 1
	changed[last] += 5 // top-right pixel of image 0: the last patch of row 0
	c, _ := f0.Features(changed, nil)
	if c[0] == a[0] {
		t.Error("the first token ignores a later patch: the trunk is not bidirectional")
	}
	if _, err := m.NewFeatureGraph(4, []int{2}); err == nil {
		t.Error("a feature layer beyond the depth was accepted")
	}
}

func TestDefaultFeatureLayers(t *testing.T) {
	for _, c := range []struct {
		depth int
		want  []int
	}{{1, []int{0}}, {4, []int{3}}, {6, []int{4, 5}}, {24, []int{18, 19, 20, 21, 22, 23}}} {
		got := DefaultFeatureLayers(c.depth)
		if len(got) != len(c.want) {
			t.Fatalf("depth %d: %v, want %v", c.depth, got, c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Fatalf("depth %d: %v, want %v", c.depth, got, c.want)
			}
		}
	}
}

func TestConfigValidation(t *testing.T) {
	bad := []func(c *Config){
		func(c *Config) { c.ImageHeight = 10 },
		func(c *Config) { c.Heads = 3 },
		func(c *Config) { c.Width = 6 },
		func(c *Config) { c.HeadWidth = 10 },
		func(c *Config) { c.Depth = 0 },
	}
	for i, mutate := range bad {
		c := testConfig
		mutate(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("case %d: %+v accepted", i, c)
		}
	}
}

func TestCheckpointRoundTripInfersTheArchitecture(t *testing.T) {
	m, err := New(testConfig, tensor.Float32, 9)
	if err != nil {
		t.Fatal(err)
	}
	ts, meta := m.Tensors()
	f := &checkpoint.File{Tensors: ts, Meta: meta}
	back, err := FromCheckpoint(f, tensor.Float32)
	if err != nil {
		t.Fatal(err)
	}
	if back.Config != m.Config {
		t.Fatalf("inferred %+v, want %+v", back.Config, m.Config)
	}
	for _, name := range m.Params.Names() {
		if !slices.Equal(back.Params.Float32s(name), m.Params.Float32s(name)) {
			t.Fatalf("tensor %s differs after the round trip", name)
		}
	}

	// Without metadata: heads default to width/128, which 8 is not.
	delete(meta, schema.NumHeads)
	if _, err := FromCheckpoint(f, tensor.Float32); err == nil || !strings.Contains(err.Error(), "num_heads") {
		t.Errorf("missing num_heads with width 8: %v", err)
	}
	meta[schema.NumHeads] = "2"

	// A trunk without decoder tensors loads as a model without head.
	trunk := map[string]checkpoint.Tensor{}
	for n, v := range ts {
		if !strings.HasPrefix(n, "decoder.") {
			trunk[n] = v
		}
	}
	tm, err := FromCheckpoint(&checkpoint.File{Tensors: trunk, Meta: meta}, tensor.Float32)
	if err != nil || tm.Config.HeadWidth != 0 {
		t.Fatalf("trunk-only checkpoint: %v, head width %d", err, tm.Config.HeadWidth)
	}
	if _, err := tm.NewLossGraph(2, Objective{}); err == nil {
		t.Error("a model without head built a loss graph")
	}

	bad := []struct {
		name   string
		mutate func(map[string]checkpoint.Tensor)
		want   string
	}{
		{"unknown", func(m map[string]checkpoint.Tensor) {
			m["trunk.blocks.0.attn.q_norm.weight"] = checkpoint.Tensor{Shape: []int{8}, Data: make([]float32, 8)}
		}, "unknown tensor \"trunk.blocks.0.attn.q_norm.weight\""},
		{"shape", func(m map[string]checkpoint.Tensor) {
			m["trunk.blocks.1.attn.proj.weight"] = checkpoint.Tensor{Shape: []int{8, 4}, Data: make([]float32, 32)}
		}, "trunk.blocks.1.attn.proj.weight"},
		{"missing", func(m map[string]checkpoint.Tensor) { delete(m, "trunk.blocks.1.norm_2.bias") }, "trunk.blocks.1.norm_2.bias"},
		{"ignored", func(m map[string]checkpoint.Tensor) {
			m["optim.m.x"] = checkpoint.Tensor{Shape: []int{1}, Data: []float32{1}}
		}, ""},
	}
	for _, c := range bad {
		copied := maps.Clone(ts)
		c.mutate(copied)
		_, err := FromCheckpoint(&checkpoint.File{Tensors: copied, Meta: meta}, tensor.Float32)
		if c.want == "" && err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: error %v, want mention of %s", c.name, err, c.want)
		}
	}
}

// TestFLOPsCountTheMatrixProducts recounts the forward FLOPs from the built
// model's weight matrices: each weight of a linear layer is one
// multiply-add per token, plus the two K×K attention products per block.
func TestFLOPsCountTheMatrixProducts(t *testing.T) {
	cfg, _ := Preset("small")
	m, err := New(cfg, tensor.Float32, 1)
	if err != nil {
		t.Fatal(err)
	}
	var trunk, head float64
	for _, name := range m.Params.Names() {
		p := m.Params.Get(name)
		if p.Shape().Dims() < 2 {
			continue
		}
		if strings.HasPrefix(name, "decoder.") {
			head += float64(p.Shape().TotalSize())
		} else {
			trunk += float64(p.Shape().TotalSize())
		}
	}
	k, d := float64(cfg.Grid().Len()), float64(cfg.Width)
	attention := float64(cfg.Depth) * 2 * k * d // per token: QKᵀ and PV
	wantInfer := 2 * k * (trunk + attention)
	wantTrain := 3 * 2 * k * (trunk + attention + head)
	train, infer := cfg.FLOPs()
	if math.Abs(train-wantTrain) > 1e-9*wantTrain || math.Abs(infer-wantInfer) > 1e-9*wantInfer {
		t.Errorf("FLOPs() = %g, %g; recounted %g, %g", train, infer, wantTrain, wantInfer)
	}
}
