package graph

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/layers"
	"github.com/aim-go/aim/ops"
	"github.com/aim-go/aim/patches"
)

// Model is an AIM model: its architecture and its weights, stored under
// ml-aim's state-dict names (trunk) and decoder.* (prediction head).
type Model struct {
	Config Config
	Params *layers.Params

	release func()         // frees weights held outside the Go heap; nil for none
	file    weightFile     // the mapped file(s) the weights are read from; nil for none
	evicted *evictedCopies // weight copies given back once packed; nil for none
}

// Close releases the memory of a model loaded from a checkpoint (a mapped
// file, converted weights); the model and every graph built on it must not
// be used afterwards. It does nothing for a model made by New.
func (m *Model) Close() error {
	if m.release != nil {
		m.release()
		m.release = nil
	}
	return nil
}

// HoldHalf rounds the model's linear weights to 16-bit values of format h
// and holds them as such (layers.Params.HoldHalf): the model as it would be
// read from a BF16 or F16 file with KeepHalf, for inference only. Close
// releases them.
func (m *Model) HoldHalf(h blas.Half) error {
	release, err := m.Params.HoldHalf(h)
	if err != nil {
		return err
	}
	prev := m.release
	m.release = func() {
		release()
		if prev != nil {
			prev()
		}
	}
	return nil
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
	newNetwork(b, cfg, nil, cfg.HeadWidth > 0)
	return m, errors.Wrap(b.Err(), "initialising the model")
}

// network is AIM as ml-aim's models.py lays it out — preprocessor → trunk →
// head — with the layers of one graph. order lists the grid position of
// each token of the sequence (nil: raster order).
type network struct {
	b     *layers.Builder
	pre   *preprocessor
	trunk *trunk
	head  *predictionHead // nil in feature graphs
}

func newNetwork(b *layers.Builder, cfg Config, order []int, withHead bool) *network {
	n := &network{b: b, pre: newPreprocessor(b, cfg, order), trunk: newTrunk(b, cfg)}
	if withHead {
		n.head = newPredictionHead(b, cfg, order)
	}
	return n
}

// pretrain is the pre-training forward pass: patches (B·K, C·p·p) with
// per-sample prefix lengths (B) to predictions of the next patch's pixels
// for the counted positions rows (rows.Len(), p·p·C). The prediction head
// runs on those rows only.
func (n *network) pretrain(patches, prefix *G.Node, rows *ops.Rows) *G.Node {
	blocks := n.trunk.Forward(n.pre.Forward(patches), prefix, len(n.trunk.blocks))
	if n.b.Err() != nil {
		return nil
	}
	n.b.OnRows(rows)
	defer n.b.OnRows(nil)
	last := n.b.GatherRows(blocks[len(blocks)-1])
	return n.head.Forward(n.trunk.Norm.Forward(last))
}

// features is the downstream forward pass: the mean of the raw outputs
// (before the post-trunk norm) of the chosen blocks, per token (B·K, D).
// The prefix lengths are K, so attention is bidirectional. Blocks after the
// last chosen one are not run.
//
// Each chosen block's output joins a running mean right after the block
// (ops.RunningMean), so that its memory is free once the next block has read
// it, rather than all of them staying until the end.
//
// chosen = []int{PostTrunkNorm} gives the post-trunk norm of the last
// block's output instead (AIMv2's features).
func (n *network) features(patches, prefix *G.Node, chosen []int) *G.Node {
	if isPostTrunkNorm(chosen) {
		blocks := n.trunk.Forward(n.pre.Forward(patches), prefix, len(n.trunk.blocks))
		if n.b.Err() != nil {
			return nil
		}
		return n.trunk.Norm.Forward(blocks[len(blocks)-1])
	}
	mean := ops.NewRunningMean(len(chosen))
	n.trunk.ForwardEach(n.pre.Forward(patches), prefix, slices.Max(chosen)+1, func(i int, out *G.Node) {
		for _, l := range chosen {
			if l == i && n.b.Err() == nil {
				n.b.Fail(mean.Add(out), "building the features")
			}
		}
	})
	if n.b.Err() != nil {
		return nil
	}
	res, err := mean.Result()
	n.b.Fail(err, "building the features")
	return res
}

// preprocessor turns patches into tokens: the patch embedding (linear map
// and norm, ml-aim's patchifier) plus the position embedding — the fixed 2D
// sin-cos table, or a learned table (AIMv2 at a fixed resolution).
type preprocessor struct {
	b       *layers.Builder
	embed   *layers.PatchEmbed
	pos     positions
	learned *G.Node // the learned table (K, D); nil for sin-cos
}

