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

// Limits of a configuration. They lie far beyond the paper's largest model
// (AIM-7B: width 4096, 32 blocks, 224×224 images cut into 256 patches) and
// keep a configuration read from a file — a checkpoint's aim_config
// metadata, an image size — from asking for tables or buffers no machine
// holds: the position embedding alone takes K·D values, attention K² per
// head and image.
const (
	maxImageSide = 8192    // pixels, each of height and width
	maxTokens    = 16384   // patches per image, K (a 128×128 grid)
	maxChannels  = 64      // image channels
	maxWidth     = 1 << 16 // trunk and prediction-head width
	maxDepth     = 1024    // trunk and prediction-head blocks
	maxMLPRatio  = 64      // MLP hidden width / width
)

// Validate checks that the configuration describes a model that can be
// built within the limits above, naming the offending field as its JSON
// key (image_height, width, heads, ...).
func (c Config) Validate() error {
	if err := c.checkSizes(); err != nil {
		return errors.Wrap(err, "model config")
	}
	checks := []struct {
		ok  bool
		msg string
	}{
		{c.Width%4 == 0, fmt.Sprintf("width %d must be a multiple of 4 (sin-cos position embedding)", c.Width)},
		{c.Width%c.Heads == 0, fmt.Sprintf("heads %d must divide width %d", c.Heads, c.Width)},
		{c.HeadWidth%4 == 0, fmt.Sprintf("head_width %d must be a multiple of 4 (0 for no head)", c.HeadWidth)},
		{c.HeadWidth > 0 || c.HeadDepth == 0, fmt.Sprintf("head_depth %d must be 0 without a head (head_width 0)", c.HeadDepth)},
		{c.Channels*c.Patch*c.Patch >= 2, fmt.Sprintf("a patch of %d×%d×%d holds fewer than 2 values", c.Patch, c.Patch, c.Channels)},
	}
	for _, ch := range checks {
		if !ch.ok {
			return errors.New("model config: " + ch.msg)
		}
	}
	return errors.Wrap(c.checkImage(), "model config")
}

// checkSizes checks that every size lies within its limits, so that the
// products of Validate and ParamCount cannot overflow.
func (c Config) checkSizes() error {
	fields := []struct {
		name      string
		v, lo, hi int
	}{
		{"channels", c.Channels, 1, maxChannels},
		{"patch", c.Patch, 1, maxImageSide},
		{"width", c.Width, 1, maxWidth},
		{"depth", c.Depth, 1, maxDepth},
		{"heads", c.Heads, 1, maxWidth},
		{"mlp_ratio", c.MLPRatio, 1, maxMLPRatio},
		{"head_width", c.HeadWidth, 0, maxWidth},
		{"head_depth", c.HeadDepth, 0, maxDepth},
	}
	for _, f := range fields {
		if f.v < f.lo || f.v > f.hi {
			return errors.Errorf("%s %d: expected %d to %d", f.name, f.v, f.lo, f.hi)
		}
	}
	return nil
}

// checkImage checks the image size alone: height and width positive, at
// most maxImageSide pixels and multiples of the patch size, and at most
// maxTokens patches in all. The error names the field.
func (c Config) checkImage() error {
	for _, side := range []struct {
		name string
		v    int
	}{{"image_height", c.ImageHeight}, {"image_width", c.ImageWidth}} {
		switch {
		case side.v < 1 || side.v > maxImageSide:
			return errors.Errorf("%s %d: expected 1 to %d pixels", side.name, side.v, maxImageSide)
		case c.Patch < 1 || side.v%c.Patch != 0:
			return errors.Errorf("%s %d: expected a multiple of the patch size %d", side.name, side.v, c.Patch)
		}
	}
	if k := (c.ImageHeight / c.Patch) * (c.ImageWidth / c.Patch); k > maxTokens {
		return errors.Errorf("image size %d×%d: %d patches of %d×%d, expected at most %d", c.ImageHeight, c.ImageWidth, k, c.Patch, c.Patch, maxTokens)
	}
	_, err := patches.NewGrid(max(c.Channels, 1), c.ImageHeight, c.ImageWidth, c.Patch)
	return err
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
