package parallel

import (
	"sync"
	"testing"
)

// TestForCoversEachIndexOnce checks that the ranges For hands out are
// disjoint and cover [0, n), for sizes below, at and above the worker count
// and grains that force inline and split runs.
func TestForCoversEachIndexOnce(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 7, 64, 1001} {
		for _, grain := range []int{0, 1, 5, 1000} {
			var mu sync.Mutex
			seen := make([]int, n)
			For(n, grain, func(lo, hi int) {
				mu.Lock()
				defer mu.Unlock()
				for i := lo; i < hi; i++ {
					seen[i]++
				}
			})
			for i, c := range seen {
				if c != 1 {
					t.Fatalf("n %d grain %d: index %d covered %d times", n, grain, i, c)
				}
			}
		}
	}
}

// TestForCarriesAWorkerPanicToTheCaller: a panic in a range run on a worker
// goroutine is raised in the calling goroutine, where it can be recovered,
// once every range has returned.
func TestForCarriesAWorkerPanicToTheCaller(t *testing.T) {
	if workers < 2 {
		t.Skip("one worker: every range runs on the calling goroutine")
	}
	var mu sync.Mutex
	done := 0
	got := func() (v any) {
		defer func() { v = recover() }()
		For(workers, 1, func(lo, hi int) {
			mu.Lock()
			done++
			mu.Unlock()
			if lo > 0 {
				panic("from a worker")
			}
		})
		return nil
	}()
	if got != "from a worker" {
		t.Errorf("recovered %v, want the worker's panic", got)
	}
	if done != workers {
		t.Errorf("%d of %d ranges ran before the panic was raised", done, workers)
	}
}
