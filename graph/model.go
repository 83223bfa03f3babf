package graph

import (
	"fmt"
	"math/rand/v2"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/layers"
)

// Model is an AIM model: its architecture and its weights, stored under
// ml-aim's state-dict names (trunk) and decoder.* (prediction head).
type Model struct {
	Config Config
	Params *layers.Params
}

// New creates a model with freshly initialised weights (Xavier-uniform
// linear and patch-projection weights, zero biases, unit norm weights) drawn
// from seed. dtype is tensor.Float32 for training, tensor.Float64 for
// gradient checks.
func New(cfg Config, dtype tensor.Dtype, seed uint64) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Model{Config: cfg, Params: layers.NewParams(dtype)}
	b := layers.NewBuilder(m.Params, rand.New(rand.NewPCG(seed, 0)))
	newNetwork(b, cfg, cfg.HeadWidth > 0)
	return m, errors.Wrap(b.Err(), "initialising the model")
}

// network holds the layers of one graph.
type network struct {
	cfg    Config
	embed  *layers.PatchEmbed
	blocks []*layers.Block
	norm   *layers.LayerNorm
	head   *predictionHead // nil in feature graphs
}

func newNetwork(b *layers.Builder, cfg Config, withHead bool) *network {
	k := cfg.Grid().Len()
	n := &network{cfg: cfg, embed: layers.NewPatchEmbed(b, "preprocessor.patchifier", cfg.Channels, cfg.Patch, cfg.Width)}
	for i := 0; i < cfg.Depth; i++ {
		n.blocks = append(n.blocks, layers.NewBlock(b, fmt.Sprintf("trunk.blocks.%d", i), cfg.Width, cfg.Heads, cfg.MLPRatio, k))
	}
	n.norm = layers.NewLayerNorm(b, "trunk.post_trunk_norm", cfg.Width)
	if withHead {
		n.head = newPredictionHead(b, cfg)
	}
	return n
}

// trunk runs the preprocessor and the blocks on patches (B·K, C·p·p) with
// position embedding pos (K, D) and per-sample prefix lengths (B); it returns
// the raw output of every block.
func (n *network) trunk(patches, pos, prefix *G.Node) []*G.Node {
	x := n.embed.Forward(patches, pos)
	outs := make([]*G.Node, len(n.blocks))
	for i, blk := range n.blocks {
		x = blk.Forward(x, prefix)
		outs[i] = x
	}
	return outs
}

// predict normalises the last block's output and predicts, for each token,
// the pixels of the next patch (B·K, p·p·C).
func (n *network) predict(last, headPos *G.Node) *G.Node {
	return n.head.Forward(n.norm.Forward(last), headPos)
}

// predictionHead is AIM's MLP head, applied to each token on its own:
// Linear(D→W) + position embedding → residual MLP blocks → LayerNorm →
// Linear(W→p·p·C).
type predictionHead struct {
	b      *layers.Builder
	proj   *layers.Linear
	blocks []*layers.ResidualMLP
	norm   *layers.LayerNorm
	pred   *layers.Linear
}

func newPredictionHead(b *layers.Builder, cfg Config) *predictionHead {
	w := cfg.HeadWidth
	h := &predictionHead{b: b, proj: layers.NewLinear(b, "decoder.proj", cfg.Width, w, true)}
	for i := 0; i < cfg.HeadDepth; i++ {
		h.blocks = append(h.blocks, layers.NewResidualMLP(b, fmt.Sprintf("decoder.blocks.%d", i), w, cfg.MLPRatio))
	}
	h.norm = layers.NewLayerNorm(b, "decoder.norm", w)
	h.pred = layers.NewLinear(b, "decoder.pred", w, cfg.Grid().Dim(), true)
	return h
}

// Forward maps trunk tokens (B·K, D) to pixel predictions (B·K, p·p·C).
func (h *predictionHead) Forward(x, pos *G.Node) *G.Node {
	x = h.b.AddRows(h.proj.Forward(x), pos)
	for _, blk := range h.blocks {
		x = blk.Forward(x)
	}
	return h.pred.Forward(h.norm.Forward(x))
}
