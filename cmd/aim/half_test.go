package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/internal/testing/halffile"
)

// TestFeaturesFromHalfCheckpoints: aim features on a BF16 and an F16 file
// says it uses the weight matrices in place, and writes the features of an
// F32 file holding the same (rounded) values, bit for bit (on gonum's BLAS,
// to float32 rounding: see sameResult).
func TestFeaturesFromHalfCheckpoints(t *testing.T) {
	trunk, err := checkpoint.Read(writeTrunk(t))
	if err != nil {
		t.Fatal(err)
	}
	images, dir := writeImages(t, 3), t.TempDir()
	features := func(ckpt string) (string, []byte) {
		t.Helper()
		out := filepath.Join(dir, filepath.Base(ckpt)+".npy")
		var stdout, stderr bytes.Buffer
		if code := run([]string{"features", "--checkpoint", ckpt, "--images", images, "--out", out}, &stdout, &stderr); code != 0 {
			t.Fatalf("%s: exit %d: %s", ckpt, code, stderr.String())
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return stderr.String(), b
	}
	for _, dtype := range []string{"BF16", "F16"} {
		half, f32 := writeHalfAndRounded(t, dir, dtype, trunk)
		log, got := features(half)
		if !strings.Contains(log, "weight matrices used in place as "+dtype) {
			t.Errorf("%s: the log does not say the weights are used in place: %q", dtype, log)
		}
		_, want := features(f32)
		if !sameResult(t, got, want, func(path string) map[string][]float32 {
			return map[string][]float32{"features": mustReadNpy(t, path)}
		}) {
			t.Errorf("%s: features differ from those of the F32 file of the same values", dtype)
		}
	}
}

// sameResult reports whether two output files of the same computation on
// the same values, stored differently, agree: byte for byte, except on
// gonum's BLAS, whose sums run in an order that depends on where the rows
// lie in memory (docs/performance.md, "Routes"), so that there the arrays
// read by read agree to float32 rounding: max |Δ| ≤ 1e-5 · max |want|.
func sameResult(t *testing.T, got, want []byte, read func(path string) map[string][]float32) bool {
	t.Helper()
	if bytes.Equal(got, want) {
		return true
	}
	if blas.Backend() != blas.Gonum {
		return false
	}
	dir := t.TempDir()
	paths := [2]string{filepath.Join(dir, "got"), filepath.Join(dir, "want")}
	for i, b := range [][]byte{got, want} {
		if err := os.WriteFile(paths[i], b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	g, w := read(paths[0]), read(paths[1])
	if len(g) != len(w) {
		return false
	}
	for name, wv := range w {
		gv, ok := g[name]
		if !ok || len(gv) != len(wv) {
			return false
		}
		var scale, worst float64
		for i := range wv {
			scale = max(scale, math.Abs(float64(wv[i])))
			worst = max(worst, math.Abs(float64(gv[i])-float64(wv[i])))
		}
		if !(worst <= 1e-5*scale) {
			t.Logf("%s: max |Δ| %.3g against max |want| %.3g", name, worst, scale)
			return false
		}
	}
	return true
}

// writeHalfAndRounded writes f as a dtype file and as an F32 file of the
// same, rounded, values, and returns their paths.
func writeHalfAndRounded(t *testing.T, dir, dtype string, f *checkpoint.File) (half, f32 string) {
	t.Helper()
	half = filepath.Join(dir, dtype+".safetensors")
	if err := halffile.Write(half, dtype, f); err != nil {
		t.Fatal(err)
	}
	rounded := &checkpoint.File{Tensors: map[string]checkpoint.Tensor{}, Int64s: f.Int64s, Meta: f.Meta}
	m, err := checkpoint.Open(half)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for name, ts := range f.Tensors {
		if rounded.Tensors[name], err = m.Lookup(name, ts.Shape...); err != nil {
			t.Fatal(err)
		}
	}
	f32 = filepath.Join(dir, dtype+"-as-f32.safetensors")
	if err := checkpoint.Write(f32, rounded); err != nil {
		t.Fatal(err)
	}
	return half, f32
}

// TestProbeOnABF16Trunk: aim probe on a BF16 trunk (used in place, which
// only inference graphs may do) trains the same probe as on an F32 file of
// the same values, byte for byte (on gonum's BLAS, to float32 rounding).
func TestProbeOnABF16Trunk(t *testing.T) {
	trunk, err := checkpoint.Read(writeTrunk(t))
	if err != nil {
		t.Fatal(err)
	}
	half, f32 := writeHalfAndRounded(t, t.TempDir(), "BF16", trunk)
	dataset := writeFolderDataset(t, 12)
	probe := func(ckpt string) []byte {
		t.Helper()
		out := t.TempDir()
		args := []string{"probe", "--checkpoint", ckpt, "--data", "folder:" + dataset, "--out", out, "--epochs", "2", "--batch", "8", "--min-steps", "4"}
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("aim probe on %s: exit %d: %s", ckpt, code, stderr.String())
		}
		b, err := os.ReadFile(filepath.Join(out, "probe.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if !sameResult(t, probe(half), probe(f32), tensorsOf) {
		t.Error("the probe trained on the BF16 trunk differs from the one on the F32 file of the same values")
	}
}

// TestBenchInferWithHalfWeights: aim bench --infer-only --weights bf16
// times the feature pass with the linear weights held as 16-bit values and
// says so.
func TestBenchInferWithHalfWeights(t *testing.T) {
	var stdout, stderr bytes.Buffer
	args := []string{"bench", "--preset", "tiny", "--infer-only", "--batch", "1,2", "--steps", "1", "--weights", "bf16"}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var r struct {
		Weights string `json:"weights"`
		Batches []struct {
			ImagesPerSec float64 `json:"images_per_s"`
		} `json:"batches"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("%v: %s", err, stdout.String())
	}
	if r.Weights != "bf16" || len(r.Batches) != 2 || !(r.Batches[0].ImagesPerSec > 0) {
		t.Errorf("result %s", stdout.String())
	}
}

// TestClassifyFromABF16File: aim classify on a BF16 classifier (trunk used
// in place, head converted) says so and prints what it prints for the F32
// file of the same values, byte for byte.
func TestClassifyFromABF16File(t *testing.T) {
	_, f := writeReleasedClassifier(t)
	half, f32 := writeHalfAndRounded(t, t.TempDir(), "BF16", f)
	photo := filepath.Join(photoDir, "chelsea_landscape.png")
	classify := func(ckpt string) (string, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := run([]string{"classify", "--checkpoint", ckpt, "--json", "--top", "3", photo}, &stdout, &stderr); code != 0 {
			t.Fatalf("%s: exit %d: %s", ckpt, code, stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	got, log := classify(half)
	want, _ := classify(f32)
	if got != want {
		t.Errorf("classify on the BF16 file printed\n%s\non the F32 file of the same values\n%s", got, want)
	}
	if !strings.Contains(log, "weight matrices used in place as BF16") {
		t.Errorf("the log does not say the weights are used in place: %q", log)
	}
}

// tensorsOf reads the float tensors of a safetensors file.
func tensorsOf(path string) map[string][]float32 {
	f, err := checkpoint.Read(path)
	if err != nil {
		return nil
	}
	out := map[string][]float32{}
	for name, ts := range f.Tensors {
		out[name] = ts.Data
	}
	return out
}
