package probe

import (
	"encoding/json"
	"strconv"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/ops"
)

// Metadata keys of a probe checkpoint, besides graph.MetaNumHeads.
const (
	MetaProbe   = "probe"   // the Kind
	MetaLayers  = "layers"  // the feature blocks, as a JSON list
	MetaClasses = "classes" // the number of classes
)

// BatchNorm buffers under ml-aim's names.
const (
	runningMean = "head.bn.running_mean"
	runningVar  = "head.bn.running_var"
)

// Save writes the head to a safetensors file under ml-aim's names
// (head.cls_token (1, 1, D), head.k.weight, head.v.weight,
// head.linear.weight, head.linear.bias, head.bn.running_mean,
// head.bn.running_var), with the head count, the probe kind, the feature
// layers and the class count as metadata.
func (h *Head) Save(path string, layers []int) error {
	ts := map[string]checkpoint.Tensor{}
	for _, name := range h.Params.Names() {
		t := h.Params.Get(name)
		ts[name] = checkpoint.Tensor{Shape: append([]int(nil), t.Shape()...), Data: append([]float32(nil), h.Params.Float32s(name)...)}
	}
	ts[runningMean] = checkpoint.Tensor{Shape: []int{h.Dim}, Data: toFloat32(h.BN.Mean)}
	ts[runningVar] = checkpoint.Tensor{Shape: []int{h.Dim}, Data: toFloat32(h.BN.Var)}
	l, _ := json.Marshal(layers)
	meta := map[string]string{
		graph.MetaNumHeads: strconv.Itoa(h.Heads), MetaProbe: string(h.Kind),
		MetaLayers: string(l), MetaClasses: strconv.Itoa(h.Classes),
	}
	return errors.Wrap(checkpoint.Write(path, &checkpoint.File{Tensors: ts, Meta: meta}), "saving the probe") // the error names path
}

// LoadHead reads a head written by Save and returns it with its feature
// layers.
func LoadHead(path string) (*Head, []int, error) {
	f, err := checkpoint.Read(path)
	if err != nil {
		return nil, nil, err
	}
	h, layers, err := headFromFile(f)
	return h, layers, errors.Wrap(err, path)
}

func headFromFile(f *checkpoint.File) (*Head, []int, error) {
	kind, err := ParseKind(f.Meta[MetaProbe])
	if err != nil {
		return nil, nil, errors.Wrapf(err, "metadata %s", MetaProbe)
	}
	var layers []int
	if err := json.Unmarshal([]byte(f.Meta[MetaLayers]), &layers); err != nil {
		return nil, nil, errors.Wrapf(err, "metadata %s", MetaLayers)
	}
	heads, err1 := strconv.Atoi(f.Meta[graph.MetaNumHeads])
	classes, err2 := strconv.Atoi(f.Meta[MetaClasses])
	if err1 != nil || err2 != nil {
		return nil, nil, errors.Errorf("metadata %s = %q and %s = %q: expected integers", graph.MetaNumHeads, f.Meta[graph.MetaNumHeads], MetaClasses, f.Meta[MetaClasses])
	}
	w, ok := f.Tensors["head.linear.weight"]
	if !ok || len(w.Shape) != 2 {
		return nil, nil, errors.New("no head.linear.weight (classes, width)")
	}
	h, err := NewHead(kind, w.Shape[1], heads, classes, 0)
	if err != nil {
		return nil, nil, err
	}
	for _, name := range h.Params.Names() {
		p := h.Params.Get(name)
		t, err := f.Lookup(name, p.Shape()...)
		if err != nil {
			return nil, nil, err
		}
		copy(h.Params.Float32s(name), t.Data)
	}
	if err := readStats(f, h.BN); err != nil {
		return nil, nil, err
	}
	return h, layers, nil
}

func readStats(f *checkpoint.File, s *ops.BatchNormState) error {
	for name, dst := range map[string][]float64{runningMean: s.Mean, runningVar: s.Var} {
		t, err := f.Lookup(name, len(dst))
		if err != nil {
			return err
		}
		for i, v := range t.Data {
			dst[i] = float64(v)
		}
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
