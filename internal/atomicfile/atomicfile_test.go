package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestWriteReplacesOrKeeps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.txt")
	if err := WriteFile(filepath.Join(dir, "missing", "f.txt"), nil); err == nil {
		t.Fatal("writing into a missing directory succeeded")
	}
	if err := WriteFile(path, []byte("one")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(path, func(w io.Writer) error {
		w.Write([]byte("partial"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want boom", err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "one" {
		t.Fatalf("after a failed write the file holds %q, want the old content", got)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("%d files left in the directory, want 1", len(entries))
	}
	if err := WriteFile(path, []byte("two")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "two" {
		t.Fatalf("file holds %q, want two", got)
	}
}

func TestWriteRefusesADirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{dir, dir + string(filepath.Separator)} {
		err := WriteFile(path, []byte("x"))
		if err == nil {
			t.Fatalf("writing to the directory %s succeeded", path)
		}
		if want := path + " is a directory, expected a file path"; err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
		if n := strings.Count(err.Error(), dir); n != 1 {
			t.Errorf("error %q names the directory %d times, want once", err, n)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the directory holds %d files after the refused write", len(entries))
	}
}

// TestWriteErrorNamesThePathOnce simulates a full disk: the error of the
// temporary file's write must name the target once and not the temporary
// file.
func TestWriteErrorNamesThePathOnce(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.npy")
	var tmpName string
	err := Write(path, func(w io.Writer) error {
		tmpName = w.(*os.File).Name()
		return &os.PathError{Op: "write", Path: tmpName, Err: syscall.ENOSPC}
	})
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("error %v, want ENOSPC", err)
	}
	if want := "writing " + path + ": write: no space left on device"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if strings.Contains(err.Error(), filepath.Base(tmpName)) {
		t.Errorf("error %q names the temporary file %s", err, tmpName)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("%d files left after the failed write", len(entries))
	}
}

// TestWriteKeepsTheReplacedFilesMode replaces a private file: the new
// content keeps its mode, and the temporary file is never readable by more
// users than the file it replaces.
func TestWriteKeepsTheReplacedFilesMode(t *testing.T) {
	for _, mode := range []os.FileMode{0o600, 0o640, 0o444} {
		path := filepath.Join(t.TempDir(), "secret.json")
		if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		err := Write(path, func(w io.Writer) error {
			info, err := w.(*os.File).Stat()
			if err != nil {
				return err
			}
			if extra := info.Mode().Perm() &^ mode; extra != 0 {
				t.Errorf("replacing a %v file: the temporary file has mode %v, granting %v beyond it", mode, info.Mode().Perm(), extra)
			}
			_, err = w.Write([]byte("new"))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != mode {
			t.Errorf("replacing a %v file left mode %v", mode, got)
		}
	}
}
