//go:build linux

package parallel

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/aim-go/aim/internal/fault"
)

// truncatedMapping maps a file of pages pages and truncates it to nothing:
// every read of the mapping then faults (SIGBUS).
func truncatedMapping(t *testing.T, pages int) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mapped")
	size := pages * os.Getpagesize()
	if err := os.WriteFile(path, make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(b) })
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	return b
}

// sink keeps the reads of readPages from being optimised away.
var sink atomic.Int64

// readPages reads one byte of each page of b in ranges of one page.
func readPages(b []byte) {
	page := os.Getpagesize()
	For(len(b)/page, 1, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			sink.Add(int64(b[p*page]))
		}
	})
}

// TestForAbsorbsFaultsInAGuardedRegion: reading a truncated mapping on
// every goroutine of a loop, the calling one included, ends neither the
// process nor the loop's caller; the fault is recorded on the region.
func TestForAbsorbsFaultsInAGuardedRegion(t *testing.T) {
	b := truncatedMapping(t, 4*max(workers, 2))
	r := fault.Watch(b)
	defer r.Close()
	end := r.Guard()
	readPages(b)
	end()
	if off, ok := r.Fault(); !ok || off < 0 || off >= int64(len(b)) {
		t.Errorf("Fault() = %d, %v; want an offset inside the %d bytes", off, ok, len(b))
	}
}

// TestForRaisesUnguardedFaults: a fault nobody guards against is raised in
// the calling goroutine as the runtime's fault panic, and the caller's own
// fault setting is left as it was.
func TestForRaisesUnguardedFaults(t *testing.T) {
	b := truncatedMapping(t, 4*max(workers, 2))
	r := fault.Watch(b)
	defer r.Close()
	got := func() (v any) {
		defer func() { v = recover() }()
		readPages(b)
		return nil
	}()
	if _, ok := got.(interface{ Addr() uintptr }); !ok {
		t.Errorf("recovered %v, want a memory fault", got)
	}
	if _, ok := r.Fault(); ok {
		t.Error("an unguarded fault was recorded")
	}
	if debug.SetPanicOnFault(false) {
		t.Error("For left the caller's SetPanicOnFault on")
	}
}
