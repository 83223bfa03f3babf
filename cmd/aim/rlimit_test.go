//go:build linux

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aim-go/aim/data"
)

// TestPretrainUnderAnAddressSpaceLimit: under prlimit --as, a batch whose
// training step needs more than the limit is refused before it allocates,
// with the limit named, instead of passing the memory check and dying of
// "fatal error: out of memory".
func TestPretrainUnderAnAddressSpaceLimit(t *testing.T) {
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("no prlimit")
	}
	dir := t.TempDir()
	images := filepath.Join(dir, "images.npy")
	if err := data.WriteNpy(images, make([]float32, 16*28*28), []int{16, 1, 28, 28}); err != nil {
		t.Fatal(err)
	}
	// The base preset at batch 256 needs about 2.4 GB, above the 2 GB
	// limit whatever the process has mapped already.
	cmd := exec.Command(prlimit, "--as=2000000000", "--", os.Args[0], "pretrain", "--data", "npy:"+images, "--preset", "base",
		"--batch", "256", "--steps", "1", "--val-images", "0", "--out", filepath.Join(dir, "run"))
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	msg := stderr.String()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit %v, stderr %q; want exit 1", err, msg)
	}
	if !strings.Contains(msg, "aim pretrain: batch 256: a training step needs about") || !strings.Contains(msg, "RLIMIT_AS") || strings.Contains(msg, "fatal error") {
		t.Errorf("stderr %q; want the batch refused under RLIMIT_AS", msg)
	}
}
