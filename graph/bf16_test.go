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

// writeBF16 writes tensors as a BF16 safetensors file, rounding each value
// to the nearest bfloat16 (ties to even), as PyTorch's .to(torch.bfloat16).
func writeBF16(t *testing.T, ts map[string]checkpoint.Tensor, meta map[string]string) string {
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
			u := math.Float32bits(v)
			u += 0x7fff + (u>>16)&1
			data = binary.LittleEndian.AppendUint16(data, uint16(u>>16))
		}
		header[name] = map[string]any{"dtype": "BF16", "shape": ts[name].Shape, "data_offsets": []int{begin, len(data)}}
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
	path := filepath.Join(t.TempDir(), "bf16.safetensors")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestKeepBF16MatchesConverted loads one BF16 checkpoint twice, converted
// to float32 and with its linear weights kept as bfloat16: the features
// must be equal bit for bit, the weights read back the same, and the kept
// model must refuse a graph with gradients.
func TestKeepBF16MatchesConverted(t *testing.T) {
	m, err := New(testConfig, tensor.Float32, 11)
	if err != nil {
		t.Fatal(err)
	}
	ts, meta := m.Tensors()
	path := writeBF16(t, ts, meta)
	converted, _, err := LoadCheckpoint(path, tensor.Float32)
	if err != nil {
		t.Fatal(err)
	}
	defer converted.Close()
	kept, _, err := LoadCheckpoint(path, tensor.Float32, KeepBF16())
	if err != nil {
		t.Fatal(err)
	}
	defer kept.Close()

	held := 0
	for _, name := range kept.Params.Names() {
		// Linear layers' weights: the matrices, but for the patch
		// projection (a convolution's weights).
		isLinear := len(kept.Params.Get(name).Shape()) == 2 && !strings.Contains(name, "patchifier")
		if got := kept.Params.BF16(name) != nil; got != isLinear {
			t.Errorf("%s held as bfloat16: %t", name, got)
		}
		if kept.Params.BF16(name) != nil {
			held++
		}
		if converted.Params.BF16(name) != nil {
			t.Errorf("%s held as bfloat16 without KeepBF16", name)
		}
		if !slices.Equal(kept.Params.Float32s(name), converted.Params.Float32s(name)) {
			t.Errorf("%s reads back differently when kept as bfloat16", name)
		}
	}
	if held == 0 {
		t.Fatal("no weight was kept as bfloat16")
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
		t.Errorf("features differ with the weights kept as bfloat16")
	}
	if _, err := kept.NewTrainGraph(2, Objective{}); err == nil || !strings.Contains(err.Error(), "serves inference only") {
		t.Errorf("a training graph on bfloat16 weights: error %v", err)
	}
	if _, err := kept.NewLossGraph(2, Objective{}); err != nil {
		t.Errorf("a loss graph (no gradients) on bfloat16 weights: %v", err)
	}
}

// A NaN in a weight kept as bfloat16 is found and named, as in a converted one.
func TestKeepBF16RefusesNonFiniteWeights(t *testing.T) {
	m, err := New(testConfig, tensor.Float32, 12)
	if err != nil {
		t.Fatal(err)
	}
	ts, meta := m.Tensors()
	const bad = "trunk.blocks.1.mlp.fc2.weight"
	ts[bad].Data[3] = float32(math.Inf(-1))
	path := writeBF16(t, ts, meta)
	_, _, err = LoadCheckpoint(path, tensor.Float32, KeepBF16())
	if err == nil || !strings.Contains(err.Error(), bad+" holds 0 NaN and 1 infinite values") {
		t.Errorf("loading with an infinite bfloat16 weight: %v", err)
	}
}
