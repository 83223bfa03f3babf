package photo

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aim-go/aim/internal/testing/pytorch"
)

// TestHubTransformParity compares HubTransform (AIMv2's preprocessing on
// the hub: shorter side to the model's size, bicubic, centre crop, CLIP's
// statistics) with torchvision 0.14 + Pillow 9.4 at 224 and 336 pixels:
// PNG photos to the last bit, JPEG photos within the bounds of ml-aim's
// transform (only the inverse DCT differs).
func TestHubTransformParity(t *testing.T) {
	py := pytorch.Torchvision(t)
	files, err := List(photosDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, side := range []int{224, 336} {
		out := filepath.Join(t.TempDir(), "ref.npy")
		args := append([]string{refScript, "--out", out, "--resize", strconv.Itoa(side), "--crop", strconv.Itoa(side),
			"--normalize", "--stats", "clip"}, files...)
		if b, err := exec.Command(py, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args[:10], " "), err, b)
		}
		ref := readNpyBatch(t, out)
		got, err := ReadAll(files, Options{Transform: HubTransform(side), Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		if got.Images.H != side || ref.H != side {
			t.Fatalf("%d: images of %d and %d pixels", side, got.Images.H, ref.H)
		}
		compareCLIP(t, fmt.Sprintf("%d px", side), files, got.Images, ref)
	}
}

func TestReadPreprocessorConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, PreprocessorConfigName)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tf, err := ReadPreprocessorConfig(write(`{"crop_size": {"height": 336, "width": 336}, "size": {"shortest_edge": 336},
		"image_mean": [0.5, 0.5, 0.5], "image_std": [0.25, 0.25, 0.25], "resample": 3, "do_center_crop": true,
		"rescale_factor": 0.00392156862745098}`), 224)
	if err != nil || tf.Resize != 336 || tf.Crop != 336 || tf.Mean != [3]float64{0.5, 0.5, 0.5} || tf.Std != [3]float64{0.25, 0.25, 0.25} {
		t.Errorf("transform %+v, error %v", tf, err)
	}
	if tf, err := ReadPreprocessorConfig(write(`{"size": 448}`), 224); err != nil || tf.Resize != 448 || tf.Crop != 224 || tf.Mean != CLIPMean {
		t.Errorf("size 448 alone: %+v, %v", tf, err)
	}
	for body, key := range map[string]string{
		`{"resample": 2}`:                              "resample 2",
		`{"do_center_crop": false}`:                    "do_center_crop",
		`{"image_mean": [0.5]}`:                        "image_mean",
		`{"crop_size": {"height": 224, "width": 200}}`: "crop_size",
		`{"size": {"height": 224}}`:                    "shortest_edge",
		`{"rescale_factor": 1}`:                        "rescale_factor",
		`not json`:                                     "not a JSON",
	} {
		if _, err := ReadPreprocessorConfig(write(body), 224); err == nil || !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), PreprocessorConfigName) {
			t.Errorf("%s: error %v, want one naming the file and %q", body, err, key)
		}
	}
}

// TestExactResizeParity: Height×Width resizes every photo to exactly that
// size as torchvision's Resize((h, w)) does, bit for bit on PNG photos.
func TestExactResizeParity(t *testing.T) {
	py := pytorch.Torchvision(t)
	files, err := List(photosDir)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "ref.npy")
	args := append([]string{refScript, "--out", out, "--exact", "140,308", "--normalize", "--stats", "clip"}, files...)
	if b, err := exec.Command(py, args...).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	ref := readNpyBatch(t, out)
	tf := Transform{Height: 140, Width: 308, Mean: CLIPMean, Std: CLIPStd}
	got, err := ReadAll(files, Options{Transform: tf, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got.Images.H != 140 || got.Images.W != 308 || ref.H != 140 || ref.W != 308 {
		t.Fatalf("images of %d×%d, reference %d×%d; want 140×308", got.Images.H, got.Images.W, ref.H, ref.W)
	}
	compareCLIP(t, "140×308", files, got.Images, ref)
	if err := (Transform{Height: 140, Mean: CLIPMean, Std: CLIPStd}).Validate(); err == nil || !strings.Contains(err.Error(), "Width 0") {
		t.Errorf("a height without width: %v", err)
	}
}

// compareCLIP compares photos normalised with CLIP's statistics with the
// reference's: PNGs exactly; JPEGs, whose decoders differ, within a mean
// |Δ| of 0.2 and a largest |Δ| of 8 8-bit levels (one level is
// 1/(255·std) ≈ 0.015 after normalisation).
func compareCLIP(t *testing.T, what string, files []string, got, ref Batch) {
	t.Helper()
	for i, f := range files {
		mean, maxAbs, n := diffStats(got.Image(i), ref.Image(i))
		meanLimit, maxLimit := 0.0, 0.0
		if strings.HasSuffix(f, ".jpg") {
			meanLimit, maxLimit = 0.2/255/0.26, 8.0/255/0.26
		}
		if mean > meanLimit || maxAbs > maxLimit {
			t.Errorf("%s, %s: mean |Δ| %g, max |Δ| %g (%d values differ); want ≤ %g and ≤ %g", what, f, mean, maxAbs, n, meanLimit, maxLimit)
		}
	}
}
