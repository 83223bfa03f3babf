package bench

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// sink keeps the test's allocation alive, so that it counts towards the peak.
var sink []byte

func TestPeakRSS(t *testing.T) {
	switch runtime.GOOS {
	case "linux", "darwin", "windows", "freebsd", "netbsd", "openbsd", "dragonfly":
	default:
		if got := peakRSS(); got != 0 {
			t.Fatalf("peakRSS() = %v on %s, want 0 (not measured)", got, runtime.GOOS)
		}
		t.Skipf("the peak resident memory is not measured on %s", runtime.GOOS)
	}
	// Touch 64 MiB, so the peak is at least that (a unit mistake of 1024 either way
	// lands far outside [64 MiB, 1 TiB]).
	sink = make([]byte, 64<<20)
	for i := range sink {
		sink[i] = byte(i)
	}
	got := peakRSS()
	if got < 64 || got > 1<<20 {
		t.Fatalf("peakRSS() = %v MiB after touching 64 MiB, want between 64 MiB and 1 TiB", got)
	}
	if runtime.GOOS != "linux" {
		return
	}
	// On Linux, ru_maxrss is the same figure as /proc/self/status's VmHWM (in kB).
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status to compare with: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmHWM:" && f[2] == "kB" {
			kb, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", f[1], err)
			}
			if hwm := kb / 1024; got < hwm*0.9 || got > hwm*1.1+1 {
				t.Errorf("peakRSS() = %v MiB, /proc/self/status VmHWM = %v MiB", got, hwm)
			}
			return
		}
	}
	t.Skip("/proc/self/status has no VmHWM line")
}
