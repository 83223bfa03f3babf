package main

import (
	"bytes"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/internal/testing/testmodel"
	"github.com/aim-go/aim/train"
)

// needBF16 skips where bf16 products cannot run.
func needBF16(t *testing.T) {
	t.Helper()
	if err := blas.CheckPrecision(blas.PrecisionBF16); err != nil {
		t.Skipf("no bf16 products here: %v", err)
	}
}

// writeWideClassifier writes a released-layout classifier of AIM-0.6B's
// width, heads and MLP (1536, 12 of 128, 6144) for 224-px photos, with
// depth blocks (the released model has 24; the test keeps its cost down).
func writeWideClassifier(t *testing.T, depth int) string {
	t.Helper()
	cfg, err := graph.Preset("aim-600m")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Depth, cfg.HeadWidth, cfg.HeadDepth = depth, 0, 0
	f, err := testmodel.Classifier(cfg, 1000, 7)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "wide.safetensors")
	if err := checkpoint.Write(path, f); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestFeaturesBF16: the features of photos computed with --precision bf16
// differ from the f32 ones by at most 3e-2 of their largest magnitude
// (PyTorch's own bf16 pass of AIM-0.6B differs by 1.7e-2), but do differ;
// and aim classify's top-1 class agrees on every test photo.
func TestFeaturesBF16(t *testing.T) {
	needBF16(t)
	if testing.Short() {
		t.Skip("-short: writes a 450 MB model")
	}
	ckpt := writeWideClassifier(t, 4)
	photos := []string{filepath.Join(photoDir, "astronaut_square.png"), filepath.Join(photoDir, "chelsea_landscape.jpg"), filepath.Join(photoDir, "coffee_portrait.jpg")}
	dir := t.TempDir()
	features := map[string][]float32{}
	for _, prec := range []string{"f32", "bf16"} {
		out := filepath.Join(dir, prec+".npy")
		var stdout, stderr bytes.Buffer
		args := append([]string{"features", "--checkpoint", ckpt, "--out", out, "--precision", prec}, photos...)
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		_, features[prec] = readNpyArray(t, out)
	}
	ref, got := features["f32"], features["bf16"]
	worst, scale := 0.0, 0.0
	for i, r := range ref {
		worst = max(worst, math.Abs(float64(got[i]-r)))
		scale = max(scale, math.Abs(float64(r)))
	}
	t.Logf("bf16 features: max|Δ| = %.3g·max|f32|", worst/scale)
	if worst > 3e-2*scale || worst == 0 {
		t.Errorf("bf16 features: max|Δ| = %.3g·max|f32|, want in (0, 3e-2]", worst/scale)
	}
	top := map[string][]string{}
	for _, prec := range []string{"f32", "bf16"} {
		var stdout, stderr bytes.Buffer
		args := []string{"classify", "--checkpoint", ckpt, "--json", "--top", "1", "--precision", prec, photoDir} // every test photo
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		for _, l := range jsonLines(t, stdout.String()) {
			top[prec] = append(top[prec], l["top"].([]any)[0].(map[string]any)["label"].(string))
		}
	}
	if strings.Join(top["f32"], "|") != strings.Join(top["bf16"], "|") {
		t.Errorf("top-1 classes differ: f32 %q, bf16 %q", top["f32"], top["bf16"])
	}
}

// TestPrecisionFlag: an unknown precision is a usage error naming the
// flag, and without oneDNN --precision bf16 names the Debian package.
func TestPrecisionFlag(t *testing.T) {
	for _, cmd := range []string{"features", "classify", "probe", "suite", "loss", "pretrain", "scaling", "bench"} {
		var stdout, stderr bytes.Buffer
		if code := run([]string{cmd, "--precision", "fp8"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "-precision") || !strings.Contains(stderr.String(), "bf16") {
			t.Errorf("aim %s --precision fp8: exit %d, stderr %q; want a usage error naming the flag and the choices", cmd, code, stderr.String())
		}
	}
	code, _, stderr := runAim(t, []string{"AIM_ONEDNN_LIB=/nonexistent/libdnnl.so.2"}, "bench", "--precision", "bf16", "--steps", "1")
	if code == 0 || !strings.Contains(stderr, "--precision bf16") || !strings.Contains(stderr, "libdnnl2") {
		t.Errorf("bf16 without oneDNN: exit %d, stderr %q; want an error naming --precision bf16 and libdnnl2", code, stderr)
	}
}

// TestPrecisionHint: where bf16 is measured faster, an f32 command says
// so once on standard error with the speed-up; not with --precision bf16,
// not where bf16 is not faster, not with AIM_PRECISION_HINT=off.
func TestPrecisionHint(t *testing.T) {
	t.Setenv(hintEnvVar, "")
	restore := bf16Speedup
	defer func() { bf16Speedup = restore }()
	for _, c := range []struct {
		speedup float64
		args    []string
		env     string
		want    bool
	}{
		{2.04, []string{"loss"}, "", true},
		{2.04, []string{"loss", "--precision", "f32"}, "", true},
		{2.04, []string{"loss", "--precision", "bf16"}, "", false},
		{1.05, []string{"loss"}, "", false},
		{2.04, []string{"loss"}, "off", false},
	} {
		bf16Speedup = func() (float64, error) { return c.speedup, nil }
		t.Setenv(hintEnvVar, c.env)
		var stdout, stderr bytes.Buffer
		// loss without its required flags: parsed, then refused after the hint
		args := append(c.args, "--checkpoint", "/nonexistent.safetensors", "--images", "/nonexistent.npy", "--prefix", "1")
		if c.want == false && len(c.args) == 3 && blas.CheckPrecision(blas.PrecisionBF16) != nil {
			continue // bf16 refused before any hint: nothing to see
		}
		run(args, &stdout, &stderr)
		n := strings.Count(stderr.String(), "--precision bf16 uses it")
		if (n == 1) != c.want || n > 1 || (c.want && !strings.Contains(stderr.String(), "2.0×")) {
			t.Errorf("%v, speed-up %v, %s=%q: the hint appears %d times in %q; want it %v once", c.args, c.speedup, hintEnvVar, c.env, n, stderr.String(), c.want)
		}
	}
}

// TestPretrainBF16 pre-trains the tiny preset on MNIST for 100 steps in
// f32 and in bf16 from the same seed: the bf16 run's validation loss ends
// within 3% of the f32 run's (the benchmark in docs/performance.md runs
// the bench preset 1,000 steps against a 1% bound), and the run records
// its precision.
func TestPretrainBF16(t *testing.T) {
	needBF16(t)
	loss := map[string]float64{}
	for _, prec := range []string{"f32", "bf16"} {
		dir := filepath.Join(t.TempDir(), prec)
		var stdout, stderr bytes.Buffer
		args := []string{"pretrain", "--data", "mnist", "--preset", "tiny", "--steps", "100", "--seed", "3", "--precision", prec, "--out", dir}
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		metrics, err := train.ReadMetrics(dir)
		if err != nil || len(metrics) == 0 {
			t.Fatalf("%s: metrics %v, %v", dir, metrics, err)
		}
		loss[prec] = metrics[len(metrics)-1].ValLoss
	}
	t.Logf("validation loss after 100 steps: f32 %.5f, bf16 %.5f", loss["f32"], loss["bf16"])
	if d := math.Abs(loss["bf16"]-loss["f32"]) / loss["f32"]; d > 0.03 || loss["bf16"] == loss["f32"] {
		t.Errorf("bf16 validation loss %.5f vs f32 %.5f: relative difference %.3g, want in (0, 0.03]", loss["bf16"], loss["f32"], d)
	}
}
