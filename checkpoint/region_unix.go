//go:build unix

package checkpoint

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/aim-go/aim/internal/fault"
)

// region is the memory of an open file. The file stays open, so that its
// size and modification time tell whether it has changed since it was
// mapped, and the mapping is watched for faults (internal/fault). A region
// of bytes alone (no file) is memory that cannot change.
type region struct {
	bytes []byte
	file  *os.File
	size  int64
	mtime time.Time
	watch *fault.Region
}

// mapFile maps size bytes of f privately: the pages are read from the file
// on first use and copied on write, and the Go heap never holds them. The
// region owns f from then on.
func mapFile(f *os.File, size int64) (*region, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	b, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE)
	if err != nil {
		return nil, err
	}
	return &region{bytes: b, file: f, size: info.Size(), mtime: info.ModTime(), watch: fault.Watch(b)}, nil
}

// guard lets a fault in the mapping be recorded rather than raised, until
// the returned function is called (fault.Region.Guard).
func (r *region) guard() (end func()) {
	if r.watch == nil {
		return func() {}
	}
	return r.watch.Guard()
}

// changed says how the file differs from what was mapped — a fault
// recorded in the mapping, another size or modification time — or "" when
// it does not.
func (r *region) changed() string {
	if r.file == nil {
		return ""
	}
	if off, ok := r.watch.Fault(); ok {
		return fmt.Sprintf("reading byte %d of it failed, as it is now shorter", off)
	}
	info, err := r.file.Stat()
	switch {
	case err != nil:
		return err.Error()
	case info.Size() != r.size:
		return fmt.Sprintf("it is now %d bytes long, not %d", info.Size(), r.size)
	case !info.ModTime().Equal(r.mtime):
		return fmt.Sprintf("it was written at %s", info.ModTime().Format(time.RFC3339Nano))
	}
	return ""
}

// release drops the whole pages inside b from resident memory.
func (r *region) release(b []byte) {
	page := uintptr(os.Getpagesize())
	base := uintptr(unsafeAddr(r.bytes))
	start := uintptr(unsafeAddr(b)) - base
	end := start + uintptr(len(b))
	start = (start + page - 1) / page * page
	end = end / page * page
	if end > start {
		_ = unix.Madvise(r.bytes[start:end], unix.MADV_DONTNEED)
	}
}

// prefetch maps the pages of b in at once, ahead of reading them (Linux
// 5.14's MADV_POPULATE_READ; elsewhere, or on older kernels, a no-op): one
// call instead of a page fault per 64 KB.
func (r *region) prefetch(b []byte) {
	page := uintptr(os.Getpagesize())
	base := uintptr(unsafeAddr(r.bytes))
	start := (uintptr(unsafeAddr(b)) - base) / page * page
	end := min(uintptr(unsafeAddr(b))-base+uintptr(len(b)), uintptr(len(r.bytes)))
	if end > start {
		_ = unix.Madvise(r.bytes[start:end], madvPopulateRead)
	}
}

func (r *region) close() error {
	if r.file == nil {
		return nil
	}
	r.watch.Close()
	err := unix.Munmap(r.bytes)
	if cerr := r.file.Close(); err == nil {
		err = cerr
	}
	return err
}
