//go:build !(linux || freebsd || netbsd || openbsd || dragonfly || darwin || windows)

package bench

// peakRSS returns 0: the peak resident memory is not measured on this
// platform, and a report's peak_rss_mb is 0 there.
func peakRSS() float64 { return 0 }
