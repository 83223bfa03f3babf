package graph

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/layers"
)

// PostTrunkNorm, alone in a list of feature layers, chooses the output of
// the post-trunk norm after the last block rather than a mean of raw block
// outputs: AIMv2's features (transformers' last_hidden_state).
const PostTrunkNorm = -1

func isPostTrunkNorm(layers []int) bool { return len(layers) == 1 && layers[0] == PostTrunkNorm }

// DescribeLayers names feature layers for a message: "the post-trunk norm"
// or "blocks [20 21 22 23]".
func DescribeLayers(layers []int) string {
	if isPostTrunkNorm(layers) {
		return "the post-trunk norm"
	}
	return fmt.Sprintf("blocks %v", layers)
}

// DefaultLayers returns the model's default features: the post-trunk norm
// for AIMv2 (PostTrunkNorm), DefaultFeatureLayers for AIM v1.
func (m *Model) DefaultLayers() []int {
	if m.Config.IsV2() {
		return []int{PostTrunkNorm}
	}
	return DefaultFeatureLayers(m.Config.Depth)
}

// DefaultFeatureLayers returns the blocks whose outputs are averaged into
// AIM v1's features by default: the last ceil(depth/4).
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
// blocks: the frozen features that downstream probes read. Its buffers are
// sized for a fixed number of images; Extractor sizes them to the data.
type FeatureGraph struct {
	*inputs
	*Program
	features *G.Node
	layers   []int
}

// NewFeatureGraph builds the feature graph for batches of up to batch images;
// layers are 0-based block indices, or PostTrunkNorm alone (nil for
// DefaultLayers).
func (m *Model) NewFeatureGraph(batch int, layerIdx []int) (*FeatureGraph, error) {
	if layerIdx == nil {
		layerIdx = m.DefaultLayers()
	}
	if err := checkLayers(layerIdx, m.Config.Depth); err != nil {
		return nil, err
	}
	if batch < 1 {
		return nil, errors.Errorf("batch size %d must be positive", batch)
	}
	in, err := newInputs(m.Config.Grid(), Objective{}, batch, m.Params.Dtype())
	if err != nil {
		return nil, err
	}
	b := layers.NewBuilder(m.Params, rand.New(rand.NewPCG(0, 0)))
	net := newNetwork(b, m.Config, nil, false)
	feats := net.features(b.Input("patches", in.patches), b.Input("prefix", in.prefix), layerIdx)
	prog, err := m.compile(b, nil, false, feats)
	if err != nil {
		return nil, err
	}
	return &FeatureGraph{inputs: in, Program: prog, features: feats, layers: layerIdx}, nil
}

