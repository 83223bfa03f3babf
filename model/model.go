package model

import (
	"context"
	"os"
	"path/filepath"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/checkpoint/schema"
	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/data/photo"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/probe"
	"github.com/aim-go/aim/train"
)

// Options change how Load reads a checkpoint. The zero value is the usual
// choice.
type Options struct {
	// Head is a probe-head file, for a checkpoint that holds a trunk only
	// (aim probe's probe.safetensors, or a released head). Without it a
	// head in the checkpoint itself (head.* tensors) is used, if any.
	Head string
	// HeadLayers are the blocks the head reads; nil: those the file
	// records (probe_layers), else the last 6, ml-aim's default (AIMv2:
	// the post-trunk norm, graph.PostTrunkNorm).
	HeadLayers []int
	// Labels name the head's classes; nil: the ImageNet-1k classes for a
	// head of 1,000 classes.
	Labels []string
	// Batch is the most images per trunk pass; 0 means 32. Memory follows
	// min(Batch, images).
	Batch int
	// AllowNonFinite loads tensors holding NaN or infinite values, which
	// are otherwise an error naming them.
	AllowNonFinite bool
	// Precision is how the model's matrix products compute: f32 (the
	// zero value) or blas.PrecisionBF16, their inputs rounded to bfloat16
	// on oneDNN (see docs/performance.md, "bf16").
	Precision blas.Precision
}

// Model is a loaded AIM trunk, with its classifier head if it has one.
type Model struct {
	trunk  *graph.Model
	head   *probe.Head
	layers []int
	labels []string
	batch  int
	norm   *Normalization // recorded by this project's pre-training; nil for others
	path   string         // the checkpoint
}

// Normalization is the per-channel input normalisation of a checkpoint of
// this project: x' = (x − Mean[c]) / Std[c] on pixels scaled to [0, 1].
type Normalization = schema.Normalization

// Info describes a model.
type Info struct {
	Width, Depth, Heads, Patch int
	Channels                   int
	ImageHeight, ImageWidth    int   // the size the model was made for (others work if the patches tile them)
	Classes                    int   // 0 without a head
	HeadLayers                 []int // the blocks the head reads
	AIMv2                      bool  // Apple's AIMv2 architecture (RMSNorm, SwiGLU), not AIM v1's
}

// Load reads a safetensors checkpoint, or the checkpoint of a run
// directory (aim pretrain's --out): a trunk (ml-aim's names), with or
// without a classifier head, and the input normalisation the checkpoint
// records, if any (Normalization). The linear weights of a BF16 or F16
// file are used in place, in half the memory of float32 ones and with the
// same results.
func Load(path string, o Options) (*Model, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, train.CheckpointFile)
	}
	opts := []graph.LoadOption{graph.KeepHalf(), graph.InPrecision(o.Precision)}
	if o.AllowNonFinite {
		opts = append(opts, graph.AllowNonFinite())
	}
	g, f, err := graph.LoadCheckpoint(path, tensor.Float32, opts...)
	if err != nil {
		return nil, err
	}
	m := &Model{trunk: g, batch: o.Batch, path: path}
	if m.batch <= 0 {
		m.batch = 32
	}
	if n, ok := schema.ReadNormalization(f.Metadata()); ok {
		if len(n.Mean) != g.Config.Channels {
			g.Close()
			return nil, errors.Errorf("%s: the recorded normalisation has %d channels, the model %d", path, len(n.Mean), g.Config.Channels)
		}
		m.norm = &n
	}
	if err := m.loadHead(path, f, o); err != nil {
		g.Close()
		return nil, err
	}
	return m, nil
}

// loadHead reads the head, its blocks and its class names.
func (m *Model) loadHead(path string, f *checkpoint.Mapped, o Options) error {
	var recorded []int
	var err error
	switch {
	case o.Head != "":
		m.head, recorded, err = probe.LoadHead(o.Head)
	case probe.HasHead(f):
		m.head, recorded, err = probe.HeadFrom(f, m.trunk.Config.Heads)
		err = errors.Wrap(err, path)
	default:
		return nil
	}
	if err != nil {
		return err
	}
	if m.head.Dim != m.trunk.Config.Width {
		return errors.Errorf("the head reads features of width %d, the trunk is %d wide", m.head.Dim, m.trunk.Config.Width)
	}
	if err := m.head.Params.SetPrecision(o.Precision); err != nil { // the head multiplies as the trunk does
		return err
	}
	switch {
	case o.HeadLayers != nil:
		m.layers = o.HeadLayers
	case recorded != nil:
		m.layers = recorded
	case m.trunk.Config.IsV2():
		m.layers = m.trunk.DefaultLayers()
	default:
		m.layers = probe.DefaultHeadLayers(m.trunk.Config.Depth)
	}
	return m.setLabels(o.Labels)
}

func (m *Model) setLabels(labels []string) error {
	switch {
	case labels != nil && len(labels) != m.head.Classes:
		return errors.Errorf("%d labels for a head of %d classes", len(labels), m.head.Classes)
	case labels != nil:
		m.labels = labels
	case m.head.Classes == 1000:
		m.labels = data.ImageNetClasses()
	}
	return nil
}

