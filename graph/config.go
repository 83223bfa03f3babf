// Package graph assembles the AIM model — preprocessor (patch embedding),
// trunk (pre-norm transformer blocks) and prediction head — as Gorgonia
// graphs over one shared set of weights: a training graph that yields the
// loss and its gradients, and evaluation graphs for the loss and for frozen
// trunk features.
package graph

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/patches"
)

// Config is the architecture of an AIM model.
type Config struct {
	ImageHeight int `json:"image_height"`
	ImageWidth  int `json:"image_width"`
	Channels    int `json:"channels"`
	Patch       int `json:"patch"`
	Width       int `json:"width"`      // trunk width D
	Depth       int `json:"depth"`      // trunk blocks
	Heads       int `json:"heads"`      // attention heads
	MLPRatio    int `json:"mlp_ratio"`  // trunk and head MLP hidden width / width
	HeadWidth   int `json:"head_width"` // prediction head width W; 0 for a trunk without head
	HeadDepth   int `json:"head_depth"` // prediction head residual MLP blocks
}

// Grid returns how the configured images are cut into patches.
func (c Config) Grid() patches.Grid {
	return patches.Grid{Channels: c.Channels, Height: c.ImageHeight, Width: c.ImageWidth, Size: c.Patch}
}

// Validate checks that the configuration describes a model that can be
// built, naming the offending field.
func (c Config) Validate() error {
	checks := []struct {
		ok  bool
		msg string
	}{
		{c.Width > 0 && c.Width%4 == 0, fmt.Sprintf("width %d must be a positive multiple of 4 (sin-cos position embedding)", c.Width)},
		{c.Depth > 0, fmt.Sprintf("depth %d must be positive", c.Depth)},
		{c.Heads > 0 && c.Width%max(c.Heads, 1) == 0, fmt.Sprintf("heads %d must divide width %d", c.Heads, c.Width)},
		{c.MLPRatio > 0, fmt.Sprintf("mlp_ratio %d must be positive", c.MLPRatio)},
		{c.HeadWidth >= 0 && c.HeadWidth%4 == 0, fmt.Sprintf("head_width %d must be a multiple of 4 (0 for no head)", c.HeadWidth)},
		{c.HeadDepth >= 0 && (c.HeadWidth > 0 || c.HeadDepth == 0), fmt.Sprintf("head_depth %d must not be negative, and 0 without a head", c.HeadDepth)},
		{c.Channels*c.Patch*c.Patch >= 2, fmt.Sprintf("a patch of %d×%d×%d holds fewer than 2 values", c.Patch, c.Patch, c.Channels)},
	}
	for _, ch := range checks {
		if !ch.ok {
			return errors.New("model config: " + ch.msg)
		}
	}
	_, err := patches.NewGrid(c.Channels, c.ImageHeight, c.ImageWidth, c.Patch)
	return errors.Wrap(err, "model config")
}

// WithImage returns the configuration for images of another size and
// channel count (the weights do not depend on the image size, only the
// patch embedding on the channel count).
func (c Config) WithImage(channels, height, width int) Config {
	c.Channels, c.ImageHeight, c.ImageWidth = channels, height, width
	return c
}

// ParamCount returns the number of trunk parameters (patch embedding, blocks,
// final norm) and of prediction-head parameters.
func (c Config) ParamCount() (trunk, head int) {
	d, w, p := c.Width, c.HeadWidth, c.Channels*c.Patch*c.Patch
	embed := d*p + d + 2*d
	block := 3*d*d + d*d + 2*c.MLPRatio*d*d + 4*d
	trunk = embed + c.Depth*block + 2*d
	if w == 0 {
		return trunk, 0
	}
	headBlock := 2*c.MLPRatio*w*w + 2*w
	head = d*w + w + c.HeadDepth*headBlock + 2*w + w*p + p
	return trunk, head
}

// small returns a preset for 28×28 grey images cut into 4×4 patches, the
// size of the project's own ladder on a 2-core machine.
func small(width, depth, heads, headWidth, headDepth int) Config {
	return Config{ImageHeight: 28, ImageWidth: 28, Channels: 1, Patch: 4, Width: width, Depth: depth, Heads: heads,
		MLPRatio: 4, HeadWidth: headWidth, HeadDepth: headDepth}
}

// paper returns one of the paper's models: 224×224 RGB images, 14×14
// patches, head dimension 128, and the prediction head of every size (12
// blocks of width 2048).
func paper(width, depth int) Config {
	return Config{ImageHeight: 224, ImageWidth: 224, Channels: 3, Patch: 14, Width: width, Depth: depth, Heads: width / 128,
		MLPRatio: 4, HeadWidth: 2048, HeadDepth: 12}
}

// presets are the named configurations, the one table every command and
// sweep reads: the small ladder (micro … base) sized for a 2-core machine,
// and the paper's models.
var presets = map[string]Config{
	"micro":    small(32, 2, 1, 32, 1),
	"tiny":     small(64, 4, 2, 64, 1),
	"small":    small(128, 6, 4, 128, 2),
	"bench":    small(192, 6, 3, 256, 2),
	"base":     small(256, 8, 4, 256, 2),
	"aim-600m": paper(1536, 24),
	"aim-1b":   paper(2048, 24),
	"aim-3b":   paper(3072, 24),
	"aim-7b":   paper(4096, 32),
}

// Preset returns a named configuration.
func Preset(name string) (Config, error) {
	c, ok := presets[name]
	if !ok {
		return c, errors.Errorf("unknown preset %q: expected one of %s", name, strings.Join(PresetNames(), ", "))
	}
	return c, nil
}

// PresetNames lists the presets, smallest first.
func PresetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		ti, _ := presets[names[i]].ParamCount()
		tj, _ := presets[names[j]].ParamCount()
		return ti < tj
	})
	return names
}

// FLOPs returns the floating-point operations of one image through a
// training step (3× the forward pass: the backward pass costs two forward
// passes) and through the feature pass (the trunk only), counting the
// matrix products, which dominate (2 FLOPs per multiply-add; attention
// scores over the full K×K).
func (cfg Config) FLOPs() (train, infer float64) {
	k := float64(cfg.Grid().Len())
	d, w := float64(cfg.Width), float64(cfg.HeadWidth)
	p := float64(cfg.Grid().Dim())
	r := float64(cfg.MLPRatio)
	block := (4+2*r)*d*d + 2*k*d // qkv, proj, MLP; then QKᵀ and PV per token
	trunk := p*d + float64(cfg.Depth)*block
	head := d*w + float64(cfg.HeadDepth)*2*r*w*w + w*p
	train = 3 * 2 * k * (trunk + head)
	infer = 2 * k * trunk
	return train, infer
}
