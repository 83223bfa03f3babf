//go:build !linux

package offheap

import "unsafe"

// adviseHuge does nothing where the kernel has no transparent huge pages
// to ask for.
func adviseHuge(unsafe.Pointer, uintptr) {}
