// Package parallel splits loops over rows across the machine's cores.
//
// The ranges of a loop may read memory that faults: a file mapped into
// memory that is truncated under it (see internal/fault). Every goroutine
// of a loop, the calling one among them, runs its range with
// debug.SetPanicOnFault set and recovers what it raises: a fault in a
// region that its user guards is recorded there and the range ends; any
// other panic is carried back to the calling goroutine and raised there
// once every range has returned, where a panic of a worker goroutine would
// otherwise end the process beyond any recover.
package parallel
