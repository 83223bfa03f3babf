package graph

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/aim-go/aim/checkpoint"
)

// writeHalf writes tensors as a safetensors file of dtype "BF16" or "F16",
// rounding each value to the nearest 16-bit one (ties to even; binary16
// subnormals flushed to zero, which these weights never are).
func writeHalf(t *testing.T, dtype string, ts map[string]checkpoint.Tensor, meta map[string]string) string {
	t.Helper()
	names := make([]string, 0, len(ts))
	for name := range ts {
		names = append(names, name)
	}
	sort.Strings(names)
	header := map[string]any{"__metadata__": meta}
	var data []byte
	for _, name := range names {
		begin := len(data)
		for _, v := range ts[name].Data {
			data = binary.LittleEndian.AppendUint16(data, round16(dtype, v))
		}
		header[name] = map[string]any{"dtype": dtype, "shape": ts[name].Shape, "data_offsets": []int{begin, len(data)}}
	}
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	raw := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	raw = append(append(raw, h...), data...)
	path := filepath.Join(t.TempDir(), dtype+".safetensors")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// round16 rounds v to the nearest BF16 or F16 value (ties to even).
func round16(dtype string, v float32) uint16 {
	if dtype == "BF16" {
		u := math.Float32bits(v)
		u += 0x7fff + (u>>16)&1
		return uint16(u >> 16)
	}
	u := math.Float32bits(v)
	sign, e := uint16(u>>16)&0x8000, int(u>>23&0xff)-127+15
	switch {
	case v != v:
		return sign | 0x7e00 // NaN
	case e >= 31:
		return sign | 0x7c00 // overflow (and Inf): infinity
	case e <= 0:
		return sign // flushed to zero
	}
	m := u & 0x7fffff
	h := uint32(e)<<10 | m>>13
	if rest := m & 0x1fff; rest > 0x1000 || rest == 0x1000 && h&1 == 1 {
		h++ // may carry into the exponent, which is still right
	}
	return sign | uint16(h)
}

// TestKeepHalfMatchesConverted loads one BF16 and one F16 checkpoint
// twice, converted to float32 and with their linear weights kept as 16-bit
// values: the features must be equal bit for bit, the weights read back
// the same, and the kept model must refuse a graph with gradients.
func TestKeepHalfMatchesConverted(t *testing.T) {
	for _, dtype := range []string{"BF16", "F16"} {
		t.Run(dtype, func(t *testing.T) { checkKeepHalf(t, dtype) })
	}
}

func checkKeepHalf(t *testing.T, dtype string) {
	m, err := New(testConfig, tensor.Float32, 11)
	if err != nil {
		t.Fatal(err)
	}
	ts, meta := m.Tensors()
	path := writeHalf(t, dtype, ts, meta)
	converted, _, err := LoadCheckpoint(path, tensor.Float32)
	if err != nil {
		t.Fatal(err)
	}
	defer converted.Close()
	kept, _, err := LoadCheckpoint(path, tensor.Float32, KeepHalf())
	if err != nil {
		t.Fatal(err)
	}
	defer kept.Close()

	held := 0
	for _, name := range kept.Params.Names() {
		// Linear layers' weights: the matrices, but for the patch
		// projection (a convolution's weights).
		isLinear := len(kept.Params.Get(name).Shape()) == 2 && !strings.Contains(name, "patchifier")
		h, bits := kept.Params.Half(name)
		if got := bits != nil; got != isLinear || got && h.String() != dtype {
			t.Errorf("%s held as 16-bit values: %t (%v)", name, got, h)
		}
		if bits != nil {
			held++
		}
		if _, bits := converted.Params.Half(name); bits != nil {
			t.Errorf("%s held as 16-bit values without KeepHalf", name)
		}
		if !slices.Equal(kept.Params.Float32s(name), converted.Params.Float32s(name)) {
			t.Errorf("%s reads back differently when kept as 16-bit values", name)
		}
	}
	if held == 0 {
		t.Fatal("no weight was kept as 16-bit values")
	}

	images := randomImages(rand.New(rand.NewPCG(2, 3)), 3, testConfig)
	features := func(model *Model) []float32 {
		fg, err := model.NewFeatureGraph(3, DefaultFeatureLayers(testConfig.Depth))
		if err != nil {
			t.Fatal(err)
		}
		defer fg.Close()
		out, err := fg.Features(images, nil)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got, want := features(kept), features(converted); !slices.Equal(got, want) {
		t.Errorf("features differ with the weights kept as %s", dtype)
	}
	if _, err := kept.NewTrainGraph(2, Objective{}); err == nil || !strings.Contains(err.Error(), "serves inference only") {
		t.Errorf("a training graph on %s weights: error %v", dtype, err)
	}
	if _, err := kept.NewLossGraph(2, Objective{}); err != nil {
		t.Errorf("a loss graph (no gradients) on %s weights: %v", dtype, err)
	}
}

// A NaN or infinity in a weight kept as 16-bit values is found and named,
// as in a converted one.
func TestKeepHalfRefusesNonFiniteWeights(t *testing.T) {
	m, err := New(testConfig, tensor.Float32, 12)
	if err != nil {
		t.Fatal(err)
	}
	ts, meta := m.Tensors()
	const bad = "trunk.blocks.1.mlp.fc2.weight"
	ts[bad].Data[3] = float32(math.Inf(-1))
	ts[bad].Data[4] = float32(math.NaN())
	for _, dtype := range []string{"BF16", "F16"} {
		path := writeHalf(t, dtype, ts, meta)
		_, _, err = LoadCheckpoint(path, tensor.Float32, KeepHalf())
		if err == nil || !strings.Contains(err.Error(), bad+" holds 1 NaN and 1 infinite values") {
			t.Errorf("loading %s with a NaN and an infinite weight: %v", dtype, err)
		}
	}
}
