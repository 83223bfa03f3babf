// Package offheap allocates large float32 buffers outside the Go heap, so
// that model weights neither count towards the garbage collector's pacing
// (which would let the heap grow to twice their size before a collection)
// nor get scanned. Where the system offers no anonymous mapping, the
// buffers come from the Go heap. Reserved gives address space that no
// memory backs and that faults when touched: the stand-in for a tensor
// whose values are held in another form (16-bit weights used in place).
// HugeSlice, for buffers that do belong on the Go heap, aligns large ones
// for transparent huge pages.
package offheap
