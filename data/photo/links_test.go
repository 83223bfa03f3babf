package photo

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aim-go/aim/internal/testing/fixtures"
)

// Find returns the dangling links with a photo's name it skipped in
// folders, so that a program can warn of them; a folder holding only such
// links is an error that mentions them.
func TestFindReportsDanglingLinks(t *testing.T) {
	dir := t.TempDir()
	photo := filepath.Join(dir, "a.png")
	if err := os.WriteFile(photo, fixtures.PNG(t, smallPhoto(8, 8)), 0o644); err != nil {
		t.Fatal(err)
	}
	gone, notPhoto := filepath.Join(dir, "gone.jpg"), filepath.Join(dir, "gone.txt")
	for _, link := range []string{gone, notPhoto} {
		if err := os.Symlink(filepath.Join(dir, "missing"), link); err != nil {
			t.Fatal(err)
		}
	}
	files, dangling, err := Find(dir)
	if err != nil || !slices.Equal(files, []string{photo}) || !slices.Equal(dangling, []string{gone}) {
		t.Errorf("Find = %q, dangling %q, %v; want [%s] and [%s]", files, dangling, err, photo, gone)
	}
	if err := os.Remove(photo); err != nil {
		t.Fatal(err)
	}
	_, _, err = Find(dir)
	fixtures.WantError(t, err, dir, "no .png, .jpg, .jpeg files", "1 symbolic links to files that cannot be read", gone)
}
