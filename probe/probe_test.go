package probe

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/checkpoint/schema"
	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/ops/probeops"
	"github.com/aim-go/aim/train"
)

// tokenTask returns n samples of k tokens of width d, pure noise except
// one token per sample, at a random position, whose feature c is raised by
// mark for a sample of class c.
func tokenTask(n, k, d, classes int, mark float32, seed uint64) (tokens []float32, labels []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	tokens, labels = make([]float32, n*k*d), make([]int, n)
	for i := range labels {
		labels[i] = rng.IntN(classes)
		for j := range k * d {
			tokens[i*k*d+j] = float32(rng.NormFloat64())
		}
		tokens[(i*k+rng.IntN(k))*d+labels[i]] += mark
	}
	return tokens, labels
}

// fitTokens trains a probe on the task and returns its train accuracy.
func fitTokens(t *testing.T, kind Kind, k int, mark float32) float64 {
	t.Helper()
	const n, d, classes, batch = 256, 8, 4, 32
	tokens, labels := tokenTask(n, k, d, classes, mark, 1)
	feats := cached{values: tokens, row: k * d}
	if kind == Linear {
		pooled := make([]float32, n*d)
		graph.MeanTokens(tokens, k, d, pooled)
		feats = cached{values: pooled, row: d}
	}
	o := DefaultOptions(kind)
	o.Epochs, o.MinSteps, o.Batch = 40, 0, batch
	h, err := NewHead(HeadSpec{Kind: kind, Dim: d, Heads: 2, Classes: classes, LinearBias: o.LinearBias}, 3)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	loss, epochs, err := (&trainer{head: h, o: o, tokens: k, p: Silent{}}).train(ctx, feats, labels)
	if err != nil {
		t.Fatal(err)
	}
	if h.BN.Updates != epochs*(n/batch) {
		t.Errorf("BatchNorm saw %d training batches, want %d", h.BN.Updates, epochs*(n/batch))
	}
	acc, err := h.accuracy(ctx, feats, labels, 50, k)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s, %d tokens, mark %g: final loss %.4f after %d epochs, train accuracy %.4f", kind, k, mark, loss, epochs, acc)
	return acc
}

// TestProbeFitsSeparableTask trains on a task that needs attention: the
// mark of one token in 16 is strong, but weak in the mean of the tokens.
// The linear probe must fit a version whose mean carries the class.
func TestProbeFitsSeparableTask(t *testing.T) {
	if acc := fitTokens(t, Attentive, 16, 6); acc < 0.99 {
		t.Errorf("attentive probe: train accuracy %.4f on a separable task, want ≥ 0.99", acc)
	}
	if acc := fitTokens(t, Linear, 16, 6); acc > 0.9 {
		t.Errorf("linear probe: train accuracy %.4f where the token mean barely holds the class; is the task too easy?", acc)
	}
	if acc := fitTokens(t, Linear, 16, 32); acc < 0.99 {
		t.Errorf("linear probe: train accuracy %.4f on a separable task, want ≥ 0.99", acc)
	}
}

func TestCountCorrect(t *testing.T) {
	nan := float32(math.NaN())
	tests := []struct {
		name   string
		logits []float32
		labels []int
		want   int
	}{
		{"all right", []float32{2, 1, 0, 0, 5, 1}, []int{0, 1}, 2},
		{"one wrong", []float32{2, 1, 0, 0, 5, 1}, []int{0, 2}, 1},
		{"tie goes to the first", []float32{3, 3, 1, 1, 4, 4}, []int{0, 2}, 1},
		{"negative logits", []float32{-5, -1, -3, -2, -9, -1}, []int{1, 0}, 1},
		{"NaN is wrong", []float32{nan, 1, 0, 1, nan, 0}, []int{0, 0}, 0},
		{"no rows", nil, nil, 0},
	}
	for _, tc := range tests {
		if got := CountCorrect(tc.logits, tc.labels, 3); got != tc.want {
			t.Errorf("%s: %d correct, want %d", tc.name, got, tc.want)
		}
	}
}

func TestParseKind(t *testing.T) {
	for _, s := range []string{"attentive", "Linear", " linear "} {
		if _, err := ParseKind(s); err != nil {
			t.Errorf("ParseKind(%q): %v", s, err)
		}
	}
	if _, err := ParseKind("mlp"); err == nil || !strings.Contains(err.Error(), "attentive or linear") {
		t.Errorf("ParseKind(\"mlp\"): error %v, want one listing the probes", err)
	}
}

