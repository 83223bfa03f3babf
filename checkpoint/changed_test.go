//go:build unix

package checkpoint

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aim-go/aim/internal/parallel"
)

// writeLarge writes a checkpoint of one F32 tensor of many pages, so that
// truncating the file leaves mapped pages without a file behind them.
func writeLarge(t *testing.T) string {
	t.Helper()
	const n = 1 << 16
	path := filepath.Join(t.TempDir(), "large.safetensors")
	f := &File{Tensors: map[string]Tensor{"a": {Shape: []int{n}, Data: seq(n)}}}
	if err := Write(path, f); err != nil {
		t.Fatal(err)
	}
	return path
}

// wantChanged checks that err is a *ChangedError naming path and saying
// how, with how among its words.
func wantChanged(t *testing.T, err error, path, how string) {
	t.Helper()
	var ce *ChangedError
	if !errors.As(err, &ce) || ce.Path != path || !strings.Contains(err.Error(), path+" changed while in use") || !strings.Contains(ce.How, how) {
		t.Fatalf("error %v; want a *ChangedError naming %s, saying %q", err, path, how)
	}
}

// TestMappedFileTruncatedBeforeARead: converting a tensor of a file that
// has been truncated since Open is an error naming the file, not a SIGBUS.
func TestMappedFileTruncatedBeforeARead(t *testing.T) {
	path := writeLarge(t)
	m, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Check(); err != nil {
		t.Fatalf("an untouched file: %v", err)
	}
	if err := os.Truncate(path, 100); err != nil {
		t.Fatal(err)
	}
	_, err = m.Lookup("a", 1<<16)
	wantChanged(t, err, path, "now 100 bytes long")
}

// TestMappedFileWrittenInPlace: a file of the same size written in place
// (a later modification time) is reported as changed; one replaced by a
// rename is not, as the mapping keeps the old file.
func TestMappedFileWrittenInPlace(t *testing.T) {
	path := writeLarge(t)
	m, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	replacement := writeLarge(t)
	if err := os.Rename(replacement, path); err != nil {
		t.Fatal(err)
	}
	if err := m.Check(); err != nil {
		t.Errorf("after a rename over the file: %v", err)
	}

	m2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	wantChanged(t, m2.Check(), path, "it was written at")
}

// TestUseAbsorbsATruncationDuringTheRead: a file truncated while Use's
// function reads it, on the calling goroutine and on parallel loops, gives
// an error naming the file rather than ending the process.
func TestUseAbsorbsATruncationDuringTheRead(t *testing.T) {
	path := writeLarge(t)
	m, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	v, ok := m.View("a")
	if !ok {
		t.Fatal("no view")
	}
	var sum atomic.Uint32 // keeps the reads
	err = m.Use(func() error {
		if err := os.Truncate(path, 0); err != nil {
			return err
		}
		parallel.For(len(v), 1024, func(lo, hi int) {
			for _, x := range v[lo:hi] {
				sum.Add(math.Float32bits(x))
			}
		})
		for _, x := range v {
			sum.Add(math.Float32bits(x))
		}
		return nil
	})
	wantChanged(t, err, path, "reading byte")
	if err := m.Close(); err != nil {
		t.Errorf("closing: %v", err)
	}
	if err := m.Check(); err == nil || !strings.Contains(err.Error(), "is closed") {
		t.Errorf("Check after Close: %v", err)
	}
}
