// Package fault keeps a memory fault in memory that may fault — a file
// mapped into memory, which faults (SIGBUS) once the file is truncated
// under it — from ending the process: while such a region is guarded, a
// goroutine that reads it with debug.SetPanicOnFault set and recovers the
// panic hands it to Absorb, which records it on the region, and the
// region's user, having guarded it, finds the record with Fault once the
// work is done and reports it as an error.
//
// internal/parallel does this for every range of a loop, so that code
// reading mapped memory through parallel.For — the model's kernels, the
// conversion of a mapped checkpoint's tensors — is covered wherever it
// runs. Code that runs outside Go (a C BLAS library) or on goroutines of
// its own (gonum's BLAS) is not: a fault there still ends the process.
package fault
