//go:build unix

package sysmem

import "golang.org/x/sys/unix"

// rlimitAS returns the soft RLIMIT_AS, and false when it is unlimited or
// cannot be read.
func rlimitAS() (uint64, bool) {
	var r unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_AS, &r); err != nil || r.Cur == unix.RLIM_INFINITY {
		return 0, false
	}
	return r.Cur, true
}
