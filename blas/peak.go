package blas

import (
	"runtime"
	"sync"
	"time"
)

// PeakGFLOPS measures the CPU's peak float32 rate: AVX-512 FMAs in 24
// independent chains, no memory, on GOMAXPROCS goroutines at once — the
// ceiling that other GFLOP/s figures are read against. It is the best of
// five runs of about 4 ms each, and 0 on CPUs without AVX-512, where it is
// not measured (and when AIM_ISA caps the kernels below AVX-512).
func PeakGFLOPS() float64 {
	if !hasNTKernel() {
		return 0
	}
	const steps = 1 << 20 // 768 flops each
	cores := runtime.GOMAXPROCS(0)
	best := 0.0
	for range 5 {
		start := time.Now()
		fmaPeakOn(cores, steps)
		best = max(best, float64(cores)*steps*768/time.Since(start).Seconds()/1e9)
	}
	return best
}

// fmaPeakOn runs fmaPeak(steps) on cores goroutines at once.
func fmaPeakOn(cores, steps int) {
	var wg sync.WaitGroup
	for range cores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fmaPeak(steps)
		}()
	}
	wg.Wait()
}