func newPreprocessor(b *layers.Builder, cfg Config, order []int) *preprocessor {
	p := &preprocessor{
		b:     b,
		embed: layers.NewPatchEmbedOf(b, "preprocessor.patchifier", cfg.Channels, cfg.Patch, cfg.Width, cfg.normSpec()),
		pos:   positions{name: "preprocessor.pos_embed", width: cfg.Width, grid: cfg.Grid(), order: order},
	}
	if cfg.PosEmbed == PosLearned {
		k := cfg.Grid().Len()
		p.learned = b.Param("preprocessor.pos_embed", layers.Normal(0.02), []int{1, k, cfg.Width}, k, cfg.Width)
	}
	return p
}

// Forward maps patches (B·K, C·p·p) to tokens (B·K, D).
func (p *preprocessor) Forward(patches *G.Node) *G.Node {
	if p.learned != nil {
		return p.b.AddRows(p.embed.Forward(patches), p.learned)
	}
	return p.b.AddRows(p.embed.Forward(patches), p.pos.node(p.b))
}

// positions is a fixed sin-cos position embedding (K, width) of the
// tokens of a grid, in the given order (nil: raster). Its table is built
// when a forward pass needs it, so that loading a model's weights, which
// builds the layers without running them, computes no table for an image
// size that may never be used.
type positions struct {
	name  string
	width int
	grid  patches.Grid
	order []int
}

// node adds the table to the graph of b.
func (p positions) node(b *layers.Builder) *G.Node {
	return layers.PositionEmbedding(b, p.name, p.width, p.grid.Rows(), p.grid.Cols(), p.order)
}

// trunk is the stack of pre-norm transformer blocks under the prefix mask,
// and the post-trunk norm that feeds the prediction head (AIM v1) or gives
// the features (AIMv2).
type trunk struct {
	blocks []*layers.Block
	Norm   layers.Norm
}

func newTrunk(b *layers.Builder, cfg Config) *trunk {
	t := &trunk{}
	spec := cfg.blockSpec()
	for i := 0; i < cfg.Depth; i++ {
		t.blocks = append(t.blocks, layers.NewBlockOf(b, fmt.Sprintf("trunk.blocks.%d", i), spec))
	}
	t.Norm = layers.NewNorm(b, "trunk.post_trunk_norm", cfg.Width, cfg.normSpec())
	return t
}

// Forward runs the first n blocks on tokens (B·K, D) with per-sample prefix
// lengths (B) and returns the raw output of each.
func (t *trunk) Forward(x, prefix *G.Node, n int) []*G.Node {
	outs := make([]*G.Node, n)
	t.ForwardEach(x, prefix, n, func(i int, out *G.Node) { outs[i] = out })
	return outs
}

// ForwardEach runs the first n blocks like Forward, handing each block's
// raw output to each as soon as the block is built.
func (t *trunk) ForwardEach(x, prefix *G.Node, n int, each func(i int, out *G.Node)) {
	for i, blk := range t.blocks[:n] {
		x = blk.Forward(x, prefix)
		each(i, x)
	}
}

// predictionHead is AIM's MLP head, applied to each token on its own:
// Linear(D→W) + position embedding → residual MLP blocks → LayerNorm →
// Linear(W→p·p·C).
type predictionHead struct {
	b      *layers.Builder
	proj   *layers.Linear
	pos    positions // (K, W)
	blocks []*layers.ResidualMLP
	norm   *layers.LayerNorm
	pred   *layers.Linear
}

func newPredictionHead(b *layers.Builder, cfg Config, order []int) *predictionHead {
	w, g := cfg.HeadWidth, cfg.Grid()
	h := &predictionHead{
		b:    b,
		proj: layers.NewLinear(b, "decoder.proj", cfg.Width, w, true),
		pos:  positions{name: "decoder.pos_embed", width: w, grid: g, order: order},
	}
	for i := 0; i < cfg.HeadDepth; i++ {
		h.blocks = append(h.blocks, layers.NewResidualMLP(b, fmt.Sprintf("decoder.blocks.%d", i), w, cfg.MLPRatio))
	}
	h.norm = layers.NewLayerNorm(b, "decoder.norm", w)
	h.pred = layers.NewLinear(b, "decoder.pred", w, g.Dim(), true)
	return h
}

// Forward maps normalised trunk tokens (N, D) to pixel predictions
// (N, p·p·C).
func (h *predictionHead) Forward(x *G.Node) *G.Node {
	x = h.b.AddRows(h.proj.Forward(x), h.pos.node(h.b))
	for _, blk := range h.blocks {
		x = blk.Forward(x)
	}
	return h.pred.Forward(h.norm.Forward(x))
}
