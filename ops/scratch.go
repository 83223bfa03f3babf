package ops

import "sync"

// scratchList is a free list of work buffers that outlive the call using
// them. Go's collector would otherwise free a large per-call buffer and its
// scavenger hand the pages back to the operating system, so that the next
// call faults in fresh, zeroed pages: in AIM-0.6B's batch-1 feature pass the
// attention scores' buffers alone cost 6% of its CPU time that way. The list
// holds at most as many buffers as were ever in use at once (one per worker);
// a sync.Pool would not do, as it drops its contents at every collection.
type scratchList[T Float] struct {
	mu   sync.Mutex
	free [][]T
}

var (
	scratch32 scratchList[float32]
	scratch64 scratchList[float64]
)

// scratchFor returns the free list for buffers of T: nil, which allocates
// every time, for types other than float32 and float64.
func scratchFor[T Float]() *scratchList[T] {
	if l, ok := any(&scratch32).(*scratchList[T]); ok {
		return l
	}
	l, _ := any(&scratch64).(*scratchList[T])
	return l
}

// get returns a buffer of n values (their contents are arbitrary).
func (l *scratchList[T]) get(n int) []T {
	if l == nil {
		return make([]T, n)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, b := range l.free {
		if cap(b) >= n {
			last := len(l.free) - 1
			l.free[i], l.free[last] = l.free[last], nil
			l.free = l.free[:last]
			return b[:n]
		}
	}
	return make([]T, n)
}

// put returns a buffer to the list for later calls.
func (l *scratchList[T]) put(b []T) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.free = append(l.free, b)
}
