package graph

import (
	"encoding/json"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/checkpoint/schema"
)

// writeWithImageSize writes the weights of a testConfig model with an
// aim_config that declares images of height×width.
func writeWithImageSize(t *testing.T, height, width int) string {
	t.Helper()
	m, err := New(testConfig, tensor.Float32, 4)
	if err != nil {
		t.Fatal(err)
	}
	ts, meta := m.Tensors()
	declared := m.Config
	declared.ImageHeight, declared.ImageWidth = height, width
	js, err := json.Marshal(declared)
	if err != nil {
		t.Fatal(err)
	}
	meta[schema.ModelConfig] = string(js)
	path := filepath.Join(t.TempDir(), "declared.safetensors")
	if err := checkpoint.Write(path, &checkpoint.File{Tensors: ts, Meta: meta}); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLoadRefusesAbsurdImageSizes: an aim_config declaring an image size
// far beyond any model is an error naming the file, the metadata key and
// the field, not a panic or an allocation of gigabytes.
func TestLoadRefusesAbsurdImageSizes(t *testing.T) {
	cases := []struct {
		height, width int
		want          string
	}{
		{1_000_000_000, 1_000_000_000, "image_height 1000000000: expected 1 to 8192 pixels"},
		{40_000, 40_000, "image_height 40000: expected 1 to 8192 pixels"},
		{4_000, 4_000, "image size 4000×4000: 1000000 patches of 4×4, expected at most 16384"},
		{64, 0, "image_width 0: expected 1 to 8192 pixels"},
		{64, -8, "image_width -8: expected 1 to 8192 pixels"},
		{64, 66, "image_width 66: expected a multiple of the patch size 4"},
	}
	for _, c := range cases {
		path := writeWithImageSize(t, c.height, c.width)
		m, _, err := LoadCheckpoint(path, tensor.Float32)
		if err == nil {
			m.Close()
			t.Errorf("%d×%d: loaded", c.height, c.width)
			continue
		}
		want := path + ": checkpoint: metadata aim_config: " + c.want
		if err.Error() != want {
			t.Errorf("%d×%d: error %q, want %q", c.height, c.width, err, want)
		}
	}
}

// TestLoadBuildsNoPositionTable: loading a model whose aim_config declares
// the largest image size allowed (a grid of 128×128 patches) computes no
// position embedding for it, which only a forward pass at that size needs:
// the load allocates far less than the two tables (3.75 MB here).
func TestLoadBuildsNoPositionTable(t *testing.T) {
	path := writeWithImageSize(t, 512, 512)
	f, err := checkpoint.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	tables := int64(128*128*(testConfig.Width+testConfig.HeadWidth)) * (8 + 4) // float64 and float32
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	m, err := FromCheckpoint(f, tensor.Float32)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if got := int64(after.TotalAlloc - before.TotalAlloc); got > tables/4 {
		t.Errorf("loading allocated %d bytes; the position tables alone are %d", got, tables)
	}
	if m.Config.ImageHeight != 512 || m.Config.ImageWidth != 512 {
		t.Errorf("declared image size read as %d×%d", m.Config.ImageHeight, m.Config.ImageWidth)
	}
	small, err := m.WithImage(testConfig.Channels, 8, 8)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := small.NewFeatureGraph(1, nil); err != nil {
		t.Errorf("a feature graph at 8×8 after loading a 512×512 model: %v", err)
	}
}

// TestConfigLimits: every size of a configuration has bounds, named by
// the field's JSON key in the error.
func TestConfigLimits(t *testing.T) {
	cases := []struct {
		mutate func(c *Config)
		want   string
	}{
		{func(c *Config) { c.Width = 1 << 20 }, "width 1048576: expected 1 to 65536"},
		{func(c *Config) { c.Depth = 5000 }, "depth 5000: expected 1 to 1024"},
		{func(c *Config) { c.Heads = 0 }, "heads 0: expected 1 to 65536"},
		{func(c *Config) { c.Heads = 3 }, "heads 3 must divide width 8"},
		{func(c *Config) { c.Channels = 1000 }, "channels 1000: expected 1 to 64"},
		{func(c *Config) { c.MLPRatio = -1 }, "mlp_ratio -1: expected 1 to 64"},
		{func(c *Config) { c.HeadDepth = -1 }, "head_depth -1: expected 0 to 1024"},
		{func(c *Config) { c.Patch = 1 << 40 }, "patch 1099511627776: expected 1 to 8192"},
		{func(c *Config) { c.ImageHeight = 1 << 40 }, "image_height 1099511627776: expected 1 to 8192 pixels"},
	}
	for _, c := range cases {
		cfg := testConfig
		c.mutate(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.HasSuffix(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one ending %q", cfg, err, c.want)
		}
	}
	if err := testConfig.Validate(); err != nil {
		t.Errorf("testConfig: %v", err)
	}
	for _, name := range PresetNames() {
		if c, _ := Preset(name); c.Validate() != nil {
			t.Errorf("preset %s: %v", name, c.Validate())
		}
	}
}
