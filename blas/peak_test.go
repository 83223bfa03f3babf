package blas

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/pkg/errors"
)

// maxFLOPPerCycle is the most float32 FLOPs one core retires per cycle on
// the loop PeakGFLOPS runs: two 512-bit FMA units, 16 lanes each, a
// multiply and an add per lane (Skylake-X and later Xeons, Zen 5); CPUs
// with one unit, or 512-bit FMAs split in two (Zen 4), do half.
const maxFLOPPerCycle = 2 * 16 * 2

// Margins over the clock read, for the boost above it that the source may
// not report: cpuinfo_max_freq is the top boost clock under most drivers,
// but the highest non-boost P-state under some (acpi-cpufreq on AMD);
// /proc/cpuinfo's "cpu MHz" may be the nominal clock (a virtual machine's
// is), which boost can exceed by 2× on laptop parts.
const (
	cpufreqMargin = 1.75
	cpuinfoMargin = 2.5
)

// TestPeakGFLOPS checks that the peak is measured on AVX-512 CPUs, and is
// a rate this CPU can have: above 0 and at most what its cores could do at
// their top clock. There is no lower bound beyond 0, as a loaded machine
// may run the loop arbitrarily slowly; the upper bound catches a loop that
// did not run or FLOPs counted wrong.
func TestPeakGFLOPS(t *testing.T) {
	got := PeakGFLOPS()
	if !hasNTKernel() {
		if got != 0 {
			t.Fatalf("PeakGFLOPS() = %v without AVX-512, want 0", got)
		}
		return
	}
	if !(got > 0) {
		t.Fatalf("PeakGFLOPS() = %v, want a positive rate", got)
	}
	bound, why, err := peakBound()
	if err != nil {
		t.Logf("PeakGFLOPS() = %.0f GFLOP/s; no upper bound checked: %v", got, err)
		return
	}
	t.Logf("PeakGFLOPS() = %.0f GFLOP/s, bound %.0f (%s)", got, bound, why)
	if got > bound {
		t.Fatalf("PeakGFLOPS() = %.0f GFLOP/s, more than this CPU can do: %.0f (%s)", got, bound, why)
	}
}

// peakBound is the most GFLOP/s PeakGFLOPS can measure here: the cores it
// runs on × maxFLOPPerCycle × the top clock with its margin, and how that
// was reckoned.
func peakBound() (gflops float64, why string, err error) {
	cores := min(runtime.GOMAXPROCS(0), runtime.NumCPU())
	ghz, margin, source, err := topClock()
	if err != nil {
		return 0, "", err
	}
	bound := float64(cores) * maxFLOPPerCycle * ghz * margin
	why = fmt.Sprintf("%d cores × %d FLOP/cycle × %.2f GHz from %s × margin %.2f", cores, maxFLOPPerCycle, ghz, source, margin)
	return bound, why, nil
}

// topClock reads the highest clock of the machine's CPUs in GHz, with the
// margin its source needs: cpufreq's cpuinfo_max_freq where Linux exposes
// it, else the largest "cpu MHz" of /proc/cpuinfo.
func topClock() (ghz, margin float64, source string, err error) {
	if khz, err := maxCPUFreqKHz("/sys/devices/system/cpu/cpu*/cpufreq/cpuinfo_max_freq"); err == nil {
		return khz / 1e6, cpufreqMargin, "cpuinfo_max_freq", nil
	}
	mhz, err := maxCPUInfoMHz("/proc/cpuinfo")
	if err != nil {
		return 0, 0, "", errors.Wrap(err, "no cpufreq cpuinfo_max_freq and no cpu MHz in /proc/cpuinfo")
	}
	return mhz / 1e3, cpuinfoMargin, `/proc/cpuinfo "cpu MHz"`, nil
}

// maxCPUFreqKHz is the largest positive value of the files the glob
// matches, in kHz.
func maxCPUFreqKHz(glob string) (float64, error) {
	files, _ := filepath.Glob(glob)
	best := 0.0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64); err == nil && v > best {
			best = v
		}
	}
	if best <= 0 {
		return 0, errors.Errorf("no readable value in %s", glob)
	}
	return best, nil
}

// maxCPUInfoMHz is the largest positive "cpu MHz" of a /proc/cpuinfo file.
func maxCPUInfoMHz(path string) (float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, errors.Wrap(err, "reading the CPU clock")
	}
	defer f.Close()
	best := 0.0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || strings.TrimSpace(key) != "cpu MHz" {
			continue
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil && v > best {
			best = v
		}
	}
	if err := sc.Err(); err != nil {
		return 0, errors.Wrapf(err, "reading %s", path)
	}
	if best <= 0 {
		return 0, errors.Errorf("%s: no cpu MHz line", path)
	}
	return best, nil
}
