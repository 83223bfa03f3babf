package graph

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/checkpoint"
)

// Metadata keys of the checkpoints this project writes.
const (
	MetaNumHeads = "num_heads"  // ml-aim's key: the attention head count
	MetaConfig   = "aim_config" // the Config as JSON (image size included)
)

// IgnoredPrefixes are tensor-name prefixes a checkpoint may hold besides the
// model: optimiser state and ml-aim's downstream probe head.
var IgnoredPrefixes = []string{"optim.", "head."}

// Tensors returns the weights as float32 checkpoint tensors under their
// ml-aim names and shapes, and the metadata that describes the model.
func (m *Model) Tensors() (map[string]checkpoint.Tensor, map[string]string) {
	ts := make(map[string]checkpoint.Tensor, m.Params.Len())
	for _, name := range m.Params.Names() {
		t := m.Params.Get(name)
		data := append([]float32(nil), m.Params.Float32s(name)...)
		ts[name] = checkpoint.Tensor{Shape: append([]int(nil), t.Shape()...), Data: data}
	}
	cfg, _ := json.Marshal(m.Config)
	return ts, map[string]string{MetaNumHeads: strconv.Itoa(m.Config.Heads), MetaConfig: string(cfg)}
}

// FromCheckpoint builds a model from checkpoint tensors. The architecture is
// inferred from the tensor shapes; the head count is the num_heads metadata
// (width/128 when absent); the image size comes from the aim_config metadata
// when present and is 16 patches square otherwise. A missing tensor, a
// tensor of the wrong shape or an unknown tensor name is an error naming it.
func FromCheckpoint(f *checkpoint.File, dtype tensor.Dtype) (*Model, error) {
	cfg, err := inferConfig(f)
	if err != nil {
		return nil, err
	}
	m, err := New(cfg, dtype, 0)
	if err != nil {
		return nil, errors.Wrap(err, "checkpoint")
	}
	for _, name := range f.Names() {
		if ignored(name) {
			continue
		}
		if m.Params.Get(name) == nil {
			return nil, errors.Errorf("checkpoint: unknown tensor %q for a model of width %d, depth %d, head width %d and head depth %d", name, cfg.Width, cfg.Depth, cfg.HeadWidth, cfg.HeadDepth)
		}
	}
	for _, name := range m.Params.Names() {
		p := m.Params.Get(name)
		t, err := f.Lookup(name, p.Shape()...)
		if err != nil {
			return nil, err
		}
		copyInto(p, t.Data)
	}
	return m, nil
}

