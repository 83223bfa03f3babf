package graph

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/layers"
)

// v2TestConfig is a small AIMv2: RMSNorm, SwiGLU of hidden width 20 (not a
// multiple of the width) and a learned position table.
var v2TestConfig = Config{ImageHeight: 8, ImageWidth: 12, Channels: 2, Patch: 4, Width: 8, Depth: 2, Heads: 2,
	Norm: layers.NormRMS, MLP: layers.MLPSwiGLU, MLPHidden: 20, PosEmbed: PosLearned}

func TestAIMv2PresetSizes(t *testing.T) {
	// Apple's counts (billions) of the AIMv2 encoders.
	published := []struct {
		preset string
		count  float64
	}{{"aimv2-large-patch14-224", 0.3}, {"aimv2-huge-patch14-336", 0.6}, {"aimv2-1B-patch14-448", 1.2}, {"aimv2-3b-patch14-224", 2.7}}
	for _, p := range published {
		cfg, err := Preset(p.preset)
		if err != nil {
			t.Fatal(err)
		}
		trunk, head := cfg.ParamCount()
		if rel := math.Abs(float64(trunk)/1e9-p.count) / p.count; rel > 0.15 || head != 0 {
			t.Errorf("%s: %.3gB trunk parameters and %d head parameters, published %.1fB and none", p.preset, float64(trunk)/1e9, head, p.count)
		}
		if cfg.Width/cfg.Heads != 128 || !cfg.IsV2() {
			t.Errorf("%s: head dimension %d, AIMv2 %v; want 128 and AIMv2", p.preset, cfg.Width/cfg.Heads, cfg.IsV2())
		}
	}
}

func TestAIMv2ParamCountMatchesBuiltModel(t *testing.T) {
	for _, pos := range []string{PosLearned, PosSinCos} {
		cfg := v2TestConfig
		cfg.PosEmbed = pos
		m, err := New(cfg, tensor.Float32, 1)
		if err != nil {
			t.Fatal(err)
		}
		trunk, head := cfg.ParamCount()
		if got := m.Params.Count(); got != trunk+head {
			t.Errorf("%s: built model holds %d parameters, ParamCount says %d", pos, got, trunk+head)
		}
		for _, name := range []string{"trunk.blocks.1.mlp.fc3.weight", "trunk.post_trunk_norm.weight"} {
			if m.Params.Get(name) == nil {
				t.Errorf("%s: no parameter %s", pos, name)
			}
		}
		if b := m.Params.Get("trunk.post_trunk_norm.bias"); b != nil {
			t.Errorf("%s: an RMSNorm with a bias", pos)
		}
	}
}

// TestAIMv2FeaturesArePostTrunkNorm: AIMv2's default features are the
// last block's raw output through the post-trunk RMSNorm, computed here
// from the block's output by hand.
func TestAIMv2FeaturesArePostTrunkNorm(t *testing.T) {
	m, err := New(v2TestConfig, tensor.Float64, 3)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	w := m.Params.Get("trunk.post_trunk_norm.weight").Float64s()
	for i := range w {
		w[i] = 1 + rng.NormFloat64()
	}
	images := randomImages(rng, 2, v2TestConfig)
	normed := featuresOfLayers(t, m, images, 2, nil)
	raw := featuresOfLayers(t, m, images, 2, []int{v2TestConfig.Depth - 1})
	d := v2TestConfig.Width
	for r := range len(raw) / d {
		row := raw[r*d : (r+1)*d]
		var ss float64
		for _, v := range row {
			ss += float64(v) * float64(v)
		}
		for j, v := range row {
			want := float64(v) / math.Sqrt(ss/float64(d)+layers.RMSNormEps) * w[j]
			if got := float64(normed[r*d+j]); math.Abs(got-want) > 1e-6*(1+math.Abs(want)) {
				t.Fatalf("token %d feature %d: %g, the normed last block %g", r, j, got, want)
			}
		}
	}
}

// featuresOfLayers runs m's feature pass on images, n at a time, averaging
// the blocks of layerIdx (nil: the default blocks).
func featuresOfLayers(t *testing.T, m *Model, images []float32, n int, layerIdx []int) []float32 {
	t.Helper()
	fg, err := m.NewFeatureGraph(n, layerIdx)
	if err != nil {
		t.Fatal(err)
	}
	defer fg.Close()
	out, err := fg.Features(images, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// features runs m's feature pass on images with the default blocks.
func features(t *testing.T, m *Model, images []float32, batch int) []float32 {
	return featuresOfLayers(t, m, images, batch, nil)
}

func TestAIMv2ConfigValidation(t *testing.T) {
	bad := []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.Norm = "batchnorm" }, "norm \"batchnorm\""},
		{func(c *Config) { c.MLP = "relu" }, "mlp \"relu\""},
		{func(c *Config) { c.PosEmbed = "rope" }, "pos_embed \"rope\""},
		{func(c *Config) { c.MLPHidden = 0 }, "mlp_hidden 0"},
		{func(c *Config) { c.HeadWidth = 16 }, "no prediction head"},
	}
	for _, b := range bad {
		cfg := v2TestConfig
		b.change(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%+v: error %v, want one naming %q", cfg, err, b.want)
		}
	}
}

func TestAIMv2ImageSizes(t *testing.T) {
	m, err := New(v2TestConfig, tensor.Float32, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.WithImage(2, 12, 12); err == nil || !strings.Contains(err.Error(), "learned positions for 8×12") {
		t.Errorf("a learned table at another size: %v", err)
	}
	native := v2TestConfig
	native.PosEmbed = PosSinCos
	n, err := New(native, tensor.Float32, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.WithImage(2, 12, 20); err != nil {
		t.Errorf("the native model at 12×20: %v", err)
	}
	if _, err := n.WithImage(2, 4*64, 4*65); err == nil || !strings.Contains(err.Error(), "4160 patches") {
		t.Errorf("4160 patches: %v", err)
	}
	if _, err := n.WithImage(2, 4*64, 4*64); err != nil {
		t.Errorf("4096 patches: %v", err)
	}
}

// A file missing one tensor is still told AIM v1 or AIMv2 by the others,
// and the error names the tensor it lacks.
func TestMissingTensorNamedInEitherFamily(t *testing.T) {
	for _, c := range []struct {
		cfg     Config
		missing string
	}{
		{testConfig, "trunk.blocks.0.norm_1.bias"},
		{v2TestConfig, "trunk.blocks.0.mlp.fc3.weight"},
		{v2TestConfig, "trunk.blocks.1.norm_2.weight"},
	} {
		m, err := New(c.cfg, tensor.Float32, 1)
		if err != nil {
			t.Fatal(err)
		}
		ts, meta := m.Tensors()
		delete(ts, c.missing)
		_, err = FromCheckpoint(&checkpoint.File{Tensors: ts, Meta: meta}, tensor.Float32)
		if err == nil || !strings.Contains(err.Error(), "no tensor \""+c.missing+"\"") {
			t.Errorf("without %s: %v", c.missing, err)
		}
	}
}
