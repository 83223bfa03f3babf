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
