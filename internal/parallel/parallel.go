package parallel

import (
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/aim-go/aim/internal/fault"
)

// workers is the number of goroutines a loop is split into.
var workers = runtime.GOMAXPROCS(0)

// For calls body(lo, hi) on disjoint ranges that together cover [0, n). It
// runs the ranges on up to GOMAXPROCS goroutines, the calling one among
// them, when each range gets at least grain items, and inline otherwise.
// A panic of any range is raised in the calling goroutine after every
// range has returned (see the package documentation for faults).
func For(n, grain int, body func(lo, hi int)) {
	if grain < 1 {
		grain = 1
	}
	w := workers
	if max := n / grain; max < w {
		w = max
	}
	if w <= 1 {
		runInline(body, 0, n)
		return
	}
	var l loop
	defer l.raise()
	var wg sync.WaitGroup
	chunk := (n + w - 1) / w
	for lo := chunk; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			debug.SetPanicOnFault(true)
			l.run(body, lo, hi)
		}(lo, hi)
	}
	l.runHere(body, 0, min(chunk, n)) // the calling goroutine takes the first range
	wg.Wait()
}

// runInline calls body(lo, hi) on the calling goroutine, whose fault
// setting it restores, and raises again what body raises unless fault
// absorbs it.
func runInline(body func(lo, hi int), lo, hi int) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if v := recover(); v != nil && !fault.Absorb(v) {
			panic(v)
		}
	}()
	body(lo, hi)
}

// loop is one call of For: the first panic of its ranges that was not an
// absorbed fault.
type loop struct {
	once   sync.Once
	value  any
	failed bool
}

// run calls body(lo, hi) and keeps what it raises, unless fault absorbs it.
func (l *loop) run(body func(lo, hi int), lo, hi int) {
	defer func() {
		if v := recover(); v != nil && !fault.Absorb(v) {
			l.once.Do(func() { l.value, l.failed = v, true })
		}
	}()
	body(lo, hi)
}

// runHere is run on the calling goroutine, whose fault setting it restores.
func (l *loop) runHere(body func(lo, hi int), lo, hi int) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	l.run(body, lo, hi)
}

// raise raises the kept panic, if any, in the calling goroutine.
func (l *loop) raise() {
	if l.failed {
		panic(l.value)
	}
}
