package graph

import (
	"math/rand/v2"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/layers"
	"github.com/aim-go/aim/ops"
)

// DefaultFeatureLayers returns the blocks whose outputs are averaged into
// features by default: the last ceil(depth/4).
func DefaultFeatureLayers(depth int) []int {
	n := (depth + 3) / 4
	out := make([]int, n)
	for i := range out {
		out[i] = depth - n + i
	}
	return out
}

// FeatureGraph runs the trunk bidirectionally (no mask) and returns, for each
// token, the mean of the raw outputs (before the final norm) of chosen
// blocks: the frozen features that downstream probes read.
type FeatureGraph struct {
	*inputs
	vm       G.VM
	features *G.Node
	layers   []int
}

// NewFeatureGraph builds the feature graph for batches of up to batch images;
// layers are 0-based block indices (nil for DefaultFeatureLayers).
func (m *Model) NewFeatureGraph(batch int, layerIdx []int) (*FeatureGraph, error) {
	if layerIdx == nil {
		layerIdx = DefaultFeatureLayers(m.Config.Depth)
	}
	if err := checkLayers(layerIdx, m.Config.Depth); err != nil {
		return nil, err
	}
	in, err := newInputs(m.Config.Grid(), Objective{}, batch, m.Params.Dtype())
	if err != nil {
		return nil, err
	}
	b := layers.NewBuilder(m.Params, rand.New(rand.NewPCG(0, 0)))
	net := newNetwork(b, m.Config, false)
	g := m.Config.Grid()
	pos := layers.PositionEmbedding(b, "pos_embed", m.Config.Width, g.Rows(), g.Cols(), nil)
	blocks := net.trunk(b.Input("patches", in.patches), pos, b.Input("prefix", in.prefix))
	var chosen []*G.Node
	if b.Err() == nil {
		for _, l := range layerIdx {
			chosen = append(chosen, blocks[l])
		}
	}
	feats := b.Mean(chosen...)
	if err := b.Err(); err != nil {
		return nil, err
	}
	if _, err := ops.PlanMemory(b.G, feats); err != nil {
		return nil, err
	}
	return &FeatureGraph{inputs: in, vm: G.NewTapeMachine(b.G), features: feats, layers: layerIdx}, nil
}

func checkLayers(idx []int, depth int) error {
	if len(idx) == 0 {
		return errors.New("no feature layers chosen")
	}
	seen := map[int]bool{}
	for _, l := range idx {
		if l < 0 || l >= depth {
			return errors.Errorf("feature layer %d is outside the model's blocks 0…%d", l, depth-1)
		}
		if seen[l] {
			return errors.Errorf("feature layer %d is listed twice", l)
		}
		seen[l] = true
	}
	return nil
}

// Layers returns the blocks whose outputs are averaged.
func (f *FeatureGraph) Layers() []int { return append([]int(nil), f.layers...) }

// Features computes the features (n, K, D) of up to batch images (n·C·H·W
// values) and appends them, as float32, to dst.
func (f *FeatureGraph) Features(images []float32, dst []float32) ([]float32, error) {
	n := len(images) / f.imageLen
	prefixes := make([]int, n)
	for i := range prefixes {
		prefixes[i] = f.grid.Len()
	}
	if err := f.fill(images, prefixes); err != nil {
		return dst, err
	}
	defer f.vm.Reset()
	if err := f.vm.RunAll(); err != nil {
		return dst, errors.Wrap(err, "running the trunk")
	}
	t, ok := f.features.Value().(*tensor.Dense)
	if !ok {
		return dst, errors.Errorf("features are %T", f.features.Value())
	}
	rows := n * f.grid.Len() * t.Shape()[1]
	switch d := t.Data().(type) {
	case []float32:
		dst = append(dst, d[:rows]...)
	case []float64:
		for _, v := range d[:rows] {
			dst = append(dst, float32(v))
		}
	}
	return dst, nil
}

// Close releases the graph's machine.
func (f *FeatureGraph) Close() error { return f.vm.Close() }
