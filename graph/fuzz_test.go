package graph

import (
	"encoding/json"
	"testing"

	"gorgonia.org/tensor"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/checkpoint/schema"
)

// FuzzLoadConfig loads a checkpoint whose aim_config metadata is the fuzzed
// text: whatever it declares, loading returns a model or an error, never a
// panic or an allocation sized by the declared image (the seeds hold the
// configs that once panicked in SinCos2D, asked for 51 GB, or spent seconds
// on a position table nobody used).
func FuzzLoadConfig(f *testing.F) {
	m, err := New(testConfig, tensor.Float32, 4)
	if err != nil {
		f.Fatal(err)
	}
	tensors, meta := m.Tensors()
	valid := meta[schema.ModelConfig]
	f.Add(valid)
	for _, size := range [][2]int{{1_000_000_000, 1_000_000_000}, {40_000, 40_000}, {4_000, 4_000}, {0, 64}, {-8, 64}, {64, 66}} {
		c := m.Config
		c.ImageHeight, c.ImageWidth = size[0], size[1]
		js, _ := json.Marshal(c)
		f.Add(string(js))
	}
	for _, edit := range []func(*Config){
		func(c *Config) { c.Heads = 5 },
		func(c *Config) { c.Depth = -1 },
		func(c *Config) { c.Depth = 1 << 30 },
		func(c *Config) { c.Width = 1 << 40 },
		func(c *Config) { c.MLPRatio = 1_000_000_000 },
		func(c *Config) { c.Patch = 0 },
		func(c *Config) { c.Channels = 1 << 20 },
	} {
		c := m.Config
		edit(&c)
		js, _ := json.Marshal(c)
		f.Add(string(js))
	}
	for _, s := range []string{"", "null", "{}", "[]", `{"image_height": "x"}`, "{", `{"image_height": 1e300}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, config string) {
		md := map[string]string{}
		for k, v := range meta {
			md[k] = v
		}
		md[schema.ModelConfig] = config
		got, err := FromCheckpoint(&checkpoint.File{Tensors: tensors, Meta: md}, tensor.Float32)
		if err == nil {
			if vErr := got.Config.Validate(); vErr != nil {
				t.Errorf("loaded a model whose config is invalid: %v", vErr)
			}
			got.Close()
		}
	})
}
