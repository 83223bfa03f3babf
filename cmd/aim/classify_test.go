package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio/npy"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/data/photo"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/internal/testing/testmodel"
)

// photoDir is the folder of test photographs (see its LICENSE.md).
var photoDir = filepath.Join("..", "..", "data", "photo", "testdata", "photos")

// writeReleasedClassifier saves an untrained RGB trunk for 224×224 photos
// with a 1000-class attentive head, in the layout of Apple's released
// classifiers (trunk and head.* tensors, int64 counter, no metadata).
func writeReleasedClassifier(t *testing.T) (string, *checkpoint.File) {
	t.Helper()
	f, err := testmodel.Classifier(testmodel.RGB224, 1000, 1)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "classifier.safetensors")
	if err := checkpoint.Write(path, f); err != nil {
		t.Fatal(err)
	}
	return path, f
}

// readNpyArray reads a float32 .npy array of any shape.
func readNpyArray(t *testing.T, path string) ([]int, []float32) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := npy.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var vals []float32
	if err := r.Read(&vals); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r.Header.Descr.Shape, vals
}

// jsonLines decodes one JSON object per line.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	return lines
}

func TestClassifyPhotos(t *testing.T) {
	ckpt, _ := writeReleasedClassifier(t)
	cat := filepath.Join(photoDir, "chelsea_landscape.png")
	files, err := photo.List(cat, photoDir)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"classify", "--checkpoint", ckpt, "--json", "--top", "3", cat, photoDir}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	lines := jsonLines(t, stdout.String())
	if len(lines) != len(files) {
		t.Fatalf("%d JSON lines for %d photos", len(lines), len(files))
	}
	for _, want := range []string{fmt.Sprintf("classify photos: %d steps\n", len(files)), "\nclassify photos: done in "} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr %q: want the progress of the photos outside a terminal (%q)", stderr.String(), want)
		}
	}
	for i, l := range lines {
		if l["image"] != files[i] {
			t.Errorf("line %d is %v, want %s (inputs in order)", i, l["image"], files[i])
		}
		top := l["top"].([]any)
		prev, sum := 2.0, 0.0
		for _, p := range top {
			pr := p.(map[string]any)["probability"].(float64)
			if pr > prev || pr < 0 {
				t.Errorf("%s: probabilities not descending: %v", files[i], top)
			}
			prev, sum = pr, sum+pr
			if p.(map[string]any)["label"] == "" {
				t.Errorf("%s: no ImageNet label", files[i])
			}
		}
		if len(top) != 3 || sum > 1+1e-9 {
			t.Errorf("%s: top %v", files[i], top)
		}
	}
	if !strings.Contains(stderr.String(), "a 8×8 grid of 28×28 patches") || !strings.Contains(stderr.String(), "blocks [0 1]") {
		t.Errorf("stderr %q lacks the grid or the blocks", stderr.String())
	}
}

// Photos pooled per image give the mean over tokens of the per-token
// features, and the input order is written beside the output.
func TestFeaturesOfPhotosPooledWithOrder(t *testing.T) {
	ckpt, _ := writeReleasedClassifier(t)
	dir := t.TempDir()
	photos := []string{filepath.Join(photoDir, "astronaut_square.png"), filepath.Join(photoDir, "rocket_wide.jpg")}
	tokens, pooled := filepath.Join(dir, "tokens.npy"), filepath.Join(dir, "pooled.npy")
	for _, args := range [][]string{
		append([]string{"features", "--checkpoint", ckpt, "--out", tokens, "--batch", "1"}, photos...),
		append([]string{"features", "--checkpoint", ckpt, "--out", pooled, "--pool", "mean"}, photos...),
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
	}
	tk, err := data.ReadNpy(tokens)
	if err != nil {
		t.Fatal(err)
	}
	plShape, plVals := readNpyArray(t, pooled)
	if tk.N != 2 || tk.H != 64 || tk.W != 128 || plShape[0] != 2 || plShape[1] != 128 {
		t.Fatalf("shapes (%d, %d, %d) and %v", tk.N, tk.H, tk.W, plShape)
	}
	want := make([]float32, 2*128)
	graph.MeanTokens(tk.Images, 64, 128, want)
	for i := range want {
		if d := want[i] - plVals[i]; d > 1e-5 || d < -1e-5 {
			t.Fatalf("pooled value %d: %v, mean of the tokens %v", i, plVals[i], want[i])
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "pooled.json"))
	if err != nil {
		t.Fatal(err)
	}
	var order struct {
		Inputs []string `json:"inputs"`
		Shape  []int    `json:"shape"`
	}
	if err := json.Unmarshal(b, &order); err != nil || len(order.Inputs) != 2 || order.Inputs[1] != photos[1] || order.Shape[1] != 128 {
		t.Errorf("order file %s (%v)", b, err)
	}
}

