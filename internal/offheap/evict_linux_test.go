package offheap

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// An evicted buffer gives its pages back (they are no longer resident) and
// comes back usable, zeroed, from Restore.
func TestEvictGivesThePagesBack(t *testing.T) {
	const n = 1 << 20 // 4 MB
	buf, release, err := Float32s(n)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	for i := range buf {
		buf[i] = 1
	}
	if r := resident(t, buf); r == 0 {
		t.Fatal("no page of a written buffer is resident: mincore does not tell")
	}
	if !Evict(buf) {
		t.Skip("no eviction on this system")
	}
	if r := resident(t, buf); r != 0 {
		t.Errorf("%d pages of the evicted buffer are still resident", r)
	}
	if err := Restore(buf); err != nil {
		t.Fatal(err)
	}
	if buf[0] != 0 || buf[n-1] != 0 {
		t.Errorf("a restored buffer holds %v … %v, want zeros", buf[0], buf[n-1])
	}
	buf[n-1] = 2
	if buf[n-1] != 2 {
		t.Error("a restored buffer does not keep a value")
	}
}

// resident counts the pages of buf in memory (mincore).
func resident(t *testing.T, buf []float32) int {
	t.Helper()
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(buf))), 4*len(buf))
	vec := make([]byte, (len(b)+unix.Getpagesize()-1)/unix.Getpagesize())
	_, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)), uintptr(unsafe.Pointer(unsafe.SliceData(vec))))
	if errno != 0 {
		t.Fatal(errno)
	}
	n := 0
	for _, v := range vec {
		n += int(v & 1)
	}
	return n
}
