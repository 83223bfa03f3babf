package offheap

import "unsafe"

// hugePage is the size of a transparent huge page on the CPUs this is
// meant for (x86-64, and arm64 with 4 KB base pages).
const hugePage = 2 << 20

// HugeSlice returns a zeroed slice of n values on the Go heap and, on
// Linux, asks the kernel to back the whole 2 MB pages inside it with
// transparent huge pages: a fresh buffer then costs one page fault per
// 2 MB instead of one per 4 KB when it is first written, which matters on
// virtual machines, where a fault costs microseconds (the activations of a
// large model's first pass). The slice is not padded for alignment, so it
// costs no more memory than make; only its aligned interior gets the
// advice. The advice is a hint; where huge pages are off it changes
// nothing.
func HugeSlice[T any](n int) []T {
	buf := make([]T, n)
	var zero T
	size := unsafe.Sizeof(zero)
	if size == 0 || uintptr(n)*size < 2*hugePage {
		return buf
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	end := start + uintptr(n)*size
	lo, hi := (start+hugePage-1)&^(hugePage-1), end&^(hugePage-1)
	adviseHuge(unsafe.Add(unsafe.Pointer(unsafe.SliceData(buf)), lo-start), hi-lo)
	return buf
}
