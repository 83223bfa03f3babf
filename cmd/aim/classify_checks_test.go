package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/checkpoint/schema"
	"github.com/aim-go/aim/internal/testing/testmodel"
)

// smallClassifier is the tensors of an untrained 2-block trunk for 1×8×8
// images with a 1000-class attentive head, in the released layout.
func smallClassifier(t *testing.T) *checkpoint.File {
	t.Helper()
	f, err := testmodel.Classifier(testmodel.Gray8, 1000, 1)
	if err != nil {
		t.Fatal(err)
	}
	f.Meta = map[string]string{schema.NumHeads: "2"}
	return f
}

// writeMutated writes a copy of f changed by mutate, and returns its path.
func writeMutated(t *testing.T, f *checkpoint.File, mutate func(*checkpoint.File)) string {
	t.Helper()
	c := &checkpoint.File{Tensors: map[string]checkpoint.Tensor{}, Int64s: f.Int64s, Meta: map[string]string{}}
	for n, v := range f.Tensors {
		c.Tensors[n] = checkpoint.Tensor{Shape: v.Shape, Data: append([]float32(nil), v.Data...)}
	}
	for k, v := range f.Meta {
		c.Meta[k] = v
	}
	mutate(c)
	path := filepath.Join(t.TempDir(), "classifier.safetensors")
	if err := checkpoint.Write(path, c); err != nil {
		t.Fatal(err)
	}
	return path
}

// classify runs aim classify and returns its exit status, stdout and
// stderr.
func classify(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"classify"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// A head whose BatchNorm statistics no BatchNorm can hold is refused at
// load, naming the file and the tensor, in plain and JSON output alike,
// even with --allow-nonfinite.
func TestClassifyRefusesImpossibleHeadStatistics(t *testing.T) {
	base, images := smallClassifier(t), writeImages(t, 1)
	for _, c := range []struct {
		tensor string
		value  float64
	}{
		{"head.bn.running_var", -0.5},
		{"head.bn.running_mean", math.Inf(1)},
	} {
		ckpt := writeMutated(t, base, func(f *checkpoint.File) { f.Tensors[c.tensor].Data[3] = float32(c.value) })
		for _, format := range [][]string{nil, {"--json"}} {
			code, stdout, stderr := classify(append(format, "--checkpoint", ckpt, "--allow-nonfinite", images)...)
			if code != 1 || stdout != "" || !strings.Contains(stderr, ckpt) || !strings.Contains(stderr, c.tensor+"[3]") {
				t.Errorf("%s = %v %v: exit %d, stdout %q, stderr %q; want exit 1 naming the file and the tensor", c.tensor, c.value, format, code, stdout, stderr)
			}
		}
	}
}

// Logits holding NaN or infinite values are an error naming the image and
// blaming the head, with no logits file.
func TestClassifyRefusesNonFiniteLogits(t *testing.T) {
	base := smallClassifier(t)
	nanWeights := writeMutated(t, base, func(f *checkpoint.File) { f.Tensors["head.linear.weight"].Data[0] = float32(math.NaN()) })
	huge := writeMutated(t, base, func(f *checkpoint.File) {
		for i := range f.Tensors["head.linear.weight"].Data {
			f.Tensors["head.linear.weight"].Data[i] = math.MaxFloat32 // overflows
		}
	})
	for _, c := range []struct {
		name, ckpt, images string
		want               []string
	}{
		{"NaN weights", nanWeights, writeImages(t, 1), []string{"images.npy[0]: the logits hold 1 NaN", "head's weights"}},
		{"overflow", huge, writeImages(t, 2), []string{"images.npy[0]: the logits hold", "head's weights", "overflow"}},
	} {
		for _, format := range [][]string{nil, {"--json"}} {
			logits := filepath.Join(t.TempDir(), "logits.npy")
			args := append(format, "--checkpoint", c.ckpt, "--allow-nonfinite", "--logits", logits, c.images)
			code, stdout, stderr := classify(args...)
			if code != 1 || strings.Contains(stdout, "NaN") {
				t.Errorf("%s %v: exit %d, stdout %q, stderr %q; want exit 1 and no NaN printed", c.name, format, code, stdout, stderr)
			}
			for _, want := range c.want {
				if !strings.Contains(stderr, want) {
					t.Errorf("%s %v: stderr %q does not say %q", c.name, format, stderr, want)
				}
			}
			if _, err := os.Stat(logits); !os.IsNotExist(err) {
				t.Errorf("%s %v: a logits file was written", c.name, format)
			}
		}
	}
}

// Recorded blocks the trunk does not have are the file's fault, not
// --layers' (which was not given); --layers overrides them.
func TestClassifyBlamesTheFileForRecordedBlocks(t *testing.T) {
	base, images := smallClassifier(t), writeImages(t, 1)
	for _, c := range []struct {
		recorded string
		want     string
	}{
		{"[5]", "block 5 is beyond the trunk's 2 blocks"},
		{"[-4,-3,-2,-1,0,1]", "block -4 is negative"},
		{"[1,1]", "block 1 is listed twice"},
	} {
		ckpt := writeMutated(t, base, func(f *checkpoint.File) { f.Meta[schema.ProbeLayers] = c.recorded })
		code, _, stderr := classify("--checkpoint", ckpt, images)
		if code != 1 || !strings.Contains(stderr, ckpt) || !strings.Contains(stderr, "metadata "+schema.ProbeLayers) ||
			!strings.Contains(stderr, c.want) || strings.Contains(stderr, "--layers:") {
			t.Errorf("probe_layers %s: exit %d, stderr %q; want exit 1 naming the file, its metadata and %q", c.recorded, code, stderr, c.want)
		}
		if c.recorded != "[5]" {
			continue
		}
		if code, _, stderr := classify("--checkpoint", ckpt, "--layers", "0,1", images); code != 0 {
			t.Errorf("probe_layers %s with --layers 0,1: exit %d: %s", c.recorded, code, stderr)
		}
	}
}

// A numeric flag out of range is named alone.
func TestClassifyNamesOnlyTheWrongFlag(t *testing.T) {
	for _, c := range []struct {
		args        []string
		want, wrong string
	}{
		{[]string{"--top", "0"}, "--top 0: expected at least 1", "--batch"},
		{[]string{"--batch", "0"}, "--batch 0: expected at least 1", "--top"},
	} {
		code, _, stderr := classify(append(c.args, "--checkpoint", "c.safetensors", "x.npy")...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Contains(stderr, c.wrong) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 with %q and no %s", c.args, code, stderr, c.want, c.wrong)
		}
	}
}

// An output that is an image argument is refused in words that read well.
func TestClassifyOutputThatIsAnInput(t *testing.T) {
	images := writeImages(t, 1)
	code, _, stderr := classify("--checkpoint", "c.safetensors", "--logits", images, images)
	want := "--logits would write " + images + ", which is image argument 1 (" + images + "): choose an output that is not an input"
	if code != 2 || !strings.Contains(stderr, want) {
		t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, stderr, want)
	}
}

