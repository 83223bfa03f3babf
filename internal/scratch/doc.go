// Package scratch keeps large work buffers between the calls that use them.
// Go's collector would otherwise free a large per-call buffer and its
// scavenger hand the pages back to the operating system, so that the next
// call faults in fresh, zeroed pages: in AIM-0.6B's batch-1 feature pass
// the attention scores' buffers alone cost 6% of its CPU time that way, and
// on a virtual machine whose host reclaims freed memory a fresh page costs
// microseconds.
package scratch