// quadrants returns n 8×8 grey images whose class (0–3) is the quadrant
// that is bright, with noise.
func quadrants(name string, n int, seed uint64) *data.Dataset {
	rng := rand.New(rand.NewPCG(seed, 2))
	d := &data.Dataset{Name: name, N: n, C: 1, H: 8, W: 8, Images: make([]float32, n*64), Labels: make([]int, n), Classes: 4}
	for i := range d.Labels {
		c := rng.IntN(4)
		d.Labels[i] = c
		img := d.Image(i)
		for y := range 8 {
			for x := range 8 {
				v := 0.2 * rng.Float64()
				if y/4 == c/2 && x/4 == c%2 {
					v += 0.7
				}
				img[y*8+x] = float32(v)
			}
		}
	}
	return d
}

func quadrantSource() *data.Source {
	return &data.Source{Train: quadrants("quadrants/train", 96, 1), Test: quadrants("quadrants/test", 40, 2)}
}

// tinyTrunk writes a small untrained trunk for 8×8 grey images to a
// checkpoint, with or without the image size (aim_config) and the
// pre-training normalisation, and loads it.
func tinyTrunk(t *testing.T, fixedSize bool, norm *schema.Normalization) *Trunk {
	t.Helper()
	cfg := graph.Config{ImageHeight: 8, ImageWidth: 8, Channels: 1, Patch: 4, Width: 16, Depth: 2, Heads: 2, MLPRatio: 2}
	m, err := graph.New(cfg, tensor.Float32, 5)
	if err != nil {
		t.Fatal(err)
	}
	ts, meta := m.Tensors()
	if !fixedSize {
		delete(meta, schema.ModelConfig)
	}
	if norm != nil {
		meta[schema.DataMean], meta[schema.DataStd] = jsonList(norm.Mean), jsonList(norm.Std)
	}
	path := filepath.Join(t.TempDir(), "trunk.safetensors")
	if err := checkpoint.Write(path, &checkpoint.File{Tensors: ts, Meta: meta}); err != nil {
		t.Fatal(err)
	}
	tr, err := LoadTrunk(path)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func jsonList(v []float32) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// paramBytes returns the little-endian bytes of every parameter, by name.
func paramBytes(m *graph.Model) map[string][]byte {
	out := map[string][]byte{}
	for _, name := range m.Params.Names() {
		var buf bytes.Buffer
		_ = binary.Write(&buf, binary.LittleEndian, m.Params.Float32s(name))
		out[name] = buf.Bytes()
	}
	return out
}

func quickOptions(kind Kind) Options {
	o := DefaultOptions(kind)
	o.Epochs, o.MinSteps, o.Batch, o.FeatureBatch = 3, 0, 16, 32
	return o
}

func TestRunLeavesTrunkUnchanged(t *testing.T) {
	tr := tinyTrunk(t, true, nil)
	before := paramBytes(tr.Model)
	aug := data.DefaultAugment()
	for _, augment := range []*data.Augment{nil, &aug} {
		for _, kind := range []Kind{Attentive, Linear} {
			o := quickOptions(kind)
			o.Augment = augment
			r, h, err := Run(context.Background(), tr, "quadrants", quadrantSource(), o, Silent{})
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, r, h, o)
		}
	}
	after := paramBytes(tr.Model)
	if len(after) != len(before) {
		t.Fatalf("%d parameters before probing, %d after", len(before), len(after))
	}
	for name, b := range before {
		if !bytes.Equal(b, after[name]) {
			t.Errorf("probing changed trunk parameter %s", name)
		}
	}
}

func checkResult(t *testing.T, r *Result, h *Head, o Options) {
	t.Helper()
	switch {
	case r.Dataset != "quadrants" || r.Probe != o.Kind || r.Augment != (o.Augment != nil):
		t.Errorf("result names dataset %q, probe %q, augment %t", r.Dataset, r.Probe, r.Augment)
	case r.TrainImages != 96 || r.TestImages != 40 || r.Classes != 4 || r.Epochs != 3:
		t.Errorf("result has %d/%d images, %d classes, %d epochs", r.TrainImages, r.TestImages, r.Classes, r.Epochs)
	case r.TrainAccuracy < 0 || r.TrainAccuracy > 1 || r.TestAccuracy < 0 || r.TestAccuracy > 1:
		t.Errorf("accuracies %g and %g outside [0, 1]", r.TrainAccuracy, r.TestAccuracy)
	case len(r.Layers) != 1 || r.Layers[0] != 1:
		t.Errorf("layers %v, want the default [1] of a 2-block trunk", r.Layers)
	case h.Kind != o.Kind || h.Dim != 16 || h.Heads != 2 || h.Classes != 4:
		t.Errorf("head %+v", h)
	}
}

