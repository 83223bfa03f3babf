package pytorch

import (
	"os"
	"os/exec"
	"testing"
)

// Python returns AIM_PYTHON, else python3 on the PATH, else the system's
// /usr/bin/python3 — the first that can import torch — and skips the test
// when none can.
func Python(t testing.TB) string {
	t.Helper()
	candidates := []string{"python3", "/usr/bin/python3"}
	if p := os.Getenv("AIM_PYTHON"); p != "" {
		candidates = []string{p}
	}
	for _, py := range candidates {
		if exec.Command(py, "-c", "import torch, numpy").Run() == nil {
			return py
		}
	}
	t.Skipf("PyTorch comparison skipped: none of %v can import torch and numpy (install Debian's python3-torch, or set AIM_PYTHON)", candidates)
	return ""
}
