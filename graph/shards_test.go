package graph

import (
	"encoding/json"
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

// writeSharded writes m's tensors as two shards and their index, and
// returns the index and the weight map.
func writeSharded(t *testing.T, m *Model) (string, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	ts, meta := m.Tensors()
	names := make([]string, 0, len(ts))
	for n := range ts {
		names = append(names, n)
	}
	sort.Strings(names)
	weightMap := map[string]string{}
	for i, part := range [][]string{names[:len(names)/2], names[len(names)/2:]} {
		file := []string{"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}[i]
		f := &checkpoint.File{Tensors: map[string]checkpoint.Tensor{}, Meta: meta}
		for _, n := range part {
			f.Tensors[n] = ts[n]
			weightMap[n] = file
		}
		if err := checkpoint.Write(filepath.Join(dir, file), f); err != nil {
			t.Fatal(err)
		}
	}
	return writeIndex(t, dir, weightMap), weightMap
}

func writeIndex(t *testing.T, dir string, weightMap map[string]string) string {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"weight_map": weightMap})
	index := filepath.Join(dir, "model.safetensors.index.json")
	if err := os.WriteFile(index, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return index
}

func TestShardedCheckpoint(t *testing.T) {
	m, err := New(v2TestConfig, tensor.Float32, 6)
	if err != nil {
		t.Fatal(err)
	}
	index, weightMap := writeSharded(t, m)
	images := randomImages(rand.New(rand.NewPCG(6, 6)), 2, v2TestConfig)
	want := featuresOfLayers(t, m, images, 2, nil)
	for _, path := range []string{index, filepath.Join(filepath.Dir(index), "model-00002-of-00002.safetensors")} {
		loaded, _, err := LoadCheckpoint(path, tensor.Float32, KeepHalf())
		if err != nil {
			t.Fatal(err)
		}
		if got := featuresOfLayers(t, loaded, images, 2, nil); !slices.Equal(got, want) {
			t.Errorf("%s: features differ from the model's", path)
		}
		loaded.Close()
	}
	dir := filepath.Dir(index)
	bad := map[string]func(map[string]string){
		"does not hold it": func(w map[string]string) {
			w["trunk.post_trunk_norm.weight"] = map[string]string{"model-00001-of-00002.safetensors": "model-00002-of-00002.safetensors",
				"model-00002-of-00002.safetensors": "model-00001-of-00002.safetensors"}[w["trunk.post_trunk_norm.weight"]]
		},
		"missing.safetensors": func(w map[string]string) { w["trunk.post_trunk_norm.weight"] = "missing.safetensors" },
		"beside the index":    func(w map[string]string) { w["trunk.post_trunk_norm.weight"] = "../x.safetensors" },
	}
	for want, change := range bad {
		w := map[string]string{}
		for k, v := range weightMap {
			w[k] = v
		}
		change(w)
		idx := writeIndex(t, dir, w)
		if _, _, err := LoadCheckpoint(idx, tensor.Float32); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), idx) {
			t.Errorf("error %v, want one naming %s and %q", err, idx, want)
		}
	}
}

// hubTensors renames a model's tensors as transformers writes AIMv2: q, k
// and v split, the position table (K, D).
func hubTensors(ts map[string]checkpoint.Tensor) map[string]checkpoint.Tensor {
	out := map[string]checkpoint.Tensor{}
	for name, t := range ts {
		switch {
		case strings.HasSuffix(name, ".attn.qkv.weight"):
			block := strings.Split(name, ".")[2]
			n := len(t.Data) / 3
			for i, p := range []string{"q", "k", "v"} {
				out["encoder.layers."+block+".attention."+p+"_proj.weight"] = checkpoint.Tensor{Shape: []int{t.Shape[0] / 3, t.Shape[1]}, Data: t.Data[i*n : (i+1)*n]}
			}
		case name == "preprocessor.pos_embed":
			out[hubPosEmbed] = checkpoint.Tensor{Shape: t.Shape[1:], Data: t.Data}
		default:
			out[hubName(name)] = t
		}
	}
	return out
}

// A BF16 file under transformers' names keeps every linear weight as
// BF16, the fused qkv included, and gives the converted model's features
// bit for bit.
func TestHubNamesKeepHalf(t *testing.T) {
	m, err := New(v2TestConfig, tensor.Float32, 12)
	if err != nil {
		t.Fatal(err)
	}
	ts, meta := m.Tensors()
	path := writeHalf(t, "BF16", hubTensors(ts), meta)
	converted, kept := loadConvertedAndKept(t, path)
	for _, name := range kept.Params.LinearWeights() {
		if _, bits := kept.Params.Half(name); bits == nil {
			t.Errorf("%s is not kept as BF16", name)
		}
		if !slices.Equal(kept.Params.Float32s(name), converted.Params.Float32s(name)) {
			t.Errorf("%s reads back differently when kept as BF16", name)
		}
	}
	images := randomImages(rand.New(rand.NewPCG(7, 7)), 2, v2TestConfig)
	if got, want := featuresOfLayers(t, kept, images, 2, nil), featuresOfLayers(t, converted, images, 2, nil); !slices.Equal(got, want) {
		t.Error("features differ with the weights kept as BF16")
	}
}
