package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/checkpoint/schema"
	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/data/photo"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/internal/testing/testmodel"
	"github.com/aim-go/aim/layers"
	"github.com/aim-go/aim/probe"
)

// writeV2 saves an untrained AIMv2 encoder of the given configuration
// under ml-aim's names, as model.safetensors in a folder of its own.
func writeV2(t *testing.T, cfg graph.Config) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := testmodel.WriteTrunk(path, cfg, 2, nil); err != nil {
		t.Fatal(err)
	}
	return path
}

// v2Grey is an AIMv2 for 8×8 grey images: learned positions, RMSNorm,
// SwiGLU.
var v2Grey = graph.Config{ImageHeight: 8, ImageWidth: 8, Channels: 1, Patch: 4, Width: 16, Depth: 2, Heads: 2,
	Norm: layers.NormRMS, MLP: layers.MLPSwiGLU, MLPHidden: 24, PosEmbed: graph.PosLearned}

// aim probe trains a head on AIMv2's post-trunk-norm features of a folder
// of photos, records them as its probe_layers, and aim classify reads
// the same features through it.
func TestAIMv2ProbeAndClassify(t *testing.T) {
	ckpt, out, dataset := writeV2(t, v2Grey), t.TempDir(), writeFolderDataset(t, 8)
	head, f := probeFolder(t, ckpt, dataset, out, "--epochs", "1", "--batch", "8", "--min-steps", "2")
	if got := f.Meta[schema.ProbeLayers]; got != "[-1]" {
		t.Errorf("the head records probe_layers %q, want [-1] (the post-trunk norm)", got)
	}
	labels := filepath.Join(t.TempDir(), "labels.txt")
	if err := os.WriteFile(labels, []byte("bright\ndark\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	img := writeImages(t, 1)
	if code := run([]string{"classify", "--checkpoint", ckpt, "--head", head, "--labels", labels, "--top", "2", img}, &stdout, &stderr); code != 0 {
		t.Fatalf("aim classify --head: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "dark (1)") || !strings.Contains(stderr.String(), "the post-trunk norm") {
		t.Errorf("aim classify: stdout %q, stderr %q", stdout.String(), stderr.String())
	}
}

// aim loss refuses an AIMv2 file: it carries no prediction head.
func TestAIMv2LossRefused(t *testing.T) {
	ckpt := writeV2(t, v2Grey)
	var stdout, stderr bytes.Buffer
	code := run([]string{"loss", "--checkpoint", ckpt, "--images", writeImages(t, 2), "--prefix", "1"}, &stdout, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "AIMv2") || !strings.Contains(stderr.String(), "no prediction head") {
		t.Errorf("aim loss on AIMv2: exit %d, stderr %q", code, stderr.String())
	}
}

// Photos go through the hub's transform for AIMv2 (the
// preprocessor_config.json beside the model when there is one; the native
// model takes the 451×300 photo at its own aspect ratio, 224×336, 8×12
// patches), through ml-aim's with --transform ml-aim (224×224), and the
// command says which.
func TestAIMv2PhotoTransforms(t *testing.T) {
	cfg := graph.Config{ImageHeight: 224, ImageWidth: 224, Channels: 3, Patch: 28, Width: 32, Depth: 1, Heads: 1,
		Norm: layers.NormRMS, MLP: layers.MLPSwiGLU, MLPHidden: 40, PosEmbed: graph.PosSinCos}
	ckpt := writeV2(t, cfg)
	cat := filepath.Join(photoDir, "chelsea_landscape.png")
	features := func(want, shape string, extra ...string) []float32 {
		t.Helper()
		out := filepath.Join(t.TempDir(), "f.npy")
		var stdout, stderr bytes.Buffer
		args := append([]string{"features", "--checkpoint", ckpt, "--out", out}, extra...)
		if code := run(append(args, cat), &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", extra, code, stderr.String())
		}
		if !strings.Contains(stderr.String(), want) || !strings.Contains(stdout.String(), shape) {
			t.Errorf("%v: stdout %q, stderr %q; want %q and features %s", extra, stdout.String(), stderr.String(), want, shape)
		}
		d, err := data.ReadNpy(out)
		if err != nil {
			t.Fatal(err)
		}
		return d.Images
	}
	hub := features("photos through the hub's preprocessing for AIMv2 (no preprocessor_config.json beside the model): each photo at its own aspect ratio: shorter side 224 bicubic, sides rounded to multiples of 28, at most 4096 patches, no crop, CLIP mean/std", "[1 96 32]")
	mlaim := features("photos through ml-aim's evaluation transform (--transform ml-aim): shorter side 256 bicubic, centre crop 224, ImageNet mean/std", "[1 64 32]", "--transform", "ml-aim")
	if equalFloats(hub, mlaim) {
		t.Error("the hub's and ml-aim's transforms gave the same features")
	}
	pc := filepath.Join(filepath.Dir(ckpt), photo.PreprocessorConfigName)
	if err := os.WriteFile(pc, []byte(`{"size": {"shortest_edge": 224}, "crop_size": {"height": 224, "width": 224}, "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711], "resample": 3}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if fromFile := features("the hub's preprocessing from "+pc, "[1 96 32]"); !equalFloats(fromFile, hub) {
		t.Error("the hub's defaults written as preprocessor_config.json gave other features")
	}
	bad := map[string][]string{
		"--transform \"timm\"": {"--transform", "timm"},
		"--size 140,300: model config: image_width 300: expected a multiple of the patch size 28": {"--size", "140,300"},
		"4160 patches of 28×28, expected at most 4096":                                            {"--size", "1792,1820"},
	}
	for want, flags := range bad {
		var stdout, stderr bytes.Buffer
		args := append([]string{"features", "--checkpoint", ckpt, "--out", filepath.Join(t.TempDir(), "f.npy")}, flags...)
		if code := run(append(args, cat), &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), want) {
			t.Errorf("%v: exit %d, stderr %q; want %q", flags, code, stderr.String(), want)
		}
	}
}

// The native model takes photos at any --size whose sides are multiples
// of its patch: a photo resized to 140×308 gives a 5×11 grid.
func TestAIMv2NativeSize(t *testing.T) {
	cfg := graph.Config{ImageHeight: 224, ImageWidth: 224, Channels: 3, Patch: 28, Width: 32, Depth: 1, Heads: 1,
		Norm: layers.NormRMS, MLP: layers.MLPSwiGLU, MLPHidden: 40, PosEmbed: graph.PosSinCos}
	ckpt := writeV2(t, cfg)
	var stdout, stderr bytes.Buffer
	args := []string{"features", "--checkpoint", ckpt, "--out", filepath.Join(t.TempDir(), "f.npy"), "--size", "140,308", filepath.Join(photoDir, "chelsea_landscape.png")}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "[1 55 32]") || !strings.Contains(stderr.String(), "at --size 140,308: resized to 140×308 bicubic") {
		t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
}

func equalFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// aim bench times an AIMv2 preset's feature pass: it has no prediction
// head to train.
func TestAIMv2BenchPreset(t *testing.T) {
	if testing.Short() {
		t.Skip("AIMv2-L bench skipped in -short mode")
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"bench", "--preset", "aimv2-large-patch14-224", "--batch", "1", "--steps", "1"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"preset": "aimv2-large-patch14-224"`) || !strings.Contains(stdout.String(), `"images_per_s"`) {
		t.Errorf("bench printed %s", stdout.String())
	}
}

// A fixed-resolution AIMv2 file records no image size, but its position
// table fixes it: suite and probe datasets are resized to it (optdigits'
// 8×8 digits to 12×12).
func TestAIMv2ProbeResizesToTheTable(t *testing.T) {
	if _, err := data.Load("optdigits", data.LoadOptions{}); errors.Is(err, data.ErrNotInstalled) {
		t.Skip(err)
	}
	cfg := v2Grey
	cfg.ImageHeight, cfg.ImageWidth = 12, 12
	m, err := graph.New(cfg, tensor.Float32, 3)
	if err != nil {
		t.Fatal(err)
	}
	ts, meta := m.Tensors()
	delete(meta, schema.ModelConfig)
	ckpt := filepath.Join(t.TempDir(), "model.safetensors")
	if err := checkpoint.Write(ckpt, &checkpoint.File{Tensors: ts, Meta: meta}); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	args := []string{"suite", "--checkpoint", ckpt, "--datasets", "optdigits", "--out", t.TempDir(), "--epochs", "1",
		"--min-steps", "1", "--train-images", "200", "--test-images", "50"}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("aim suite: exit %d: %s", code, stderr.String())
	}
}

// writePhotoFolder writes a folder: dataset of RGB photos of mixed sizes:
// train and test sub-folders of two classes, red and blue.
func writePhotoFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	sizes := [][2]int{{40, 30}, {25, 60}, {33, 33}}
	for _, split := range []string{"train", "test"} {
		for c, class := range []string{"red", "blue"} {
			if err := os.MkdirAll(filepath.Join(dir, split, class), 0o755); err != nil {
				t.Fatal(err)
			}
			for i, s := range sizes {
				img := image.NewNRGBA(image.Rect(0, 0, s[0], s[1]))
				for p := 0; p < len(img.Pix); p += 4 {
					v := uint8(150 + (p/4*7+i*13)%100)
					img.Pix[p], img.Pix[p+1], img.Pix[p+2], img.Pix[p+3] = v*uint8(1-c), 40, v*uint8(c), 255
				}
				var buf bytes.Buffer
				if err := png.Encode(&buf, img); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, split, class, fmt.Sprintf("%d.png", i)), buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return dir
}

// aim probe reads a folder: dataset through the photo transform of an
// AIMv2 checkpoint, as aim features does (the hub's by default, ml-aim's
// with --transform ml-aim, at --size when given), says which, and the
// result records it; the photos may have any size.
func TestAIMv2ProbeFolderThroughTheTransform(t *testing.T) {
	cfg := graph.Config{ImageHeight: 224, ImageWidth: 224, Channels: 3, Patch: 28, Width: 32, Depth: 1, Heads: 1,
		Norm: layers.NormRMS, MLP: layers.MLPSwiGLU, MLPHidden: 40, PosEmbed: graph.PosSinCos}
	ckpt, dataset := writeV2(t, cfg), writePhotoFolder(t)
	cases := []struct {
		flags []string
		want  string
		image [3]int
	}{
		{nil, "the hub's preprocessing for AIMv2 (no preprocessor_config.json beside the model): shorter side 224 bicubic, centre crop 224, CLIP mean/std", [3]int{3, 224, 224}},
		{[]string{"--transform", "ml-aim"}, "ml-aim's evaluation transform (--transform ml-aim): shorter side 256 bicubic, centre crop 224, ImageNet mean/std", [3]int{3, 224, 224}},
		{[]string{"--size", "112,168"}, "at --size 112,168: resized to 112×168 bicubic, CLIP mean/std", [3]int{3, 112, 168}},
	}
	for _, c := range cases {
		out := t.TempDir()
		var stdout, stderr bytes.Buffer
		args := append([]string{"probe", "--checkpoint", ckpt, "--data", "folder:" + dataset, "--out", out, "--epochs", "1", "--batch", "4", "--min-steps", "2"}, c.flags...)
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", c.flags, code, stderr.String())
		}
		if !strings.HasPrefix(stderr.String(), "probe: photos through ") || !strings.Contains(stderr.String(), c.want+"\n") {
			t.Errorf("%v: stderr %q does not say the photos went through %q", c.flags, stderr.String(), c.want)
		}
		var r probe.Result
		if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if r.Normalization != probe.NormTransform || !strings.HasSuffix(r.Transform, c.want) || r.Image != c.image || r.TrainImages != 6 {
			t.Errorf("%v: result normalisation %q, transform %q, image %v, %d training images; want %q, %q, %v, 6",
				c.flags, r.Normalization, r.Transform, r.Image, r.TrainImages, probe.NormTransform, c.want, c.image)
		}
	}
	var stdout, stderr bytes.Buffer
	args := []string{"probe", "--checkpoint", ckpt, "--data", "mnist", "--out", t.TempDir(), "--transform", "hub"}
	if code := run(args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "--transform and --exif apply to folder: datasets") {
		t.Errorf("--transform with mnist: exit %d, stderr %q", code, stderr.String())
	}
}

// nativeV2 is a small AIMv2 native model: sin-cos positions, 224-pixel
// images of 28-pixel patches by default.
var nativeV2 = graph.Config{ImageHeight: 224, ImageWidth: 224, Channels: 3, Patch: 28, Width: 32, Depth: 1, Heads: 1,
	Norm: layers.NormRMS, MLP: layers.MLPSwiGLU, MLPHidden: 40, PosEmbed: graph.PosSinCos}

// mustRun runs the aim command in this process and fails the test unless it succeeds.
func mustRun(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(args, &out, &errOut); code != 0 {
		t.Fatalf("aim %v: exit %d: %s", args, code, errOut.String())
	}
	return out.String(), errOut.String()
}

// Without --size the native model takes every photo at its own aspect
// ratio, one pass per grid: pooled features and logits of photos of three
// grids come in the input order, each the same as for that photo alone;
// per-token features of several grids are refused, naming the way out,
// and leave no output; of one grid they are written.
func TestAIMv2NativeEachPhotoAtItsOwnSize(t *testing.T) {
	ckpt := writeV2(t, nativeV2)
	photos := []string{"chelsea_landscape.png", "astronaut_square.png", "coffee_portrait.png", "chelsea_landscape.jpg"}
	for i := range photos {
		photos[i] = filepath.Join(photoDir, photos[i])
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "e.npy")
	_, stderr := mustRun(t, append([]string{"features", "--checkpoint", ckpt, "--pool", "mean", "--batch", "1", "--out", out}, photos...)...)
	for _, grid := range []string{"3×224×336: a 8×12 grid", "3×224×224: a 8×8 grid", "3×336×224: a 12×8 grid"} {
		if !strings.Contains(stderr, grid) {
			t.Errorf("stderr %q does not show the grid %q", stderr, grid)
		}
	}
	shape, all := readNpyArray(t, out)
	if !slices.Equal(shape, []int{4, 32}) {
		t.Fatalf("pooled features %v, want (4, 32)", shape)
	}
	for i, p := range photos {
		one := filepath.Join(dir, fmt.Sprintf("one%d.npy", i))
		mustRun(t, "features", "--checkpoint", ckpt, "--pool", "mean", "--out", one, p)
		if _, got := readNpyArray(t, one); !equalFloats(all[i*32:(i+1)*32], got) {
			t.Errorf("row %d (%s) differs from the photo's features alone", i, p)
		}
	}

	tokens := filepath.Join(dir, "t.npy")
	var stdout, errOut bytes.Buffer
	code := run(append([]string{"features", "--checkpoint", ckpt, "--out", tokens}, photos...), &stdout, &errOut)
	if code != 2 || !strings.Contains(errOut.String(), "--pool mean") || !strings.Contains(errOut.String(), "--size H,W") {
		t.Errorf("per-token features of three grids: exit %d, stderr %q", code, errOut.String())
	}
	if _, err := os.Stat(tokens); !os.IsNotExist(err) {
		t.Errorf("the refused per-token run left %s (%v)", tokens, err)
	}
	mustRun(t, "features", "--checkpoint", ckpt, "--out", tokens, photos[0], photos[3])
	if shape, _ := readNpyArray(t, tokens); !slices.Equal(shape, []int{2, 96, 32}) {
		t.Errorf("per-token features of one grid: %v, want (2, 96, 32)", shape)
	}

	probeDir := t.TempDir()
	mustRun(t, "probe", "--checkpoint", ckpt, "--data", "folder:"+writePhotoFolder(t), "--out", probeDir, "--epochs", "1", "--batch", "4", "--min-steps", "2")
	labels := filepath.Join(dir, "labels.txt")
	if err := os.WriteFile(labels, []byte("blue\nred\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	head := filepath.Join(probeDir, probe.HeadFile)
	logits := filepath.Join(dir, "l.npy")
	mustRun(t, append([]string{"classify", "--checkpoint", ckpt, "--head", head, "--labels", labels, "--batch", "1", "--logits", logits}, photos...)...)
	_, got := readNpyArray(t, logits)
	for i, p := range photos {
		one := filepath.Join(dir, fmt.Sprintf("l%d.npy", i))
		mustRun(t, "classify", "--checkpoint", ckpt, "--head", head, "--labels", labels, "--logits", one, p)
		if _, want := readNpyArray(t, one); !equalFloats(got[i*2:(i+1)*2], want) {
			t.Errorf("logits of %s: %v among the others, %v alone", p, got[i*2:(i+1)*2], want)
		}
	}
}