// A photo whose name holds a newline is printed quoted, on one line; other
// names as they are. A dangling symbolic link in a folder is skipped with
// a warning naming it.
func TestClassifyPhotoNamesAndDanglingLinks(t *testing.T) {
	ckpt, _ := writeReleasedClassifier(t)
	dir := t.TempDir()
	photo, err := os.ReadFile(filepath.Join(photoDir, "coffee_portrait.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	odd, plain, link := filepath.Join(dir, "a\nb.jpg"), filepath.Join(dir, "c.jpg"), filepath.Join(dir, "gone.jpg")
	for _, p := range []string{odd, plain} {
		if err := os.WriteFile(p, photo, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(dir, "missing.jpg"), link); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := classify("--checkpoint", ckpt, "--top", "1", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if want := []string{strconv.Quote(odd), plain}; len(lines) != 4 || lines[0] != want[0] || lines[2] != want[1] {
		t.Errorf("stdout %q; want the names %q, each followed by one class", stdout, want)
	}
	if !strings.Contains(stderr, "skipped: "+link) {
		t.Errorf("stderr %q does not warn of the dangling link %s", stderr, link)
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"photos/cat.jpg":       "photos/cat.jpg",
		"photos/chat noir.jpg": "photos/chat noir.jpg",
		"photos/été.jpg":       "photos/été.jpg",
		"a\nb.jpg":             `"a\nb.jpg"`,
		"a\tb.jpg":             `"a\tb.jpg"`,
		"\x1b[31mred.jpg":      `"\x1b[31mred.jpg"`,
		"\xff.jpg":             `"\xff.jpg"`,
		`"quoted".jpg`:         `"\"quoted\".jpg"`,
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %s, want %s", in, got, want)
		}
	}
}
