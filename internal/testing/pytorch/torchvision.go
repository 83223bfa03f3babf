package pytorch

import (
	"os"
	"os/exec"
	"sync"
	"testing"
)

// torchvision caches the interpreter Torchvision finds: importing
// torchvision takes seconds.
var torchvision struct {
	once       sync.Once
	py         string
	candidates []string
}

// Torchvision returns AIM_PYTHON, else /usr/bin/python3, else python3 on
// the PATH — the first that can import torchvision, PIL and numpy — and
// skips the test when none can. The system Python comes first because the
// reference is Debian bookworm's torchvision 0.14 with Pillow 9.4, whose
// resampling the Go code replicates; a newer pip-installed Pillow on the
// PATH may round differently. The answer is looked up once per process.
func Torchvision(t testing.TB) string {
	t.Helper()
	tv := &torchvision
	tv.once.Do(func() {
		tv.candidates = []string{"/usr/bin/python3", "python3"}
		if p := os.Getenv("AIM_PYTHON"); p != "" {
			tv.candidates = []string{p}
		}
		for _, py := range tv.candidates {
			if exec.Command(py, "-c", "import torchvision, PIL, numpy").Run() == nil {
				tv.py = py
				return
			}
		}
	})
	if tv.py == "" {
		t.Skipf("torchvision comparison skipped: none of %v can import torchvision, PIL and numpy "+
			"(install Debian's python3-torchvision, or set AIM_PYTHON)", tv.candidates)
	}
	return tv.py
}