// Close releases the model's weights; the model must not be used after.
func (m *Model) Close() error { return m.trunk.Close() }

// Info describes the model.
func (m *Model) Info() Info {
	c := m.trunk.Config
	i := Info{Width: c.Width, Depth: c.Depth, Heads: c.Heads, Patch: c.Patch, Channels: c.Channels,
		ImageHeight: c.ImageHeight, ImageWidth: c.ImageWidth, HeadLayers: append([]int(nil), m.layers...), AIMv2: c.IsV2()}
	if m.head != nil {
		i.Classes = m.head.Classes
	}
	return i
}

// Normalization returns the input normalisation the checkpoint records,
// and false for a checkpoint without one (Apple's: its photos are
// normalised by Preprocess).
func (m *Model) Normalization() (Normalization, bool) {
	if m.norm == nil {
		return Normalization{}, false
	}
	return *m.norm, true
}

// LoadImages reads photos (files, or folders searched recursively) as
// LoadImages does, through the model's preprocessing: ml-aim's evaluation
// transform for AIM v1, the hub's for AIMv2 (the preprocessor_config.json
// beside the checkpoint, else shorter side to the model's size, bicubic,
// centre crop, CLIP mean/std).
func (m *Model) LoadImages(paths ...string) (*Tensor, []string, error) {
	t := photo.EvalTransform()
	if m.trunk.Config.IsV2() {
		var err error
		if t, _, err = photo.HubTransformFor(m.path, m.trunk.Config.ImageHeight); err != nil {
			return nil, nil, err
		}
	}
	return loadImages(paths, photo.Options{Transform: t})
}

// Labels returns the class names (nil when unknown or without a head).
func (m *Model) Labels() []string { return append([]string(nil), m.labels...) }

// sized returns the trunk for images of x's size.
func (m *Model) sized(x *Tensor) (*graph.Model, error) {
	if err := x.checkImages(); err != nil {
		return nil, err
	}
	if x.Shape[1] != m.trunk.Config.Channels {
		return nil, errors.Errorf("images of %d channels for a model of %d", x.Shape[1], m.trunk.Config.Channels)
	}
	if m.norm != nil && !x.Normalized {
		return nil, errors.Errorf("the checkpoint records the input normalisation of its pre-training data (mean %v, std %v), "+
			"which these images lack: make them with Model.Images or Model.Normalize (or set Tensor.Normalized when they have it)",
			m.norm.Mean, m.norm.Std)
	}
	return m.trunk.WithImage(x.Shape[1], x.Shape[2], x.Shape[3])
}

// Features returns the frozen-trunk features of images x (N, C, H, W): for
// each token, the mean of the raw outputs of the chosen blocks (nil: the
// last ceil(depth/4); for AIMv2 the post-trunk norm of the last block), as
// (N, K, D).
func (m *Model) Features(ctx context.Context, x *Tensor, layers []int) (*Tensor, error) {
	g, err := m.sized(x)
	if err != nil {
		return nil, err
	}
	ex, err := g.NewExtractor(m.batch, layers)
	if err != nil {
		return nil, err
	}
	defer ex.Close()
	n, k, d := x.Shape[0], g.Config.Grid().Len(), g.Config.Width
	out := &Tensor{Shape: []int{n, k, d}, Data: make([]float32, n*k*d)}
	err = ex.Extract(ctx, n, func(i int, dst []float32) { copy(dst, x.Row(i)) },
		func(first int, f []float32) error { copy(out.Data[first*k*d:], f); return nil })
	return out, err
}

// Embed returns one embedding per image of x: the mean over the tokens of
// its features (nil layers: the model's default features), as (N, D).
func (m *Model) Embed(ctx context.Context, x *Tensor, layers []int) (*Tensor, error) {
	f, err := m.Features(ctx, x, layers)
	if err != nil {
		return nil, err
	}
	n, k, d := f.Shape[0], f.Shape[1], f.Shape[2]
	out := &Tensor{Shape: []int{n, d}, Data: make([]float32, n*d)}
	graph.MeanTokens(f.Data, k, d, out.Data)
	return out, nil
}

// Logits returns the head's logits for images x, as (N, classes).
func (m *Model) Logits(ctx context.Context, x *Tensor) (*Tensor, error) {
	if m.head == nil {
		return nil, errors.New("the model has no classifier head: load it with Options.Head")
	}
	g, err := m.sized(x)
	if err != nil {
		return nil, err
	}
	c, err := NewClassifier(g, m.head, m.layers, m.batch)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	n, classes := x.Shape[0], m.head.Classes
	out := &Tensor{Shape: []int{n, classes}, Data: make([]float32, n*classes)}
	err = c.Logits(ctx, n, func(i int, dst []float32) { copy(dst, x.Row(i)) },
		func(first int, l []float32) error { copy(out.Data[first*classes:], l); return nil })
	return out, err
}

// Classify returns, for each image of x, its k most probable classes.
func (m *Model) Classify(ctx context.Context, x *Tensor, k int) ([][]Prediction, error) {
	logits, err := m.Logits(ctx, x)
	if err != nil {
		return nil, err
	}
	out := make([][]Prediction, logits.Shape[0])
	for i := range out {
		out[i] = TopK(logits.Row(i), k, m.labels)
	}
	return out, nil
}
