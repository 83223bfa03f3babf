//go:build !unix

package sysmem

// rlimitAS reports no address-space limit where the system has none.
func rlimitAS() (uint64, bool) { return 0, false }
