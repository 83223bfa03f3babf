package main

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/internal/testing/pytorch"
	"github.com/aim-go/aim/probe"
)

// TestReleasedLayoutParity runs reference/released_parity.py: random
// classifiers in exactly the layout of Apple's released AIM checkpoints (F32,
// BF16 and F16 files, no metadata; one converted from .pth files with its
// best-layers head) must give the reference's features and logits through
// aim features and aim classify.
func TestReleasedLayoutParity(t *testing.T) {
	if testing.Short() {
		t.Skip("PyTorch parity skipped in -short mode")
	}
	py := pytorch.Python(t)
	bin := buildAim(t)
	script := filepath.Join("..", "..", "reference", "released_parity.py")
	out, err := exec.Command(py, script, "--aim", bin, "--workdir", t.TempDir()).CombinedOutput()
	if err != nil {
		t.Fatalf("released-layout parity failed: %v\n%s", err, out)
	}
	t.Logf("%s", lastLines(string(out), 4))
}

// writeFolderDataset writes a labelled folder dataset of 8×8 grey PNGs:
// class "dark" and class "bright", n images each.
func writeFolderDataset(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	for c, name := range []string{"bright", "dark"} {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			img := image.NewGray(image.Rect(0, 0, 8, 8))
			for p := range img.Pix {
				img.Pix[p] = uint8(200*(1-c) + (p*7+i*3)%40)
			}
			var buf bytes.Buffer
			if err := png.Encode(&buf, img); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name, strings.Repeat("i", i+1)+".png"), buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// A probe written by aim probe has exactly ml-aim's head names and shapes:
// merged with its trunk it loads into the PyTorch reference classifier with
// load_state_dict(strict=True), and aim classify reads it with --head.
func TestProbeFileLoadsStrictlyIntoTheReferenceClassifier(t *testing.T) {
	if testing.Short() {
		t.Skip("PyTorch comparison skipped in -short mode")
	}
	py := pytorch.Python(t)
	ckpt, out, dataset := writeTrunk(t), t.TempDir(), writeFolderDataset(t, 12)
	head, f := probeFolder(t, ckpt, dataset, out, "--epochs", "2", "--batch", "8", "--min-steps", "4")
	if _, bias := f.Tensors["head.linear.bias"]; bias {
		t.Error("the default attentive probe has a linear bias; ml-aim's has none")
	}
	script := filepath.Join("..", "..", "reference", "released_parity.py")
	if b, err := exec.Command(py, script, "--strict-load", ckpt, head).CombinedOutput(); err != nil {
		t.Fatalf("strict load failed: %v\n%s", err, b)
	}
	var stdout, stderr bytes.Buffer
	labels := filepath.Join(t.TempDir(), "labels.txt")
	os.WriteFile(labels, []byte("bright\ndark\n"), 0o644)
	img := writeImages(t, 1) // 1×8×8, as the trunk's images
	if code := run([]string{"classify", "--checkpoint", ckpt, "--head", head, "--labels", labels, "--top", "2", img}, &stdout, &stderr); code != 0 {
		t.Fatalf("aim classify --head: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), img+"[0]") || !strings.Contains(stdout.String(), "dark (1)") || !strings.Contains(stdout.String(), "bright (0)") {
		t.Errorf("aim classify printed %q", stdout.String())
	}
}

// --linear-bias gives the attentive probe's classifier a bias again.
func TestProbeLinearBiasFlag(t *testing.T) {
	ckpt, out, dataset := writeTrunk(t), t.TempDir(), writeFolderDataset(t, 6)
	var stdout, stderr bytes.Buffer
	args := []string{"probe", "--checkpoint", ckpt, "--data", "folder:" + dataset, "--out", out, "--epochs", "1", "--batch", "4", "--min-steps", "1", "--linear-bias"}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("aim probe --linear-bias: exit %d: %s", code, stderr.String())
	}
	f, err := checkpoint.Read(filepath.Join(out, probe.HeadFile))
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := f.Tensors["head.linear.bias"]; !ok || len(b.Data) != 2 {
		t.Errorf("--linear-bias: head tensors %v", f.Names())
	}
}
