package checkpoint

import "unsafe"

// unsafeAddr returns the address of the first byte of b (b not empty).
func unsafeAddr(b []byte) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(b)) }
