package offheap

// Float32s returns a zeroed buffer of n values and the function that
// releases it; the buffer must not be used after release.
func Float32s(n int) (buf []float32, release func(), err error) {
	if n == 0 {
		return nil, func() {}, nil
	}
	return alloc(n)
}

// Reserved returns n float32 values of address space that no memory backs
// and no access is allowed to (any read or write faults), and the function
// that releases it: a stand-in for a tensor whose values are kept in
// another form (bfloat16 weights used in place), which must exist with its
// shape but never be read. It fails where the system cannot reserve address
// space.
func Reserved(n int) (buf []float32, release func(), err error) {
	if n == 0 {
		return nil, func() {}, nil
	}
	return reserve(n)
}

// Evict gives the memory of a buffer from Float32s back to the system while
// keeping its addresses, which no access is allowed to (any read or write
// faults) until Restore: for a copy that is needed only if ever read again
// and can then be made anew. It reports false where the buffer could not
// be evicted (it then stays as it was) and where the system has no such
// call.
func Evict(buf []float32) bool {
	if len(buf) == 0 {
		return false
	}
	return evict(buf)
}

// Restore makes an evicted buffer accessible again, holding zeros.
func Restore(buf []float32) error {
	if len(buf) == 0 {
		return nil
	}
	return restore(buf)
}
