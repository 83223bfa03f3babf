package offheap

import "unsafe"

// hugePage is the size of a transparent huge page on the CPUs this is
// meant for (x86-64, and arm64 with 4 KB base pages).
const hugePage = 2 << 20

// HugeSlice returns a zeroed slice of n values on the Go heap. When it
// spans at least a huge page it starts on a 2 MB boundary and, on Linux,
// the kernel is asked to back it with transparent huge pages: a fresh
// buffer then costs one page fault per 2 MB instead of one per 4 KB when
// it is first written, which matters on virtual machines, where a fault
// costs microseconds (the activations of a large model's first pass).
// The advice is a hint; where huge pages are off it changes nothing.
func HugeSlice[T any](n int) []T {
	var zero T
	size := unsafe.Sizeof(zero)
	if size == 0 || uintptr(n)*size < hugePage {
		return make([]T, n)
	}
	pad := int(hugePage / size)
	raw := make([]T, n+pad)
	start := uintptr(unsafe.Pointer(unsafe.SliceData(raw)))
	skip := int(((start+hugePage-1)&^(hugePage-1) - start) / size)
	buf := raw[skip : skip+n : skip+n]
	adviseHuge(unsafe.Pointer(unsafe.SliceData(buf)), (uintptr(n)*size)&^(hugePage-1))
	return buf
}