func ignored(name string) bool {
	for _, p := range IgnoredPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func copyInto(p *tensor.Dense, src []float32) {
	switch d := p.Data().(type) {
	case []float32:
		copy(d, src)
	case []float64:
		for i, v := range src {
			d[i] = float64(v)
		}
	}
}

// inferConfig reads the architecture off the tensor shapes.
func inferConfig(f *checkpoint.File) (Config, error) {
	var cfg Config
	proj, ok := f.Tensors["preprocessor.patchifier.proj.weight"]
	if !ok {
		return cfg, errors.New("checkpoint: no tensor \"preprocessor.patchifier.proj.weight\": not an AIM trunk")
	}
	if len(proj.Shape) != 4 || proj.Shape[2] != proj.Shape[3] {
		return cfg, errors.Errorf("checkpoint: preprocessor.patchifier.proj.weight has shape %v, want (width, channels, patch, patch)", proj.Shape)
	}
	cfg.Width, cfg.Channels, cfg.Patch = proj.Shape[0], proj.Shape[1], proj.Shape[2]
	cfg.Depth = countBlocks(f, "trunk.blocks.%d.norm_1.weight")
	if cfg.Depth == 0 {
		return cfg, errors.New("checkpoint: no trunk blocks (trunk.blocks.0.*)")
	}
	var err error
	if cfg.MLPRatio, err = ratio(f, "trunk.blocks.0.mlp.fc1.weight", cfg.Width); err != nil {
		return cfg, err
	}
	if cfg.Heads, err = headCount(f.Meta, cfg.Width); err != nil {
		return cfg, err
	}
	if err := inferHead(f, &cfg); err != nil {
		return cfg, err
	}
	side := 16 * cfg.Patch
	cfg.ImageHeight, cfg.ImageWidth = side, side
	if js, ok := f.Meta[MetaConfig]; ok {
		var saved Config
		if err := json.Unmarshal([]byte(js), &saved); err != nil {
			return cfg, errors.Wrapf(err, "checkpoint: metadata %s is not a JSON model config", MetaConfig)
		}
		cfg.ImageHeight, cfg.ImageWidth = saved.ImageHeight, saved.ImageWidth
	}
	return cfg, nil
}

func countBlocks(f *checkpoint.File, pattern string) int {
	n := 0
	for {
		if _, ok := f.Tensors[fmt.Sprintf(pattern, n)]; !ok {
			return n
		}
		n++
	}
}

// ratio reads an MLP's hidden width from fc1 (hidden, width).
func ratio(f *checkpoint.File, name string, width int) (int, error) {
	t, ok := f.Tensors[name]
	if !ok {
		return 0, errors.Errorf("checkpoint: no tensor %q", name)
	}
	if len(t.Shape) != 2 || t.Shape[1] != width || t.Shape[0]%width != 0 {
		return 0, errors.Errorf("checkpoint: %s has shape %v, want (k·%d, %d)", name, t.Shape, width, width)
	}
	return t.Shape[0] / width, nil
}

func headCount(meta map[string]string, width int) (int, error) {
	s, ok := meta[MetaNumHeads]
	if !ok {
		if width%128 != 0 {
			return 0, errors.Errorf("checkpoint: no %q metadata, and width %d is not a multiple of 128 (the paper's head dimension)", MetaNumHeads, width)
		}
		return width / 128, nil
	}
	h, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || h < 1 || width%h != 0 {
		return 0, errors.Errorf("checkpoint: metadata %s = %q is not a positive divisor of the width %d", MetaNumHeads, s, width)
	}
	return h, nil
}

// inferHead reads the prediction head's width and depth; a checkpoint
// without decoder.* tensors is a trunk (HeadWidth 0).
func inferHead(f *checkpoint.File, cfg *Config) error {
	proj, ok := f.Tensors["decoder.proj.weight"]
	if !ok {
		return nil
	}
	if len(proj.Shape) != 2 || proj.Shape[1] != cfg.Width {
		return errors.Errorf("checkpoint: decoder.proj.weight has shape %v, want (head width, %d)", proj.Shape, cfg.Width)
	}
	cfg.HeadWidth = proj.Shape[0]
	cfg.HeadDepth = countBlocks(f, "decoder.blocks.%d.norm.weight")
	if cfg.HeadDepth > 0 {
		r, err := ratio(f, "decoder.blocks.0.mlp.fc1.weight", cfg.HeadWidth)
		if err != nil {
			return err
		}
		if r != cfg.MLPRatio {
			return errors.Errorf("checkpoint: the head's MLP ratio %d differs from the trunk's %d", r, cfg.MLPRatio)
		}
	}
	return nil
}

// LoadOption changes how LoadCheckpoint treats a checkpoint.
type LoadOption func(*loadSettings)

type loadSettings struct {
	allowNonFinite bool
}

// AllowNonFinite makes LoadCheckpoint accept tensors holding NaN or
// infinite values, to inspect a diverged run.
func AllowNonFinite() LoadOption {
	return func(s *loadSettings) { s.allowNonFinite = true }
}

// LoadCheckpoint reads a safetensors checkpoint and builds its model. A
// checkpoint with NaN or infinite values is refused with an error wrapping
// a *checkpoint.NonFiniteError that names the tensors, unless opts include
// AllowNonFinite.
func LoadCheckpoint(path string, dtype tensor.Dtype, opts ...LoadOption) (*Model, *checkpoint.File, error) {
	var s loadSettings
	for _, opt := range opts {
		opt(&s)
	}
	f, err := checkpoint.Read(path)
	if err != nil {
		return nil, nil, err
	}
	if !s.allowNonFinite {
		if err := f.CheckFinite(); err != nil {
			return nil, nil, errors.Wrap(err, path)
		}
	}
	m, err := FromCheckpoint(f, dtype)
	if err != nil {
		return nil, nil, errors.Wrap(err, path)
	}
	return m, f, nil
}