func TestHeadSaveLoad(t *testing.T) {
	for _, spec := range []HeadSpec{
		{Kind: Attentive, Dim: 8, Heads: 2, Classes: 3},
		{Kind: Attentive, Dim: 8, Heads: 2, Classes: 3, LinearBias: true},
		{Kind: Linear, Dim: 8, Heads: 2, Classes: 3, LinearBias: true},
	} {
		h, err := NewHead(spec, 7)
		if err != nil {
			t.Fatal(err)
		}
		h.BN.Mean[2], h.BN.Var[5], h.BN.Updates = 0.25, 3.5, 12
		path := filepath.Join(t.TempDir(), HeadFile)
		if err := h.Save(path, []int{2, 3}); err != nil {
			t.Fatal(err)
		}
		f, err := checkpoint.Read(path)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]int{"head.linear.weight": {3, 8}, runningMean: {8}, runningVar: {8}}
		if spec.LinearBias {
			want["head.linear.bias"] = []int{3}
		}
		if spec.Kind == Attentive {
			want["head.cls_token"], want["head.k.weight"], want["head.v.weight"] = []int{1, 1, 8}, []int{8, 8}, []int{8, 8}
		}
		if len(f.Tensors) != len(want) {
			t.Errorf("%+v: saved %v, want %d tensors", spec, f.Names(), len(want))
		}
		for name, shape := range want {
			if _, err := f.Lookup(name, shape...); err != nil {
				t.Errorf("%+v: %v", spec, err)
			}
		}
		if c := f.Int64s[batchesTracked]; len(c.Data) != 1 || c.Data[0] != 12 || len(c.Shape) != 0 {
			t.Errorf("%+v: num_batches_tracked %+v, want the int64 scalar 12", spec, c)
		}
		if f.Meta[schema.NumHeads] != "2" || f.Meta[schema.Probe] != string(spec.Kind) || f.Meta[schema.ProbeLayers] != "[2,3]" {
			t.Errorf("%+v: metadata %v", spec, f.Meta)
		}
		back, layers, err := LoadHead(path)
		if err != nil {
			t.Fatal(err)
		}
		if back.HeadSpec != spec || len(layers) != 2 || back.BN.Mean[2] != 0.25 || back.BN.Var[5] != 3.5 {
			t.Errorf("%+v: loaded %+v with layers %v", spec, back.HeadSpec, layers)
		}
		for _, name := range h.Params.Names() {
			if !bytes.Equal(f32bytes(h.Params.Float32s(name)), f32bytes(back.Params.Float32s(name))) {
				t.Errorf("%+v: %s differs after loading", spec, name)
			}
		}
	}
}

// A released classifier head has no metadata: it is an attentive probe
// with width/128 heads and no recorded layers; a head missing a tensor or
// with a wrong shape is refused, naming the tensor.
func TestLoadReleasedHead(t *testing.T) {
	h, err := NewHead(HeadSpec{Kind: Attentive, Dim: 256, Heads: 2, Classes: 5}, 1)
	if err != nil {
		t.Fatal(err)
	}
	released := func(mutate func(*checkpoint.File)) string {
		ts := map[string]checkpoint.Tensor{
			runningMean: {Shape: []int{256}, Data: toFloat32(h.BN.Mean)},
			runningVar:  {Shape: []int{256}, Data: toFloat32(h.BN.Var)},
		}
		for _, name := range h.Params.Names() {
			ts[name] = checkpoint.Tensor{Shape: h.Params.Get(name).Shape(), Data: h.Params.Float32s(name)}
		}
		f := &checkpoint.File{Tensors: ts, Int64s: map[string]checkpoint.Int64Tensor{batchesTracked: {Data: []int64{0}}}}
		if mutate != nil {
			mutate(f)
		}
		path := filepath.Join(t.TempDir(), "head.safetensors")
		if err := checkpoint.Write(path, f); err != nil {
			t.Fatal(err)
		}
		return path
	}
	back, layers, err := LoadHead(released(nil))
	if err != nil {
		t.Fatal(err)
	}
	if want := (HeadSpec{Kind: Attentive, Dim: 256, Heads: 2, Classes: 5}); back.HeadSpec != want || layers != nil {
		t.Errorf("released head read as %+v with layers %v, want %+v and none", back.HeadSpec, layers, want)
	}
	for _, c := range []struct {
		name   string
		mutate func(*checkpoint.File)
		want   string
	}{
		{"missing k", func(f *checkpoint.File) {
			delete(f.Tensors, nameK)
			f.Meta = map[string]string{schema.Probe: "attentive"}
		}, nameK},
		{"wrong query shape", func(f *checkpoint.File) {
			f.Tensors[nameQuery] = checkpoint.Tensor{Shape: []int{1, 256}, Data: make([]float32, 256)}
		}, nameQuery},
		{"bias of the wrong size", func(f *checkpoint.File) {
			f.Tensors[nameLinearBias] = checkpoint.Tensor{Shape: []int{4}, Data: make([]float32, 4)}
		}, nameLinearBias},
		{"no linear", func(f *checkpoint.File) { delete(f.Tensors, nameLinear) }, nameLinear},
		{"unknown head tensor", func(f *checkpoint.File) {
			f.Tensors["head.q.weight"] = checkpoint.Tensor{Shape: []int{2}, Data: make([]float32, 2)}
		}, "head.q.weight"},
		{"running mean missing", func(f *checkpoint.File) { delete(f.Tensors, runningMean) }, runningMean},
	} {
		_, _, err := LoadHead(released(c.mutate))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming %s", c.name, err, c.want)
		}
	}
}

