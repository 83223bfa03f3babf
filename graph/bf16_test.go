package graph

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"gorgonia.org/tensor"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/internal/testing/halffile"
	"github.com/aim-go/aim/layers"
)

// TestBF16ReleasesMappedWeights: an inference model in bf16 from a mapped
// F32 or BF16 file packs each linear weight as it loads, once for all its
// graphs, and releases that weight's pages of the file; the features stay
// the same from graph to graph, and the same model in f32 still reads the
// released weights correctly (they come back from the file), matching a
// fresh load.
func TestBF16ReleasesMappedWeights(t *testing.T) {
	if err := blas.CheckPrecision(blas.PrecisionBF16); err != nil {
		t.Skipf("no bf16 products here: %v", err)
	}
	v1 := Config{ImageHeight: 32, ImageWidth: 32, Channels: 3, Patch: 8, Width: 256, Depth: 2, Heads: 2, MLPRatio: 4}
	v2 := Config{ImageHeight: 32, ImageWidth: 32, Channels: 3, Patch: 8, Width: 256, Depth: 2, Heads: 2,
		Norm: layers.NormRMS, MLP: layers.MLPSwiGLU, MLPHidden: 640, PosEmbed: PosLearned}
	for _, c := range []struct {
		name string
		cfg  Config
	}{{"v1", v1}, {"AIMv2", v2}} {
		t.Run(c.name, func(t *testing.T) { checkReleasedFiles(t, c.cfg) })
	}
}

// TestBF16ReleasesRenamedAndShardedWeights: so does an AIMv2 under
// transformers' names (whose q, k and v are fused into a copy, packed,
// then given back) or in shards, of F32 or BF16 tensors.
func TestBF16ReleasesRenamedAndShardedWeights(t *testing.T) {
	if err := blas.CheckPrecision(blas.PrecisionBF16); err != nil {
		t.Skipf("no bf16 products here: %v", err)
	}
	cfg := Config{ImageHeight: 32, ImageWidth: 32, Channels: 3, Patch: 8, Width: 256, Depth: 2, Heads: 2,
		Norm: layers.NormRMS, MLP: layers.MLPSwiGLU, MLPHidden: 640, PosEmbed: PosLearned}
	m, err := New(cfg, tensor.Float32, 5)
	if err != nil {
		t.Fatal(err)
	}
	ts, meta := m.Tensors()
	for _, c := range []struct {
		name             string
		hubNames, shards bool
	}{{"transformers' names", true, false}, {"shards", false, true}, {"transformers' names in shards", true, true}} {
		for _, dtype := range []string{"F32", "BF16"} {
			t.Run(c.name+"/"+dtype, func(t *testing.T) {
				tensors := ts
				if c.hubNames {
					tensors = hubTensors(ts)
				}
				fused := 0 // q, k and v fused into copies, given back once packed
				if c.hubNames {
					fused = cfg.Depth
				}
				checkReleased(t, writeTensors(t, dtype, tensors, meta, c.shards), cfg, fused)
			})
		}
	}
}

// writeTensors writes tensors as dtype (F32, BF16 or F16) to a file, or
// to two shards and their index (whose path is returned).
func writeTensors(t *testing.T, dtype string, ts map[string]checkpoint.Tensor, meta map[string]string, sharded bool) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, part map[string]checkpoint.Tensor) string {
		path := filepath.Join(dir, name)
		f := &checkpoint.File{Tensors: part, Meta: meta}
		err := checkpoint.Write(path, f)
		if dtype != "F32" {
			err = halffile.Write(path, dtype, f)
		}
		if err != nil {
			t.Fatal(err)
		}
		return path
	}
	if !sharded {
		return write("model.safetensors", ts)
	}
	names := slices.Sorted(maps.Keys(ts))
	weightMap := map[string]string{}
	for i, part := range [][]string{names[:len(names)/2], names[len(names)/2:]} {
		file := fmt.Sprintf("model-%05d-of-00002.safetensors", i+1)
		tensors := map[string]checkpoint.Tensor{}
		for _, n := range part {
			tensors[n], weightMap[n] = ts[n], file
		}
		write(file, tensors)
	}
	return writeIndex(t, dir, weightMap)
}

