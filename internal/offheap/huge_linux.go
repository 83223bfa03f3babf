package offheap

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// adviseHuge asks for transparent huge pages on bytes of memory at p (a
// multiple of the huge page size, starting on a huge page boundary). Its
// failure is harmless: the memory stays in small pages.
func adviseHuge(p unsafe.Pointer, bytes uintptr) {
	if bytes == 0 {
		return
	}
	_ = unix.Madvise(unsafe.Slice((*byte)(p), bytes), unix.MADV_HUGEPAGE)
}