// Running statistics no BatchNorm can hold, and recorded blocks that are
// negative or repeated, are refused at load, naming the file and the
// tensor or metadata key.
func TestLoadHeadRefusesImpossibleStatisticsAndBlocks(t *testing.T) {
	h, err := NewHead(HeadSpec{Kind: Attentive, Dim: 8, Heads: 2, Classes: 3}, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		mutate func(h *Head)
		layers []int
		want   []string
	}{
		{"negative variance", func(h *Head) { h.BN.Var[3] = -0.5 }, []int{0}, []string{runningVar + "[3]", "negative"}},
		{"NaN variance", func(h *Head) { h.BN.Var[0] = math.NaN() }, []int{0}, []string{runningVar + "[0]", "finite"}},
		{"infinite variance", func(h *Head) { h.BN.Var[7] = math.Inf(1) }, []int{0}, []string{runningVar + "[7]", "finite"}},
		{"infinite mean", func(h *Head) { h.BN.Mean[2] = math.Inf(-1) }, []int{0}, []string{runningMean + "[2]", "finite"}},
		{"NaN mean", func(h *Head) { h.BN.Mean[1] = math.NaN() }, []int{0}, []string{runningMean + "[1]", "finite"}},
		{"negative block", func(*Head) {}, []int{-4, -3, 0, 1}, []string{"metadata " + schema.ProbeLayers, "block -4 is negative"}},
		{"repeated block", func(*Head) {}, []int{1, 1}, []string{"metadata " + schema.ProbeLayers, "block 1 is listed twice"}},
	} {
		bad := *h
		bad.BN = probeops.NewBatchNormState(8, BatchNormEps)
		c.mutate(&bad)
		path := filepath.Join(t.TempDir(), "head.safetensors")
		if err := bad.Save(path, c.layers); err != nil {
			t.Fatal(err)
		}
		_, _, err := LoadHead(path)
		if err == nil {
			t.Errorf("%s: loaded", c.name)
			continue
		}
		for _, want := range append(c.want, path) {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not name %q", c.name, err, want)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "head.safetensors")
	if err := h.Save(path, []int{0, 2}); err != nil {
		t.Fatal(err)
	}
	if _, layers, err := LoadHead(path); err != nil || len(layers) != 2 {
		t.Errorf("a sound head: layers %v, error %v", layers, err)
	}
}

func f32bytes(v []float32) []byte {
	var buf bytes.Buffer
	_ = binary.Write(&buf, binary.LittleEndian, v)
	return buf.Bytes()
}

func TestNormalizationRule(t *testing.T) {
	tests := []struct {
		name string
		norm *schema.Normalization
		want string
	}{
		{"checkpoint statistics", &schema.Normalization{Mean: []float32{0.5}, Std: []float32{0.25}}, NormPretraining},
		{"no statistics", nil, NormDownstream},
		{"statistics of 3 channels", &schema.Normalization{Mean: []float32{0, 0, 0}, Std: []float32{1, 1, 1}}, NormDownstream},
	}
	for _, tc := range tests {
		tr := tinyTrunk(t, true, tc.norm)
		p, err := tr.prepare("quadrants", quadrantSource(), 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if p.norm != tc.want {
			t.Errorf("%s: normalised with the %s statistics, want %s", tc.name, p.norm, tc.want)
		}
		mean, std := data.ChannelStats(p.train)
		switch {
		case tc.want == NormDownstream && (math.Abs(float64(mean[0])) > 1e-5 || math.Abs(float64(std[0])-1) > 1e-4):
			t.Errorf("%s: training images have mean %g and std %g after normalisation, want 0 and 1", tc.name, mean[0], std[0])
		case tc.want == NormPretraining:
			raw := quadrantSource().Train
			if got, want := p.train.Images[0], (raw.Images[0]-0.5)/0.25; math.Abs(float64(got-want)) > 1e-6 {
				t.Errorf("%s: first value %g, want %g", tc.name, got, want)
			}
		}
	}
}

// Images a photo transform made (Options.Preprocessed) reach the trunk as
// they are: neither fitted nor normalised again; images of another size
// than the checkpoint fixes are refused, naming the transform.
func TestPreprocessedImagesAreUsedAsTheyAre(t *testing.T) {
	tr := tinyTrunk(t, true, &train.Normalization{Mean: []float32{0.5}, Std: []float32{0.25}})
	src := quadrantSource()
	p, err := tr.prepareAs("quadrants", src, 0, 0, "a transform")
	if err != nil {
		t.Fatal(err)
	}
	if p.norm != NormTransform || !slices.Equal(p.train.Images, src.Train.Images) || !slices.Equal(p.test.Images, src.Test.Images) {
		t.Errorf("normalisation %q, images unchanged %t and %t; want %q and both unchanged", p.norm,
			slices.Equal(p.train.Images, src.Train.Images), slices.Equal(p.test.Images, src.Test.Images), NormTransform)
	}
	big := &data.Source{Train: quadrants("big/train", 10, 1), Test: quadrants("big/test", 10, 2)}
	for _, d := range []*data.Dataset{big.Train, big.Test} {
		d.H, d.W, d.Images = 4, 16, d.Images[:d.N*64]
	}
	if _, err := tr.prepareAs("big", big, 0, 0, "a transform"); err == nil || !strings.Contains(err.Error(), "images of 1×4×16 from a transform, the checkpoint takes 1×8×8") {
		t.Errorf("images of another size: %v", err)
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	fixed, free := tinyTrunk(t, true, nil), tinyTrunk(t, false, nil)
	badLabel := quadrantSource()
	badLabel.Train.Labels[7] = 4
	odd := &data.Source{Train: quadrants("odd/train", 10, 1), Test: quadrants("odd/test", 10, 2)}
	for _, d := range []*data.Dataset{odd.Train, odd.Test} {
		d.H, d.W, d.Images = 6, 6, d.Images[:d.N*36] // 6×6 is not a multiple of 4×4 patches
	}
	unlabelled := quadrantSource()
	unlabelled.Test.Labels, unlabelled.Test.Classes = nil, 0
	badKind := quickOptions(Attentive)
	badKind.Kind = "mlp"
	tooMany := quickOptions(Linear)
	tooMany.TrainImages = 1000
	badLayer := quickOptions(Attentive)
	badLayer.Layers = []int{0, 2}
	tests := []struct {
		name  string
		trunk *Trunk
		src   *data.Source
		o     Options
		want  string
	}{
		{"label out of range", fixed, badLabel, quickOptions(Linear), "label 4 of image 7 is outside the 4 classes"},
		{"image size", free, odd, quickOptions(Linear), "not a multiple of the checkpoint's 4×4 patches"},
		{"no test labels", fixed, unlabelled, quickOptions(Linear), "has no labels"},
		{"no test split", fixed, &data.Source{Train: quadrants("q", 10, 1)}, quickOptions(Linear), "no test split"},
		{"unknown probe", fixed, quadrantSource(), badKind, "unknown probe \"mlp\""},
		{"too many training images", fixed, quadrantSource(), tooMany, "1000 training images asked for"},
		{"layer out of range", fixed, quadrantSource(), badLayer, "feature layer 2 is outside the model's blocks"},
	}
	for _, tc := range tests {
		_, _, err := Run(context.Background(), tc.trunk, "test", tc.src, tc.o, Silent{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// TestFreeSizeTrunkTakesTheDatasetSize checks that a checkpoint without an
// image size probes images at their own size when the patches tile it.
func TestFreeSizeTrunkTakesTheDatasetSize(t *testing.T) {
	r, _, err := Run(context.Background(), tinyTrunk(t, false, nil), "quadrants", quadrantSource(), quickOptions(Linear), Silent{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Image != [3]int{1, 8, 8} {
		t.Errorf("probed at %v, want the dataset's 1×8×8", r.Image)
	}
}

func TestRandomizedTrunk(t *testing.T) {
	tr := tinyTrunk(t, true, &schema.Normalization{Mean: []float32{0.5}, Std: []float32{0.25}})
	r1, err := tr.Randomized(9)
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := tr.Randomized(9)
	r3, _ := tr.Randomized(10)
	if !r1.RandomInit || r1.Model.Config != tr.Model.Config || r1.Norm != tr.Norm || tr.RandomInit {
		t.Fatalf("randomised trunk %+v from %+v", r1, tr)
	}
	name := "trunk.blocks.0.attn.qkv.weight"
	a, b, c := r1.Model.Params.Float32s(name), r2.Model.Params.Float32s(name), r3.Model.Params.Float32s(name)
	if !bytes.Equal(f32bytes(a), f32bytes(b)) || bytes.Equal(f32bytes(a), f32bytes(c)) || bytes.Equal(f32bytes(a), f32bytes(tr.Model.Params.Float32s(name))) {
		t.Error("random trunks are not a function of the seed alone, or equal the checkpoint")
	}
}

func TestSuiteSkipsMissingDatasets(t *testing.T) {
	for _, name := range []string{"optdigits", "lfw-faces"} {
		if _, err := data.Load(name, data.LoadOptions{}); err != nil {
			t.Skip(err)
		}
	}
	so := SuiteOptions{Options: quickOptions(Linear), Datasets: []string{"optdigits", "lfw-faces", "cifar10"}, Baseline: true}
	so.TrainImages = 200 // a cap: lfw-faces has fewer
	s, err := Suite(context.Background(), tinyTrunk(t, true, nil), so, Silent{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Entries) != 3 || s.Probed != 2 || s.Entries[2].Skipped == "" || s.Entries[0].Result == nil || s.Entries[1].RandomInit == nil {
		t.Fatalf("suite entries %+v", s.Entries)
	}
	if n := s.Entries[1].Result.TrainImages; n != 160 {
		t.Errorf("lfw-faces probed with %d training images, want all 160", n)
	}
	if got := (s.Entries[0].Result.TestAccuracy + s.Entries[1].Result.TestAccuracy) / 2; math.Abs(s.AverageTest-got) > 1e-15 {
		t.Errorf("average %g over two datasets of mean accuracy %g", s.AverageTest, got)
	}
	if !s.Entries[0].RandomInit.RandomInit || s.Entries[0].Result.RandomInit {
		t.Error("random_init flags of the results are wrong")
	}
	md := s.Markdown()
	for _, want := range []string{"| optdigits | 200 |", "random-init", "**average** (2 datasets)", "- cifar10: not installed"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	dir := t.TempDir()
	if err := s.Write(dir); err != nil {
		t.Fatal(err)
	}
}

// TestCappedSplits checks that TrainImages and TestImages pick fixed
// subsets of the requested sizes.
func TestCappedSplits(t *testing.T) {
	tr := tinyTrunk(t, true, nil)
	p, err := tr.prepare("quadrants", quadrantSource(), 20, 12)
	if err != nil {
		t.Fatal(err)
	}
	if p.train.N != 20 || p.test.N != 12 {
		t.Fatalf("capped splits have %d and %d images, want 20 and 12", p.train.N, p.test.N)
	}
	q, _ := tr.prepare("quadrants", quadrantSource(), 20, 12)
	if !slices.Equal(p.test.Labels, q.test.Labels) || !slices.Equal(p.test.Images, q.test.Images) {
		t.Error("the capped test subset differs between two calls")
	}
	// A cap equal to the split's size keeps the split as it is (in its
	// order), so a suite's cap and no cap probe small datasets alike.
	src := quadrantSource()
	all, err := tr.prepare("quadrants", src, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	exact, err := tr.prepare("quadrants", src, src.Train.N, src.Test.N)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(all.train.Labels, exact.train.Labels) || !slices.Equal(all.train.Images, exact.train.Images) ||
		!slices.Equal(all.test.Labels, exact.test.Labels) {
		t.Error("capping a split at its own size reorders it")
	}
	if _, err := tr.prepare("quadrants", src, src.Train.N+1, 0); err == nil {
		t.Error("asking for more training images than the split has is not an error")
	}
}
