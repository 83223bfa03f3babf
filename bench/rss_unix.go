//go:build linux || freebsd || netbsd || openbsd || dragonfly

package bench

import "syscall"

// peakRSS returns the process's peak resident memory in MiB, or 0 when it
// cannot be read. getrusage's ru_maxrss is in kilobytes on Linux and the BSDs.
func peakRSS() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024
}
