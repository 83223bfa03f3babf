package probe

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/checkpoint/schema"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/ops/probeops"
)

// Tensor names of a head: ml-aim's AttentionPoolingClassifier (under
// "head.", as in AIMForImageClassification's state dict).
const (
	nameQuery       = "head.cls_token"
	nameK           = "head.k.weight"
	nameV           = "head.v.weight"
	nameLinear      = "head.linear.weight"
	nameLinearBias  = "head.linear.bias"
	runningMean     = "head.bn.running_mean"
	runningVar      = "head.bn.running_var"
	batchesTracked  = "head.bn.num_batches_tracked"
	headTensorsPref = schema.HeadPrefix
)

// Save writes the head to a safetensors file in the layout of ml-aim's
// classifier heads — head.cls_token (1, 1, D), head.k.weight (D, D),
// head.v.weight (D, D), head.linear.weight (classes, D) (and
// head.linear.bias with LinearBias), head.bn.running_mean and
// head.bn.running_var (D) and head.bn.num_batches_tracked (an int64
// scalar) — so that PyTorch loads it into ml-aim's classifier, strictly.
// The head count, the probe kind, the feature blocks (probe_layers) and
// the class count are recorded as metadata.
func (h *Head) Save(path string, layers []int) error {
	ts := map[string]checkpoint.Tensor{}
	for _, name := range h.Params.Names() {
		t := h.Params.Get(name)
		ts[name] = checkpoint.Tensor{Shape: append([]int(nil), t.Shape()...), Data: append([]float32(nil), h.Params.Float32s(name)...)}
	}
	ts[runningMean] = checkpoint.Tensor{Shape: []int{h.Dim}, Data: toFloat32(h.BN.Mean)}
	ts[runningVar] = checkpoint.Tensor{Shape: []int{h.Dim}, Data: toFloat32(h.BN.Var)}
	counter := map[string]checkpoint.Int64Tensor{batchesTracked: {Shape: []int{}, Data: []int64{int64(h.BN.Updates)}}}
	l, _ := json.Marshal(layers)
	meta := map[string]string{
		schema.NumHeads: strconv.Itoa(h.Heads), schema.Probe: string(h.Kind),
		schema.ProbeLayers: string(l), schema.Classes: strconv.Itoa(h.Classes),
	}
	f := &checkpoint.File{Tensors: ts, Int64s: counter, Meta: meta}
	return errors.Wrap(checkpoint.Write(path, f), "saving the probe") // the error names path
}

// LoadHead reads a probe head from a safetensors file: one written by Save,
// one of Apple's released classifier heads (no metadata: an attentive probe
// with width/128 heads), or a whole classifier checkpoint (trunk and head).
// layers are the feature blocks the file records (probe_layers), nil when
// it records none.
func LoadHead(path string) (h *Head, layers []int, err error) {
	f, err := checkpoint.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	h, layers, err = HeadFrom(f, 0)
	return h, layers, errors.Wrap(err, path)
}

// HasHead reports whether a checkpoint holds a probe head (head.*
// tensors).
func HasHead(src checkpoint.Source) bool {
	_, ok := src.Shape(nameLinear)
	return ok
}

// HeadFrom reads the probe head of a checkpoint (see LoadHead). heads is the
// attention head count to use when the file records none (the trunk's); 0
// means width/128, ml-aim's head dimension.
func HeadFrom(src checkpoint.Source, heads int) (*Head, []int, error) {
	spec, err := headSpec(src, heads)
	if err != nil {
		return nil, nil, err
	}
	layers, err := recordedLayers(src.Metadata())
	if err != nil {
		return nil, nil, err
	}
	h, err := NewHead(spec, 0)
	if err != nil {
		return nil, nil, err
	}
	for _, name := range h.Params.Names() {
		want := h.Params.Get(name).Shape()
		if have, ok := src.Shape(name); !ok || !want.Eq(have) {
			return nil, nil, errors.Errorf("tensor %s: want shape %v for a %s probe of width %d and %d classes, got %v", name, []int(want), spec.Kind, spec.Dim, spec.Classes, have)
		}
		if err := src.Float32(name, h.Params.Float32s(name)); err != nil {
			return nil, nil, err
		}
	}
	if err := readStats(src, h.BN); err != nil {
		return nil, nil, err
	}
	return h, layers, checkHeadTensors(src, h)
}

