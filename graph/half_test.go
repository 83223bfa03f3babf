package graph

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/internal/half"
	"github.com/aim-go/aim/internal/testing/halffile"
)

// writeHalf writes tensors as a safetensors file of dtype "BF16" or "F16".
func writeHalf(t *testing.T, dtype string, ts map[string]checkpoint.Tensor, meta map[string]string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), dtype+".safetensors")
	if err := halffile.Write(path, dtype, &checkpoint.File{Tensors: ts, Meta: meta}); err != nil {
		t.Fatal(err)
	}
	return path
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
	converted, kept := loadConvertedAndKept(t, path)

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
	if got, want := featuresOf(t, kept, images, 3), featuresOf(t, converted, images, 3); !slices.Equal(got, want) {
		t.Errorf("features differ with the weights kept as %s", dtype)
	}
	if _, err := kept.NewTrainGraph(2, Objective{}); err == nil || !strings.Contains(err.Error(), "serves inference only") {
		t.Errorf("a training graph on %s weights: error %v", dtype, err)
	}
	loss := func(model *Model) float64 {
		lg, err := model.NewLossGraph(2, Objective{})
		if err != nil {
			t.Fatalf("a loss graph (no gradients) on %s weights: %v", dtype, err)
		}
		defer lg.Close()
		l, _, err := lg.Loss(images[:len(images)*2/3], []int{1, 3})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if got, want := loss(kept), loss(converted); got != want || math.IsNaN(got) {
		t.Errorf("pre-training loss %v with %s weights kept, %v converted", got, dtype, want)
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

// TestHoldHalfMatchesAHalfFile: a model whose weights are rounded and held
// with HoldHalf gives the features of the same model written to a 16-bit
// file and loaded with KeepHalf, bit for bit.
func TestHoldHalfMatchesAHalfFile(t *testing.T) {
	for _, h := range []blas.Half{blas.BF16, blas.F16} {
		m, err := New(testConfig, tensor.Float32, 13)
		if err != nil {
			t.Fatal(err)
		}
		ts, meta := m.Tensors()
		loaded, _, err := LoadCheckpoint(writeHalf(t, h.String(), ts, meta), tensor.Float32, KeepHalf())
		if err != nil {
			t.Fatal(err)
		}
		// The file rounds every tensor; HoldHalf only the linear weights,
		// so round the others here as the file does.
		linear := map[string]bool{}
		for _, name := range m.Params.LinearWeights() {
			linear[name] = true
		}
		for _, name := range m.Params.Names() {
			if !linear[name] {
				vals := m.Params.Float32s(name)
				for i, v := range vals {
					vals[i] = half.F16(half.ToF16(v))
					if h == blas.BF16 {
						vals[i] = half.BF16(half.ToBF16(v))
					}
				}
			}
		}
		if err := m.HoldHalf(h); err != nil {
			t.Fatal(err)
		}
		if got, want := len(m.Params.LinearWeights()), m.Params.HalfCounts()[h]; got == 0 || got != want {
			t.Errorf("%v: %d linear weights, %d held", h, got, want)
		}
		images := randomImages(rand.New(rand.NewPCG(2, 4)), 2, testConfig)
		if !slices.Equal(featuresOf(t, m, images, 2), featuresOf(t, loaded, images, 2)) {
			t.Errorf("%v: features of the held model differ from those of the 16-bit file", h)
		}
		m.Close()
		loaded.Close()
	}
}

// featuresOf returns the default features of n images.
func featuresOf(t *testing.T, m *Model, images []float32, n int) []float32 {
	t.Helper()
	fg, err := m.NewFeatureGraph(n, DefaultFeatureLayers(m.Config.Depth))
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

// loadConvertedAndKept loads a 16-bit file twice: converted to float32,
// and with its linear weights kept in 16 bits (KeepHalf). Both close when
// the test ends.
func loadConvertedAndKept(t *testing.T, path string) (converted, kept *Model) {
	t.Helper()
	converted, _, err := LoadCheckpoint(path, tensor.Float32)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { converted.Close() })
	kept, _, err = LoadCheckpoint(path, tensor.Float32, KeepHalf())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kept.Close() })
	return converted, kept
}