func checkLayers(idx []int, depth int) error {
	if len(idx) == 0 {
		return errors.New("no feature layers chosen")
	}
	if isPostTrunkNorm(idx) {
		return nil
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

// Batch returns the most images one call of Features takes.
func (f *FeatureGraph) Batch() int { return f.batch }

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
	if err := f.Run(); err != nil {
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

// MeanTokens writes the mean over the k tokens of each image of feats
// (n, k, d) to out (n, d): one embedding per image.
func MeanTokens(feats []float32, k, d int, out []float32) {
	acc := make([]float64, d)
	for i := range len(feats) / (k * d) {
		clear(acc)
		for t := range k {
			for j, v := range feats[(i*k+t)*d : (i*k+t+1)*d] {
				acc[j] += float64(v)
			}
		}
		for j, v := range acc {
			out[i*d+j] = float32(v / float64(k))
		}
	}
}

// Extractor computes the trunk features of any number of images in batches
// of at most a chosen size. Memory follows the data: the feature graph is
// built for min(batch, images) images, and a smaller last batch gets a
// graph of its own size rather than padding. A feature that is not finite
// is an error naming the image and the likely cause.
type Extractor struct {
	m      *Model
	layers []int
	batch  int
	full   *FeatureGraph // for batches of the full size
	rest   *FeatureGraph // for the last, smaller batch of a call
	image  []float32     // one batch of images
	out    []float32     // its features
}

// NewExtractor prepares the extraction of the features of the chosen blocks
// (nil: DefaultLayers) in batches of at most batch images. No graph is
// built until images arrive.
func (m *Model) NewExtractor(batch int, layerIdx []int) (*Extractor, error) {
	if batch < 1 {
		return nil, errors.Errorf("feature batch %d: expected at least 1", batch)
	}
	if layerIdx == nil {
		layerIdx = m.DefaultLayers()
	}
	if err := checkLayers(layerIdx, m.Config.Depth); err != nil {
		return nil, err
	}
	return &Extractor{m: m, layers: layerIdx, batch: batch}, nil
}

// Layers returns the blocks whose outputs are averaged.
func (e *Extractor) Layers() []int { return append([]int(nil), e.layers...) }

// Batch returns the most images a trunk pass takes.
func (e *Extractor) Batch() int { return e.batch }

// Tokens returns the tokens per image, K: the features of an image are
// (K, D).
func (e *Extractor) Tokens() int { return e.m.Config.Grid().Len() }

// Extract computes the features of n images. image(i, dst) writes image i
// (C·H·W values, in the model's (C, H, W) layout) to dst; each receives the
// features (m, K, D) of images first … first+m−1, batch after batch in
// order, in a slice that is reused by the next batch. The context is
// checked between batches.
func (e *Extractor) Extract(ctx context.Context, n int, image func(i int, dst []float32), each func(first int, feats []float32) error) error {
	size := e.m.Config.Grid().ImageSize()
	for lo := 0; lo < n; lo += e.batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		m := min(e.batch, n-lo)
		fg, err := e.graphFor(m, n)
		if err != nil {
			return err
		}
		e.image = growTo(e.image, m*size)
		for i := range m {
			image(lo+i, e.image[i*size:(i+1)*size])
		}
		if e.out, err = fg.Features(e.image, e.out[:0]); err != nil {
			return err
		}
		if err := e.checkFinite(lo, m); err != nil {
			return err
		}
		if err := each(lo, e.out); err != nil {
			return err
		}
	}
	return nil
}

// graphFor returns a graph for a batch of m images out of a call's n: the
// full-size graph, built for min(batch, n) images (and rebuilt only when a
// later call needs more), or a graph of exactly m images for a smaller
// last batch.
func (e *Extractor) graphFor(m, n int) (*FeatureGraph, error) {
	var err error
	if want := min(e.batch, n); e.full == nil || e.full.Batch() < want {
		if e.full != nil {
			e.full.Close()
		}
		if e.full, err = e.m.NewFeatureGraph(want, e.layers); err != nil {
			return nil, err
		}
	}
	if m == e.full.Batch() {
		return e.full, nil
	}
	if e.rest == nil || e.rest.Batch() != m {
		if e.rest != nil {
			e.rest.Close()
		}
		if e.rest, err = e.m.NewFeatureGraph(m, e.layers); err != nil {
			return nil, err
		}
	}
	return e.rest, nil
}

// checkFinite reports the first feature of the batch that is NaN or
// infinite, blaming the image when it holds such a value and the weights
// otherwise.
func (e *Extractor) checkFinite(first, m int) error {
	per := len(e.out) / max(m, 1)
	for j, v := range e.out {
		if !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) {
			continue
		}
		i := j / per
		size := len(e.image) / m
		if !allFinite(e.image[i*size : (i+1)*size]) {
			return errors.Errorf("image %d holds NaN or infinite pixel values, so its features are %v", first+i, v)
		}
		return errors.Errorf("the features of image %d are %v although its pixels are finite: the model's weights hold NaN or infinite values, or overflow", first+i, v)
	}
	return nil
}

func allFinite(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}

func growTo(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// Close releases the graphs.
func (e *Extractor) Close() error {
	for _, fg := range []*FeatureGraph{e.full, e.rest} {
		if fg != nil {
			fg.Close()
		}
	}
	e.full, e.rest = nil, nil
	return nil
}