// headSpec reads the head's shape off its tensors and metadata.
func headSpec(src checkpoint.Source, heads int) (HeadSpec, error) {
	w, ok := src.Shape(nameLinear)
	if !ok || len(w) != 2 {
		return HeadSpec{}, errors.Errorf("no probe head: no tensor %s (classes, width)", nameLinear)
	}
	spec := HeadSpec{Kind: Attentive, Classes: w[0], Dim: w[1]}
	if _, ok := src.Shape(nameK); !ok {
		spec.Kind = Linear
	}
	meta := src.Metadata()
	if k, ok := meta[schema.Probe]; ok {
		kind, err := ParseKind(k)
		if err != nil {
			return spec, errors.Wrapf(err, "metadata %s", schema.Probe)
		}
		spec.Kind = kind
	}
	if b, ok := src.Shape(nameLinearBias); ok {
		if len(b) != 1 || b[0] != spec.Classes {
			return spec, errors.Errorf("tensor %s has shape %v, want (%d)", nameLinearBias, b, spec.Classes)
		}
		spec.LinearBias = true
	}
	var err error
	spec.Heads, err = schema.HeadCount(meta, spec.Dim, heads)
	return spec, err
}

// recordedLayers reads the feature blocks a file records, nil for none.
func recordedLayers(meta map[string]string) ([]int, error) {
	return schema.ProbeLayersOf(meta, checkBlockList)
}

// checkBlockList refuses a negative or repeated block index: a file
// records 0-based blocks, each once (whether they exist is for the trunk
// to say), or graph.PostTrunkNorm alone (AIMv2's features).
func checkBlockList(layers []int) error {
	if len(layers) == 1 && layers[0] == graph.PostTrunkNorm {
		return nil
	}
	seen := map[int]bool{}
	for _, l := range layers {
		switch {
		case l < 0:
			return errors.Errorf("block %d is negative: expected 0-based block indices", l)
		case seen[l]:
			return errors.Errorf("block %d is listed twice", l)
		}
		seen[l] = true
	}
	return nil
}

// checkHeadTensors reports a head.* tensor the head does not use.
func checkHeadTensors(src checkpoint.Source, h *Head) error {
	for _, name := range src.Names() {
		if !strings.HasPrefix(name, headTensorsPref) || name == runningMean || name == runningVar {
			continue
		}
		if h.Params.Get(name) == nil {
			return errors.Errorf("tensor %s is not part of a %s probe head", name, h.Kind)
		}
	}
	return nil
}

// readStats reads the BatchNorm's running statistics, refusing values no
// BatchNorm can hold: a NaN or infinite mean, a negative, NaN or infinite
// variance (they would turn every logit into NaN).
func readStats(src checkpoint.Source, s *probeops.BatchNormState) error {
	for _, stat := range []struct {
		name     string
		dst      []float64
		variance bool
	}{{runningMean, s.Mean, false}, {runningVar, s.Var, true}} {
		shape, ok := src.Shape(stat.name)
		if !ok || len(shape) != 1 || shape[0] != len(stat.dst) {
			return errors.Errorf("tensor %s: want shape (%d), got %v", stat.name, len(stat.dst), shape)
		}
		vals := make([]float32, len(stat.dst))
		if err := src.Float32(stat.name, vals); err != nil {
			return err
		}
		for i, v := range vals {
			if err := checkStat(float64(v), stat.variance); err != nil {
				return errors.Wrapf(err, "tensor %s[%d]", stat.name, i)
			}
			stat.dst[i] = float64(v)
		}
	}
	return nil
}

// checkStat refuses a running mean or variance no BatchNorm can have.
func checkStat(v float64, variance bool) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return errors.Errorf("%v: expected a finite running statistic", v)
	case variance && v < 0:
		return errors.Errorf("%v: a variance cannot be negative", v)
	}
	return nil
}

func toFloat32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}