// A bad photo stops the run, naming it, with nothing written; --skip-bad
// goes on and lists it, in the order file too.
func TestBadPhotos(t *testing.T) {
	ckpt, _ := writeReleasedClassifier(t)
	folder := t.TempDir()
	good, _ := os.ReadFile(filepath.Join(photoDir, "coffee_portrait.jpg"))
	os.WriteFile(filepath.Join(folder, "a.jpg"), good, 0o644)
	os.WriteFile(filepath.Join(folder, "b.png"), []byte("not a png"), 0o644)
	out := filepath.Join(t.TempDir(), "f.npy")
	args := []string{"features", "--checkpoint", ckpt, "--out", out, folder}
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), filepath.Join(folder, "b.png")) {
		t.Errorf("a bad photo: exit %d, stderr %q", code, stderr.String())
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("an output was written despite the bad photo")
	}
	stderr.Reset()
	if code := run(append(args, "--skip-bad"), &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "1 photos skipped") {
		t.Fatalf("--skip-bad: exit %d, stderr %q", code, stderr.String())
	}
	b, _ := os.ReadFile(filepath.Join(filepath.Dir(out), "f.json"))
	if !strings.Contains(string(b), "b.png") || !strings.Contains(string(b), "a.jpg") {
		t.Errorf("order file %s does not list the photo read and the one skipped", b)
	}
}

// Malformed classifier checkpoints are refused with a message naming what
// is wrong, and no logits file is written.
func TestClassifyMalformedCheckpoints(t *testing.T) {
	_, base := writeReleasedClassifier(t)
	images := filepath.Join(photoDir, "coffee_portrait.png")
	cases := []struct {
		name   string
		mutate func(*checkpoint.File)
		code   int
		want   string
	}{
		{"no head", func(f *checkpoint.File) {
			for n := range f.Tensors {
				if strings.HasPrefix(n, "head.") {
					delete(f.Tensors, n)
				}
			}
		}, 2, "--head"},
		{"missing head tensor", func(f *checkpoint.File) { delete(f.Tensors, "head.v.weight") }, 1, "head.v.weight"},
		{"wrong head shape", func(f *checkpoint.File) {
			f.Tensors["head.k.weight"] = checkpoint.Tensor{Shape: []int{128, 64}, Data: make([]float32, 128*64)}
		}, 1, "head.k.weight"},
		{"head of another width", func(f *checkpoint.File) {
			f.Tensors["head.linear.weight"] = checkpoint.Tensor{Shape: []int{1000, 64}, Data: make([]float32, 64000)}
		}, 1, "head"},
	}
	for _, c := range cases {
		f := &checkpoint.File{Tensors: map[string]checkpoint.Tensor{}, Int64s: base.Int64s}
		for n, v := range base.Tensors {
			f.Tensors[n] = v
		}
		c.mutate(f)
		ckpt := filepath.Join(t.TempDir(), "c.safetensors")
		if err := checkpoint.Write(ckpt, f); err != nil {
			t.Fatal(err)
		}
		logits := filepath.Join(t.TempDir(), "l.npy")
		var stdout, stderr bytes.Buffer
		code := run([]string{"classify", "--checkpoint", ckpt, "--logits", logits, images}, &stdout, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d naming %s", c.name, code, stderr.String(), c.code, c.want)
		}
		if _, err := os.Stat(logits); !os.IsNotExist(err) {
			t.Errorf("%s: a logits file was written", c.name)
		}
	}
	// An unknown dtype in the file.
	raw := []byte(`{"preprocessor.patchifier.proj.weight":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}`)
	bad := filepath.Join(t.TempDir(), "dtype.safetensors")
	os.WriteFile(bad, append(append([]byte{byte(len(raw)), 0, 0, 0, 0, 0, 0, 0}, raw...), make([]byte, 8)...), 0o644)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"classify", "--checkpoint", bad, images}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), `"C64" is not supported`) {
		t.Errorf("unknown dtype: exit %d, stderr %q", code, stderr.String())
	}
}