func checkReleasedFiles(t *testing.T, cfg Config) {
	m, err := New(cfg, tensor.Float32, 5)
	if err != nil {
		t.Fatal(err)
	}
	ts, meta := m.Tensors()
	for _, dtype := range []string{"F32", "BF16"} {
		t.Run(dtype, func(t *testing.T) {
			checkReleased(t, writeTensors(t, dtype, ts, meta, false), cfg, 0)
		})
	}
}

func checkReleased(t *testing.T, path string, cfg Config, evicted int) {
	bf, _, err := LoadCheckpoint(path, tensor.Float32, KeepHalf(), InPrecision(blas.PrecisionBF16))
	if err != nil {
		t.Fatal(err)
	}
	defer bf.Close()
	if got := bf.evicted.count(); got != evicted {
		t.Errorf("%d weight copies given back once packed, want %d", got, evicted)
	}
	repacked := map[string]int{}
	names := bf.Params.LinearWeights()
	for _, name := range names {
		pw := bf.Params.Packed(name)
		if !pw.Ready() || pw.OnPacked == nil {
			t.Fatalf("%s: not packed at load (ready %t), or no releaser", name, pw.Ready())
		}
		release := pw.OnPacked
		pw.OnPacked = func() { repacked[name]++; release() }
	}
	images := randomImages(rand.New(rand.NewPCG(1, 1)), 3, cfg)
	first := features(t, bf, images, 3)
	again := features(t, bf, images[:2*len(images)/3], 2) // another graph, same packed weights
	for _, name := range names {
		if repacked[name] != 0 {
			t.Errorf("%s packed again %d times: the copy made at load serves every graph", name, repacked[name])
		}
	}
	if !slices.Equal(first[:len(again)], again) {
		t.Error("bf16 features changed after the weights were released")
	}
	if got := bf.evicted.count(); got != evicted {
		t.Errorf("%d weight copies given back after bf16 graphs, want %d", got, evicted)
	}
	if err := bf.Params.SetPrecision(blas.PrecisionF32); err != nil {
		t.Fatal(err)
	}
	fresh, _, err := LoadCheckpoint(path, tensor.Float32, KeepHalf())
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	got, want := features(t, bf, images, 3), features(t, fresh, images, 3)
	if !slices.Equal(got, want) {
		t.Error("f32 features from the released weights differ from a fresh load's")
	}
	worst, scale := 0.0, 0.0
	for i, w := range want {
		worst = max(worst, math.Abs(float64(first[i]-w)))
		scale = max(scale, math.Abs(float64(w)))
	}
	if worst == 0 || worst > 3e-2*scale {
		t.Errorf("bf16 features: max|Δ| = %.3g·max|f32|, want in (0, 3e-2]", worst/scale)
	}
	checkTensorsOfReleased(t, path, fresh)
}

// checkTensorsOfReleased: Tensors of a bf16 model whose weights were
// released gives the file's weights, those given back made anew.
func checkTensorsOfReleased(t *testing.T, path string, fresh *Model) {
	bf, _, err := LoadCheckpoint(path, tensor.Float32, KeepHalf(), InPrecision(blas.PrecisionBF16))
	if err != nil {
		t.Fatal(err)
	}
	defer bf.Close()
	got, _ := bf.Tensors()
	want, _ := fresh.Tensors()
	for name, w := range want {
		if !slices.Equal(got[name].Data, w.Data) {
			t.Errorf("Tensors: %s differs from a fresh load's", name)
		}
	}
	if n := bf.evicted.count(); n != 0 {
		t.Errorf("%d copies still given back after Tensors", n)
	}
}
