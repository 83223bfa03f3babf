package atomicfile

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestRemoveTempsRemovesOnlyTheFilesTemporaries abandons a write as a
// killed process would and checks that RemoveTemps removes its temporary
// file and nothing else.
func TestRemoveTempsRemovesOnlyTheFilesTemporaries(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "checkpoint.safetensors")
	p, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	p.File.Close() // the process dies here: neither Commit nor Abort
	keep := []string{
		"checkpoint.safetensors",
		".checkpoint.safetensors.tmp-",      // no number
		".checkpoint.safetensors.tmp-12x",   // not a number
		".checkpoint.safetensors.tmp-1.bak", // not a number
		".metrics.jsonl.tmp-123",            // another file's
		"checkpoint.safetensors.tmp-123",    // not hidden
	}
	for _, name := range append(keep, ".checkpoint.safetensors.tmp-42") {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, ".checkpoint.safetensors.tmp-7"), 0o755); err != nil {
		t.Fatal(err)
	}
	keep = append(keep, ".checkpoint.safetensors.tmp-7") // a directory
	removed, err := RemoveTemps(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Base(p.File.Name()), ".checkpoint.safetensors.tmp-42"}
	slices.Sort(want)
	slices.Sort(removed)
	if !slices.Equal(removed, want) {
		t.Errorf("removed %q, want %q", removed, want)
	}
	entries, _ := os.ReadDir(dir)
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	slices.Sort(keep)
	if !slices.Equal(left, keep) {
		t.Errorf("the directory holds %q, want %q", left, keep)
	}
}
