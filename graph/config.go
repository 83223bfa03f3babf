package graph

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/layers"
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

	// Layer choices, empty for AIM v1's (LayerNorm, GELU MLP, fixed
	// sin-cos positions). AIMv2 takes layers.NormRMS, layers.MLPSwiGLU of
	// hidden width MLPHidden (MLPRatio 0) and learned positions, or the
	// sin-cos table in its native-resolution model.
	Norm      string  `json:"norm,omitempty"`       // layers.NormLayer or layers.NormRMS
	NormEps   float64 `json:"norm_eps,omitempty"`   // 0: the norm's default
	MLP       string  `json:"mlp,omitempty"`        // layers.MLPGELU or layers.MLPSwiGLU
	MLPHidden int     `json:"mlp_hidden,omitempty"` // SwiGLU hidden width
	PosEmbed  string  `json:"pos_embed,omitempty"`  // PosSinCos or PosLearned
}

// Position embeddings.
const (
	PosSinCos  = "sincos"  // the fixed 2D sin-cos table of the grid (AIM v1, AIMv2 native)
	PosLearned = "learned" // a learned table of fixed size (AIMv2 at 224, 336, 448)
)

// IsV2 reports whether the configuration is AIMv2's architecture (RMSNorm
// and SwiGLU), whose features are the post-trunk norm of the last block.
func (c Config) IsV2() bool { return c.Norm == layers.NormRMS }

// Hidden returns the width of the trunk's MLP hidden layer.
func (c Config) Hidden() int {
	if c.MLPHidden > 0 {
		return c.MLPHidden
	}
	return c.MLPRatio * c.Width
}

// normSpec returns the norm of the configuration.
func (c Config) normSpec() layers.NormSpec { return layers.NormSpec{Kind: c.Norm, Eps: c.NormEps} }

// blockSpec returns the trunk block of the configuration.
func (c Config) blockSpec() layers.BlockSpec {
	return layers.BlockSpec{Dim: c.Width, Heads: c.Heads, SeqLen: c.Grid().Len(), Norm: c.normSpec(), MLP: c.MLP, Hidden: c.Hidden()}
}

// Grid returns how the configured images are cut into patches.
func (c Config) Grid() patches.Grid {
	return patches.Grid{Channels: c.Channels, Height: c.ImageHeight, Width: c.ImageWidth, Size: c.Patch}
}

// MaxV2Patches is the most patches an AIMv2 image may have: a 64×64 grid,
// 896×896 pixels at the patch size of 14 (the native model's limit).
const MaxV2Patches = 4096

// Limits of a configuration. They lie far beyond the paper's largest model
// (AIM-7B: width 4096, 32 blocks, 224×224 images cut into 256 patches) and
// keep a configuration read from a file — a checkpoint's aim_config
// metadata, an image size — from asking for tables or buffers no machine
// holds: the position embedding alone takes K·D values, attention K² per
// head and image.
const (
	maxImageSide = 8192         // pixels, each of height and width
	maxTokens    = 16384        // patches per image, K (a 128×128 grid)
	maxV2Tokens  = MaxV2Patches // patches per image of AIMv2
	maxChannels  = 64           // image channels
	maxWidth     = 1 << 16      // trunk and prediction-head width
	maxDepth     = 1024         // trunk and prediction-head blocks
	maxMLPRatio  = 64           // MLP hidden width / width
)

