package checkpoint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteErrorNamesThePathOnce: writing over a directory says so and
// names the path once, not once per layer that wrapped the error.
func TestWriteErrorNamesThePathOnce(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "x.safetensors")
	if err := os.Mkdir(dest, 0o755); err != nil {
		t.Fatal(err)
	}
	f := &File{Tensors: map[string]Tensor{"w": {Shape: []int{2}, Data: seq(2)}}}
	err := Write(dest, f)
	if err == nil {
		t.Fatal("Write over a directory succeeded")
	}
	if want := "checkpoint: " + dest + " is a directory, expected a file path"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if n := strings.Count(err.Error(), dest); n != 1 {
		t.Errorf("error %q names %s %d times, want once", err, dest, n)
	}
}

func TestOpenAndReadRefuseADirectory(t *testing.T) {
	dir := t.TempDir()
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), dir+" is not a regular file") {
		t.Errorf("Read(directory) = %v; want an error naming it as not a regular file", err)
	}
	if m, err := Open(dir); err == nil || !strings.Contains(err.Error(), dir+" is not a regular file") {
		if m != nil {
			m.Close()
		}
		t.Errorf("Open(directory) = %v; want an error naming it as not a regular file", err)
	}
}
