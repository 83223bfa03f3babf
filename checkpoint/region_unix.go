//go:build unix

package checkpoint

import (
	"os"

	"golang.org/x/sys/unix"
)

// region is the memory of an open file.
type region struct {
	bytes []byte
}

// mapFile maps size bytes of f privately: the pages are read from the file
// on first use and copied on write, and the Go heap never holds them.
func mapFile(f *os.File, size int64) (*region, error) {
	b, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE)
	if err != nil {
		return nil, err
	}
	return &region{bytes: b}, nil
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

func (r *region) close() error { return unix.Munmap(r.bytes) }
