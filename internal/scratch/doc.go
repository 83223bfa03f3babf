// Package scratch keeps large work buffers between the calls that use them.
// Go's collector would otherwise free a large per-call buffer and its
// scavenger hand the pages back to the operating system, so that the next
// call faults in fresh, zeroed pages, which on a virtual machine whose host
// reclaims freed memory cost microseconds each (docs/performance.md). A
// List keeps such buffers, one per worker.
package scratch
