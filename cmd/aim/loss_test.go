package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/aim-go/aim/internal/testing/pytorch"
)

// aim loss uses the objective the checkpoint was trained with: a run with
// spiral order and raw targets gives the PyTorch reference's loss under
// that objective, which differs from the paper's.
func TestLossUsesTheRecordedObjective(t *testing.T) {
	if testing.Short() {
		t.Skip("PyTorch comparison skipped in -short mode")
	}
	py := pytorch.Python(t)
	images := writeImages(t, 40)
	for _, c := range []struct{ order, target string }{{"spiral", "raw"}, {"checkerboard", "normalized"}} {
		out := filepath.Join(t.TempDir(), "run")
		var stdout, stderr bytes.Buffer
		args := []string{"pretrain", "--data", "npy:" + images, "--out", out, "--preset", "micro", "--steps", "3",
			"--batch", "8", "--val-images", "0", "--order", c.order, "--target", c.target}
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("pretrain: exit %d: %s", code, stderr.String())
		}
		ckpt := filepath.Join(out, "checkpoint.safetensors")
		stdout.Reset()
		if code := run([]string{"loss", "--checkpoint", ckpt, "--images", images, "--prefix", "2"}, &stdout, &stderr); code != 0 {
			t.Fatalf("loss: exit %d: %s", code, stderr.String())
		}
		var got struct {
			Loss   float64 `json:"loss"`
			Order  string  `json:"patch_order"`
			Target string  `json:"target"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &got); err != nil || got.Order != c.order || got.Target != c.target {
			t.Fatalf("aim loss printed %s (%v); want order %s and target %s", stdout.Bytes(), err, c.order, c.target)
		}
		ref := referenceLoss(t, py, ckpt, images, c.order, c.target == "raw")
		paper := referenceLoss(t, py, ckpt, images, "raster", false)
		t.Logf("%s/%s: aim %.6f, reference %.6f (paper's objective %.6f)", c.order, c.target, got.Loss, ref, paper)
		if math.Abs(got.Loss-ref) > 1e-4*math.Abs(ref) {
			t.Errorf("%s/%s: aim loss %v, reference %v", c.order, c.target, got.Loss, ref)
		}
		if math.Abs(paper-ref) < 1e-3*math.Abs(ref) {
			t.Errorf("%s/%s: the objective makes no difference (%v vs %v): the test cannot tell", c.order, c.target, paper, ref)
		}
	}
}

// referenceLoss runs reference/aim_ref.py loss in float64.
func referenceLoss(t *testing.T, py, ckpt, images, order string, raw bool) float64 {
	t.Helper()
	args := []string{filepath.Join("..", "..", "reference", "aim_ref.py"), "loss", "--checkpoint", ckpt,
		"--images", images, "--prefix", "2", "--order", order}
	if raw {
		args = append(args, "--raw-pixels")
	}
	b, err := exec.Command(py, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("aim_ref.py loss: %v\n%s", err, b)
	}
	var r struct {
		Loss float64 `json:"loss"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("aim_ref.py printed %q: %v", b, err)
	}
	return r.Loss
}
