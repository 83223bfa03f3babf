package testmodel

import (
	"path/filepath"

	"gorgonia.org/tensor"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/probe"
)

// RGB224 is a small trunk for 224×224 RGB photos: 64 tokens of width 128
// (one head of ml-aim's dimension 128), 2 blocks.
var RGB224 = graph.Config{ImageHeight: 224, ImageWidth: 224, Channels: 3, Patch: 28, Width: 128, Depth: 2, Heads: 1, MLPRatio: 2}

// Classifier returns the tensors of an untrained trunk of cfg (no
// prediction head) with a random attentive head of the given classes, in
// the released layout, including BatchNorm's int64 counter.
func Classifier(cfg graph.Config, classes int, seed uint64) (*checkpoint.File, error) {
	cfg.HeadWidth, cfg.HeadDepth = 0, 0
	m, err := graph.New(cfg, tensor.Float32, seed)
	if err != nil {
		return nil, err
	}
	ts, _ := m.Tensors()
	h, err := probe.NewHead(probe.HeadSpec{Kind: probe.Attentive, Dim: cfg.Width, Heads: cfg.Heads, Classes: classes}, seed+1)
	if err != nil {
		return nil, err
	}
	for _, name := range h.Params.Names() {
		ts[name] = checkpoint.Tensor{Shape: h.Params.Get(name).Shape(), Data: h.Params.Float32s(name)}
	}
	mean, variance := make([]float32, cfg.Width), make([]float32, cfg.Width)
	for i := range variance {
		variance[i] = 1
	}
	ts["head.bn.running_mean"] = checkpoint.Tensor{Shape: []int{cfg.Width}, Data: mean}
	ts["head.bn.running_var"] = checkpoint.Tensor{Shape: []int{cfg.Width}, Data: variance}
	counter := map[string]checkpoint.Int64Tensor{"head.bn.num_batches_tracked": {Data: []int64{7}}}
	return &checkpoint.File{Tensors: ts, Int64s: counter}, nil
}

// WriteClassifier writes Classifier(cfg, classes, seed) to dir/name.
func WriteClassifier(dir, name string, cfg graph.Config, classes int, seed uint64) (string, error) {
	f, err := Classifier(cfg, classes, seed)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	return path, checkpoint.Write(path, f)
}

// Gray8 is the smallest trunk the tests use: 8×8 grey images, four 4×4
// patches, width 16, 2 blocks of 2 heads.
var Gray8 = graph.Config{ImageHeight: 8, ImageWidth: 8, Channels: 1, Patch: 4, Width: 16, Depth: 2, Heads: 2, MLPRatio: 2}

// WriteTrunk writes an untrained model of cfg, drawn from seed, to path as
// graph writes it, its metadata first changed by edit (when not nil).
func WriteTrunk(path string, cfg graph.Config, seed uint64, edit func(meta map[string]string)) error {
	m, err := graph.New(cfg, tensor.Float32, seed)
	if err != nil {
		return err
	}
	ts, meta := m.Tensors()
	if edit != nil {
		edit(meta)
	}
	return checkpoint.Write(path, &checkpoint.File{Tensors: ts, Meta: meta})
}
