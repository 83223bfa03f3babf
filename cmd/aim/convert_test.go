package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/checkpoint/schema"
	"github.com/aim-go/aim/internal/testing/pytorch"
)

// convertScript is reference/convert_pth.py.
var convertScript = filepath.Join("..", "..", "reference", "convert_pth.py")

// writePthFiles saves, with PyTorch, the backbone of a 2-block trunk and a
// head as .pth state dicts, and a pickle that would run a command creating
// the file marker if it were unpickled unsafely.
func writePthFiles(t *testing.T, py string) (backbone, head, evil, marker string) {
	t.Helper()
	dir := t.TempDir()
	backbone, head, evil = filepath.Join(dir, "backbone.pth"), filepath.Join(dir, "head.pth"), filepath.Join(dir, "evil.pth")
	marker = filepath.Join(dir, "ran")
	script := `
import os, sys, torch
backbone, head, evil, marker = sys.argv[1:]
state = {"preprocessor.patchifier.proj.weight": torch.zeros(8, 3, 2, 2)}
for b in range(2):
    state[f"trunk.blocks.{b}.norm_1.weight"] = torch.ones(8)
torch.save(state, backbone)
torch.save({"head.linear.weight": torch.zeros(3, 8)}, head)
class Payload:
    def __reduce__(self):
        return (os.system, ("touch " + marker,))
torch.save({"trunk.x": Payload()}, evil)
`
	if out, err := exec.Command(py, "-c", script, backbone, head, evil, marker).CombinedOutput(); err != nil {
		t.Fatalf("writing the .pth files: %v\n%s", err, out)
	}
	return backbone, head, evil, marker
}

// convert runs convert_pth.py and returns its exit status and stderr.
func convert(t *testing.T, py string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(py, append([]string{convertScript}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	if _, exit := err.(*exec.ExitError); err != nil && !exit {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

// A pickle holding objects other than tensors and plain data is refused
// in one line naming the file, with nothing run and no advice to load it
// unsafely.
func TestConvertPthRefusesPicklesOfObjects(t *testing.T) {
	if testing.Short() {
		t.Skip("PyTorch comparison skipped in -short mode")
	}
	py := pytorch.Python(t)
	_, _, evil, marker := writePthFiles(t, py)
	out := filepath.Join(t.TempDir(), "out.safetensors")
	code, stderr := convert(t, py, "--backbone", evil, "--out", out)
	if code == 0 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("exit %d, stderr %q; want a failure in one line", code, stderr)
	}
	for _, want := range []string{evil, "objects other than tensors and plain data", "refused for safety"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q does not say %q", stderr, want)
		}
	}
	if strings.Contains(stderr, "weights_only") || strings.Contains(stderr, "Traceback") {
		t.Errorf("stderr %q has a traceback or PyTorch's advice to load unsafely", stderr)
	}
	for _, path := range []string{marker, out} {
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("%s exists: the pickle ran or an output was written", path)
		}
	}
}

// convertMany runs convert_pth.py's main once per argument list in one
// Python process (PyTorch loads once) and returns each exit status and
// stderr.
func convertMany(t *testing.T, py string, argvs [][]string) []convertResult {
	t.Helper()
	driver := `
import contextlib, io, json, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[1])))
import convert_pth
results = []
for argv in json.loads(sys.argv[2]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = convert_pth.main(argv)
    results.append({"code": code, "stderr": err.getvalue()})
print(json.dumps(results))
`
	js, _ := json.Marshal(argvs)
	out, err := exec.Command(py, "-c", driver, convertScript, string(js)).Output()
	if err != nil {
		t.Fatalf("convert_pth.py: %v", err)
	}
	var results []convertResult
	if err := json.Unmarshal(out, &results); err != nil || len(results) != len(argvs) {
		t.Fatalf("convert_pth.py printed %q (%v)", out, err)
	}
	return results
}

type convertResult struct {
	Code   int    `json:"code"`
	Stderr string `json:"stderr"`
}

// --layers is checked against the trunk's blocks, negative blocks count
// from the end, and probe_layers is recorded 0-based, each block once.
func TestConvertPthProbeLayers(t *testing.T) {
	if testing.Short() {
		t.Skip("PyTorch comparison skipped in -short mode")
	}
	py := pytorch.Python(t)
	backbone, head, _, _ := writePthFiles(t, py)
	cases := []struct {
		layers string
		want   []int  // the recorded blocks
		fault  string // or the error
	}{
		{"last", []int{0, 1}, ""},
		{"-1", []int{1}, ""},
		{"1,-2", []int{1, 0}, ""},
		{"0,0", nil, "block 0 is named twice"},
		{"1,-1", nil, "block 1 is named twice"},
		{"2", nil, "block 2 is outside the trunk's 2 blocks"},
		{"-3", nil, "block -3 is outside the trunk's 2 blocks"},
		{"x", nil, "--layers x: expected last, best or"},
	}
	var argvs [][]string
	var outs []string
	for _, c := range cases {
		outs = append(outs, filepath.Join(t.TempDir(), "out.safetensors"))
		argvs = append(argvs, []string{"--backbone", backbone, "--head", head, "--layers", c.layers, "--out", outs[len(outs)-1]})
	}
	for i, r := range convertMany(t, py, argvs) {
		c, out, code, stderr := cases[i], outs[i], r.Code, r.Stderr
		if c.fault != "" {
			if code == 0 || !strings.Contains(stderr, c.fault) {
				t.Errorf("--layers %s: exit %d, stderr %q; want an error saying %q", c.layers, code, stderr, c.fault)
			}
			continue
		}
		if code != 0 {
			t.Errorf("--layers %s: exit %d: %s", c.layers, code, stderr)
			continue
		}
		f, err := checkpoint.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		err = json.Unmarshal([]byte(f.Metadata()[schema.ProbeLayers]), &got)
		f.Close()
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("--layers %s: recorded %s = %v (%v), want %v", c.layers, schema.ProbeLayers, got, err, c.want)
		}
	}
}
