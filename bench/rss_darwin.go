//go:build darwin

package bench

import "syscall"

// peakRSS returns the process's peak resident memory in MiB, or 0 when it
// cannot be read. On macOS getrusage's ru_maxrss is in bytes, not kilobytes.
func peakRSS() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / (1 << 20)
}
