package main

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/aim-go/aim/internal/testing/pytorch"
)

// buildAim compiles the command into a temporary directory.
func buildAim(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "aim")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("building aim: %v\n%s", err, out)
	}
	return bin
}

// TestPyTorchParity runs reference/parity.py: an independent PyTorch
// implementation of the spec writes random checkpoints and images, and the
// features and losses of `aim features` and `aim loss` must match it at
// float32 tolerance; bad inputs must fail cleanly without output files.
func TestPyTorchParity(t *testing.T) {
	if testing.Short() {
		t.Skip("PyTorch parity skipped in -short mode")
	}
	py := pytorch.Python(t)
	bin := buildAim(t)
	script := filepath.Join("..", "..", "reference", "parity.py")
	cmd := exec.Command(py, script, "--aim", bin, "--workdir", t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("parity check failed: %v\n%s", err, out)
	}
	t.Logf("%s", lastLines(string(out), 3))
}

// TestAIMv2PyTorchParity runs reference/aimv2_parity.py: a PyTorch
// AIMv2 written by hand writes random encoders under ml-aim's and
// transformers' names (F32 and BF16, learned and sin-cos positions, with
// and without the hub's config.json), and `aim features` must match it
// within 1e-4 of its largest feature; bad files and sizes must fail naming
// the tensor, key or size.
func TestAIMv2PyTorchParity(t *testing.T) {
	if testing.Short() {
		t.Skip("PyTorch parity skipped in -short mode")
	}
	py := pytorch.Python(t)
	bin := buildAim(t)
	script := filepath.Join("..", "..", "reference", "aimv2_parity.py")
	out, err := exec.Command(py, script, "--aim", bin, "--workdir", t.TempDir()).CombinedOutput()
	if err != nil {
		t.Fatalf("AIMv2 parity check failed: %v\n%s", err, out)
	}
	t.Logf("%s", lastLines(string(out), 3))
}

func lastLines(s string, n int) string {
	lines := 0
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '\n' {
			lines++
			if lines > n {
				return s[i+1:]
			}
		}
	}
	return s
}
