// Package parallel splits loops over rows across the machine's cores.
package parallel

import (
	"runtime"
	"sync"
)

// workers is the number of goroutines a loop is split into.
var workers = runtime.GOMAXPROCS(0)

// For calls body(lo, hi) on disjoint ranges that together cover [0, n). It
// runs the ranges on up to GOMAXPROCS goroutines, the calling one among
// them, when each range gets at least grain items, and inline otherwise.
func For(n, grain int, body func(lo, hi int)) {
	if grain < 1 {
		grain = 1
	}
	w := workers
	if max := n / grain; max < w {
		w = max
	}
	if w <= 1 {
		body(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + w - 1) / w
	for lo := chunk; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			body(lo, hi)
		}(lo, hi)
	}
	body(0, min(chunk, n)) // the calling goroutine takes the first range
	wg.Wait()
}