// Validate checks that the configuration describes a model that can be
// built within the limits above, naming the offending field as its JSON
// key (image_height, width, heads, ...).
func (c Config) Validate() error {
	if err := c.checkChoices(); err != nil {
		return errors.Wrap(err, "model config")
	}
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

// checkChoices checks the layer choices (norm, mlp, pos_embed, norm_eps)
// and that AIMv2 has no prediction head.
func (c Config) checkChoices() error {
	checks := []struct {
		ok  bool
		msg string
	}{
		{c.Norm == "" || c.Norm == layers.NormLayer || c.Norm == layers.NormRMS, fmt.Sprintf("norm %q: expected %s or %s", c.Norm, layers.NormLayer, layers.NormRMS)},
		{c.MLP == "" || c.MLP == layers.MLPGELU || c.MLP == layers.MLPSwiGLU, fmt.Sprintf("mlp %q: expected %s or %s", c.MLP, layers.MLPGELU, layers.MLPSwiGLU)},
		{c.PosEmbed == "" || c.PosEmbed == PosSinCos || c.PosEmbed == PosLearned, fmt.Sprintf("pos_embed %q: expected %s or %s", c.PosEmbed, PosSinCos, PosLearned)},
		{c.NormEps >= 0 && c.NormEps < 1, fmt.Sprintf("norm_eps %g: expected 0 (the norm's default) to 1", c.NormEps)},
		{c.HeadWidth == 0 || !c.IsV2(), "head_width must be 0 with norm rmsnorm: AIMv2 has no prediction head"},
	}
	for _, ch := range checks {
		if !ch.ok {
			return errors.New(ch.msg)
		}
	}
	return nil
}

// checkSizes checks that every size lies within its limits, so that the
// products of Validate and ParamCount cannot overflow.
func (c Config) checkSizes() error {
	fields := []sizeField{
		{"channels", c.Channels, 1, maxChannels},
		{"patch", c.Patch, 1, maxImageSide},
		{"width", c.Width, 1, maxWidth},
		{"depth", c.Depth, 1, maxDepth},
		{"heads", c.Heads, 1, maxWidth},
		c.mlpField(),
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

// mlpField is the MLP's size field and limits: mlp_hidden for SwiGLU
// (mlp_ratio then unused), mlp_ratio otherwise.
func (c Config) mlpField() sizeField {
	if c.MLP == layers.MLPSwiGLU {
		return sizeField{"mlp_hidden", c.MLPHidden, 1, maxMLPRatio * max(c.Width, 1)}
	}
	return sizeField{"mlp_ratio", c.MLPRatio, 1, maxMLPRatio}
}

// sizeField is a size of the configuration, named by its JSON key, and its
// limits.
type sizeField struct {
	name      string
	v, lo, hi int
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
	limit := maxTokens
	if c.IsV2() {
		limit = maxV2Tokens
	}
	if k := (c.ImageHeight / c.Patch) * (c.ImageWidth / c.Patch); k > limit {
		return errors.Errorf("image size %d×%d: %d patches of %d×%d, expected at most %d", c.ImageHeight, c.ImageWidth, k, c.Patch, c.Patch, limit)
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
	norm := 2 * d // LayerNorm: weight and bias
	if c.IsV2() {
		norm = d
	}
	mlp := 2 * c.Hidden() * d
	if c.MLP == layers.MLPSwiGLU {
		mlp = 3 * c.Hidden() * d
	}
	embed := d*p + d + norm
	if c.PosEmbed == PosLearned {
		embed += c.Grid().Len() * d
	}
	block := 3*d*d + d*d + mlp + 2*norm
	trunk = embed + c.Depth*block + norm
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

// aimv2 returns one of Apple's AIMv2 vision encoders: RGB images of side
// pixels cut into 14×14 patches, head dimension 128, RMSNorm, a SwiGLU MLP
// of the given hidden width and the position embedding pos (a learned table
// of the image's grid, or the sin-cos table of the native model, at 224
// pixels by default).
func aimv2(width, depth, hidden, side int, pos string) Config {
	return Config{ImageHeight: side, ImageWidth: side, Channels: 3, Patch: 14, Width: width, Depth: depth, Heads: width / 128,
		Norm: layers.NormRMS, MLP: layers.MLPSwiGLU, MLPHidden: hidden, PosEmbed: pos}
}

// aimv2Sizes are the AIMv2 encoders published at 224, 336 and 448 pixels:
// name, width, depth, SwiGLU hidden width.
var aimv2Sizes = []struct {
	name                 string
	width, depth, hidden int
}{
	{"large", 1024, 24, 2816},
	{"huge", 1536, 24, 4096},
	{"1b", 2048, 24, 5632},
	{"3b", 3072, 24, 8192},
}

func init() {
	for _, s := range aimv2Sizes {
		for _, side := range []int{224, 336, 448} {
			presets[fmt.Sprintf("aimv2-%s-patch14-%d", s.name, side)] = aimv2(s.width, s.depth, s.hidden, side, PosLearned)
		}
	}
	presets["aimv2-large-patch14-native"] = aimv2(1024, 24, 2816, 224, PosSinCos)
}

// presets are the named configurations, the one table every command and
// sweep reads: the small ladder (micro … base) sized for a 2-core machine,
// the paper's models, and AIMv2's encoders (added by init).
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

// Preset returns a named configuration; case does not matter
// (aimv2-1B-patch14-224 is aimv2-1b-patch14-224).
func Preset(name string) (Config, error) {
	c, ok := presets[strings.ToLower(name)]
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
	mlp := 2 * float64(cfg.Hidden()) * d
	if cfg.MLP == layers.MLPSwiGLU {
		mlp = 3 * float64(cfg.Hidden()) * d
	}
	r := float64(cfg.MLPRatio)
	block := 4*d*d + mlp + 2*k*d // qkv, proj, MLP; then QKᵀ and PV per token
	trunk := p*d + float64(cfg.Depth)*block
	head := d*w + float64(cfg.HeadDepth)*2*r*w*w + w*p
	train = 3 * 2 * k * (trunk + head)
	infer = 2 * k * trunk
	return train, infer
}
