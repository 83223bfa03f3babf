package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/internal/testing/testmodel"
)

// writeImages writes n 1×8×8 images as a float32 .npy file.
func writeImages(t *testing.T, n int) string {
	t.Helper()
	pixels := make([]float32, n*64)
	for i := range pixels {
		pixels[i] = float32(math.Sin(float64(i)))
	}
	path := filepath.Join(t.TempDir(), "images.npy")
	if err := data.WriteNpy(path, pixels, []int{n, 1, 8, 8}); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFeaturesCommand(t *testing.T) {
	ckpt, images := writeTrunk(t), writeImages(t, 5)
	out := filepath.Join(t.TempDir(), "feats.npy")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"features", "--checkpoint", ckpt, "--images", images, "--out", out, "--batch", "1000000"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if want := "5 images of 1×8×8: a 2×2 grid of 4×4 patches (4 tokens)"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q does not show the patch grid %q", stderr.String(), want)
	}
	for _, want := range []string{"\nfeatures images.npy: 5 steps\n", "\nfeatures images.npy: done in "} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr %q: want the progress outside a terminal (%q)", stderr.String(), want)
		}
	}
	feats, err := data.ReadNpy(out)
	if err != nil {
		t.Fatal(err)
	}
	// A 3-D array reads as (N, H, W): here (images, tokens, width).
	if feats.N != 5 || feats.H != 4 || feats.W != 16 {
		t.Errorf("features of shape (%d, %d, %d), want (5, 4, 16)", feats.N, feats.H, feats.W)
	}
}

// The features and loss commands refuse to write over an input, whether
// named directly or through a link.
func TestFeaturesOutputIsAnInput(t *testing.T) {
	ckpt, images := writeTrunk(t), writeImages(t, 2)
	link := filepath.Join(t.TempDir(), "link.npy")
	if err := os.Symlink(images, link); err != nil {
		t.Fatal(err)
	}
	original, _ := os.ReadFile(ckpt)
	for _, tc := range []struct{ out, want string }{
		{ckpt, "--checkpoint input"},
		{images, "--images input"},
		{link, "--images input"},
	} {
		var stdout, stderr bytes.Buffer
		code := run([]string{"features", "--checkpoint", ckpt, "--images", images, "--out", tc.out}, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("--out %s: exit %d, stderr %q; want exit 2 naming the %s", tc.out, code, stderr.String(), tc.want)
		}
	}
	if now, _ := os.ReadFile(ckpt); !bytes.Equal(now, original) {
		t.Fatal("the checkpoint was overwritten")
	}
}

// A NaN weight is refused at loading; allowed for debugging, it gives
// non-finite features or loss, which are errors that blame the weights.
func TestFeaturesAndLossWithNonFiniteWeights(t *testing.T) {
	ckpt, images := writeTrunk(t), writeImages(t, 3)
	f, err := checkpoint.Read(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	const bad = "trunk.blocks.0.mlp.fc1.weight"
	f.Tensors[bad].Data[0] = float32(math.NaN())
	if err := checkpoint.Write(ckpt, f); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "feats.npy")
	args := []string{"features", "--checkpoint", ckpt, "--images", images, "--out", out}
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), bad) || !strings.Contains(stderr.String(), "--allow-nonfinite") {
		t.Errorf("features on a NaN weight: exit %d, stderr %q", code, stderr.String())
	}
	stderr.Reset()
	if code := run(append(args, "--allow-nonfinite"), &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "weights hold NaN") {
		t.Errorf("features --allow-nonfinite: exit %d, stderr %q; want an error blaming the weights", code, stderr.String())
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("features on NaN weights wrote an output")
	}
}

func TestLossCommandNamesANonFiniteLoss(t *testing.T) {
	// A checkpoint with a prediction head, so it has a pre-training loss.
	ckpt := writePretrained(t)
	f, err := checkpoint.Read(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	f.Tensors["decoder.pred.bias"].Data[0] = float32(math.Inf(1))
	if err := checkpoint.Write(ckpt, f); err != nil {
		t.Fatal(err)
	}
	images := writeImages(t, 3)
	var stdout, stderr bytes.Buffer
	code := run([]string{"loss", "--checkpoint", ckpt, "--images", images, "--prefix", "1", "--allow-nonfinite"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "loss of images 0…2 is") || !strings.Contains(stderr.String(), "weights") {
		t.Errorf("loss on an infinite weight: exit %d, stderr %q, stdout %q", code, stderr.String(), stdout.String())
	}
}

// writePretrained saves a small untrained model with its prediction head,
// for 8×8 grey images.
func writePretrained(t *testing.T) string {
	t.Helper()
	cfg := testmodel.Gray8
	cfg.HeadWidth, cfg.HeadDepth = 16, 1
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := testmodel.WriteTrunk(path, cfg, 1, nil); err != nil {
		t.Fatal(err)
	}
	return path
}
