package graph

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

// extract runs an extractor over images and returns the features and the
// sizes of the batches it handed over, checking that they come in order.
func extract(t *testing.T, e *Extractor, images []float32, n int) ([]float32, []int) {
	t.Helper()
	size, perImage := len(images)/n, e.m.Config.Grid().Len()*e.m.Config.Width
	var out []float32
	var batches []int
	err := e.Extract(context.Background(), n, func(i int, dst []float32) { copy(dst, images[i*size:(i+1)*size]) },
		func(first int, f []float32) error {
			if first != len(out)/perImage {
				t.Fatalf("a batch starting at image %d after %d images", first, len(out)/perImage)
			}
			out = append(out, f...)
			batches = append(batches, len(f)/perImage)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return out, batches
}

// The graph is built for min(batch, images): a batch of a million on 4
// images plans buffers for 4, not a million.
func TestExtractorSizesItsGraphToTheData(t *testing.T) {
	m, err := New(testConfig, tensor.Float32, 4)
	if err != nil {
		t.Fatal(err)
	}
	images := randomImages(rand.New(rand.NewPCG(1, 1)), 4, testConfig)
	e, err := m.NewExtractor(1_000_000, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	got, batches := extract(t, e, images, 4)
	if e.full == nil || e.full.Batch() != 4 || e.full.patches.Shape()[0] != 4*testConfig.Grid().Len() {
		t.Fatalf("the graph for 4 images with --batch 1000000 holds %v input rows", e.full.patches.Shape())
	}
	if len(batches) != 1 || batches[0] != 4 {
		t.Errorf("batches %v, want one of 4", batches)
	}
	fg, _ := m.NewFeatureGraph(4, nil)
	want, _ := fg.Features(images, nil)
	if !slices.Equal(got, want) {
		t.Error("the extractor's features differ from the feature graph's")
	}
}

// A smaller last batch gets a graph of its own size, and the features do
// not depend on how the images are batched.
func TestExtractorLastBatchHasItsOwnGraph(t *testing.T) {
	m, err := New(testConfig, tensor.Float32, 4)
	if err != nil {
		t.Fatal(err)
	}
	images := randomImages(rand.New(rand.NewPCG(2, 2)), 10, testConfig)
	e, _ := m.NewExtractor(4, nil)
	defer e.Close()
	got, batches := extract(t, e, images, 10)
	if want := []int{4, 4, 2}; !slices.Equal(batches, want) {
		t.Errorf("batch graphs %v, want %v", batches, want)
	}
	if e.full.Batch() != 4 || e.rest == nil || e.rest.Batch() != 2 {
		t.Errorf("graphs for batches of 4 and of the last 2, not a padded one: %v", e.rest)
	}
	whole, _ := m.NewExtractor(10, nil)
	defer whole.Close()
	want, _ := extract(t, whole, images, 10)
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*(1+math.Abs(float64(want[i]))) {
			t.Fatalf("feature %d: %g in batches of 4, %g in one batch", i, got[i], want[i])
		}
	}
}

func TestExtractorNamesNonFiniteFeatures(t *testing.T) {
	m, err := New(testConfig, tensor.Float32, 4)
	if err != nil {
		t.Fatal(err)
	}
	images := randomImages(rand.New(rand.NewPCG(3, 3)), 3, testConfig)
	size := testConfig.Grid().ImageSize()
	images[2*size+5] = float32(math.NaN())
	e, _ := m.NewExtractor(8, nil)
	defer e.Close()
	err = e.Extract(context.Background(), 3, func(i int, dst []float32) { copy(dst, images[i*size:(i+1)*size]) },
		func(int, []float32) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "image 2 holds NaN") {
		t.Errorf("a NaN pixel in image 2: error %v", err)
	}
	images[2*size+5] = 0
	m.Params.Float32s("trunk.blocks.0.mlp.fc1.weight")[3] = float32(math.Inf(1))
	err = e.Extract(context.Background(), 3, func(i int, dst []float32) { copy(dst, images[i*size:(i+1)*size]) },
		func(int, []float32) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "weights") {
		t.Errorf("an infinite weight: error %v", err)
	}
}
