package data

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImageNetClasses(t *testing.T) {
	c := ImageNetClasses()
	if len(c) != 1000 {
		t.Fatalf("%d class names, want 1000", len(c))
	}
	// Spot checks against torchvision's list, by class index.
	for i, want := range map[int]string{0: "tench", 1: "goldfish", 207: "golden retriever", 281: "tabby", 999: "toilet tissue"} {
		if c[i] != want {
			t.Errorf("class %d is %q, want %q", i, c[i], want)
		}
	}
}

func TestReadLabels(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.txt")
	os.WriteFile(good, []byte("cat\r\ndog\nbird\n"), 0o644)
	got, err := ReadLabels(good)
	if err != nil || strings.Join(got, ",") != "cat,dog,bird" {
		t.Errorf("ReadLabels = %q, %v", got, err)
	}
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("cat\n\ndog\n"), 0o644)
	if _, err := ReadLabels(bad); err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), bad) {
		t.Errorf("a blank line: %v", err)
	}
	if _, err := ReadLabels(filepath.Join(dir, "none.txt")); err == nil || !strings.Contains(err.Error(), "none.txt") {
		t.Errorf("a missing file: %v", err)
	}
}
