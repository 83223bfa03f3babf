package regular

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.bin")
	if err := os.WriteFile(path, []byte("12345"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, size, err := Open(path)
	if err != nil || size != 5 {
		t.Fatalf("Open(regular file) = size %d, %v", size, err)
	}
	f.Close()
	if _, _, err := Open(dir); err == nil || !strings.Contains(err.Error(), dir+": not a regular file") {
		t.Errorf("Open(folder): err = %v, want one naming it as not a regular file", err)
	}
	if _, _, err := Open(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("Open(missing): err = %v, want one naming the file", err)
	}
}
