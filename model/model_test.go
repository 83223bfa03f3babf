package model

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/internal/testing/testmodel"
)

var photoDir = filepath.Join("..", "data", "photo", "testdata", "photos")

func loadTestModel(t *testing.T, o Options) *Model {
	t.Helper()
	path, err := testmodel.WriteClassifier(t.TempDir(), "m.safetensors", testmodel.RGB224, 1000, 3)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load(path, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func TestClassifyEmbedAndFeaturesAgree(t *testing.T) {
	m := loadTestModel(t, Options{Batch: 2})
	info := m.Info()
	if info.Classes != 1000 || info.Width != 128 || len(info.HeadLayers) != 2 || len(m.Labels()) != 1000 {
		t.Fatalf("info %+v, %d labels", info, len(m.Labels()))
	}
	x, names, err := LoadImages(filepath.Join(photoDir, "chelsea_landscape.png"), filepath.Join(photoDir, "coffee_portrait.jpg"), filepath.Join(photoDir, "rocket_wide.png"))
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 3 || x.Shape[0] != 3 || x.Shape[1] != 3 || x.Shape[2] != 224 {
		t.Fatalf("images %v from %v", x.Shape, names)
	}
	ctx := context.Background()
	logits, err := m.Logits(ctx, x)
	if err != nil {
		t.Fatal(err)
	}
	preds, err := m.Classify(ctx, x, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range preds {
		row, best := logits.Row(i), 0
		for c, v := range row {
			if v > row[best] {
				best = c
			}
		}
		if len(p) != 3 || p[0].Class != best || p[0].Label != m.Labels()[best] || p[0].Probability < p[1].Probability {
			t.Errorf("image %d: predictions %+v, argmax of the logits %d", i, p, best)
		}
	}
	feats, err := m.Features(ctx, x, nil)
	if err != nil {
		t.Fatal(err)
	}
	emb, err := m.Embed(ctx, x, nil)
	if err != nil {
		t.Fatal(err)
	}
	if feats.Shape[1] != 64 || feats.Shape[2] != 128 || emb.Shape[0] != 3 || emb.Shape[1] != 128 {
		t.Fatalf("features %v, embeddings %v", feats.Shape, emb.Shape)
	}
	var mean float64
	for tok := range 64 {
		mean += float64(feats.Row(1)[tok*128+5])
	}
	if got := float64(emb.Row(1)[5]); got-mean/64 > 1e-5 || mean/64-got > 1e-5 {
		t.Errorf("embedding %v, mean of the tokens %v", got, mean/64)
	}
	if c := Cosine(emb.Row(0), emb.Row(0)); c < 0.999999 {
		t.Errorf("cosine of a vector with itself %v", c)
	}
}

func TestErrors(t *testing.T) {
	m := loadTestModel(t, Options{})
	ctx := context.Background()
	if _, err := m.Features(ctx, &Tensor{Shape: []int{3, 224, 224}, Data: make([]float32, 3*224*224)}, nil); err == nil || !strings.Contains(err.Error(), "(N, C, H, W)") {
		t.Errorf("one image without the batch axis: %v", err)
	}
	if _, err := m.Features(ctx, &Tensor{Shape: []int{1, 1, 224, 224}, Data: make([]float32, 224*224)}, nil); err == nil || !strings.Contains(err.Error(), "channels") {
		t.Errorf("a grey image for an RGB model: %v", err)
	}
	if _, err := m.Features(ctx, &Tensor{Shape: []int{1, 3, 224, 224}, Data: make([]float32, 5)}, nil); err == nil {
		t.Error("a tensor shorter than its shape was accepted")
	}
	if _, err := Stack(&Tensor{Shape: []int{2}, Data: []float32{1, 2}}, &Tensor{Shape: []int{3}, Data: []float32{1, 2, 3}}); err == nil {
		t.Error("tensors of two shapes were stacked")
	}
	if _, err := Load(filepath.Join(t.TempDir(), "none.safetensors"), Options{}); err == nil || !strings.Contains(err.Error(), "none.safetensors") {
		t.Errorf("a missing checkpoint: %v", err)
	}
	path, _ := testmodel.WriteClassifier(t.TempDir(), "m.safetensors", testmodel.RGB224, 1000, 3)
	if _, err := Load(path, Options{Labels: []string{"a", "b"}}); err == nil || !strings.Contains(err.Error(), "2 labels for a head of 1000 classes") {
		t.Errorf("labels of the wrong count: %v", err)
	}
}

// TestPrecisionBF16: a model loaded with Precision bf16 gives logits within
// bf16's reach of the f32 model's (3e-2 of their largest magnitude), not
// equal to them, and the same top class.
func TestPrecisionBF16(t *testing.T) {
	if err := blas.CheckPrecision(blas.PrecisionBF16); err != nil {
		t.Skipf("no bf16 products here: %v", err)
	}
	x, _, err := LoadImages(filepath.Join(photoDir, "chelsea_landscape.png"), filepath.Join(photoDir, "coffee_portrait.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	logits := map[blas.Precision]*Tensor{}
	for _, p := range []blas.Precision{blas.PrecisionF32, blas.PrecisionBF16} {
		m := loadTestModel(t, Options{Precision: p})
		if logits[p], err = m.Logits(context.Background(), x); err != nil {
			t.Fatal(err)
		}
	}
	f32, b16 := logits[blas.PrecisionF32], logits[blas.PrecisionBF16]
	worst, scale := 0.0, 0.0
	for i := range f32.Shape[0] {
		a, b := f32.Row(i), b16.Row(i)
		for c := range a {
			worst = max(worst, math.Abs(float64(a[c]-b[c])))
			scale = max(scale, math.Abs(float64(a[c])))
		}
		if argmax(a) != argmax(b) {
			t.Errorf("image %d: top class %d in f32, %d in bf16", i, argmax(a), argmax(b))
		}
	}
	if worst == 0 || worst > 3e-2*scale {
		t.Errorf("bf16 logits: max|Δ| = %.3g·max|f32|, want in (0, 3e-2]", worst/scale)
	}
}

func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
