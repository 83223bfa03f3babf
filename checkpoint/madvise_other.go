//go:build unix && !linux

package checkpoint

// madvPopulateRead is an advice no system but Linux knows: the call fails
// and prefetch does nothing.
const madvPopulateRead = -1
