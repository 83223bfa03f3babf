package scratch

import "sync"

// List is a free list of buffers of T. It holds at most as many buffers as
// were ever in use at once (one per worker); a sync.Pool would not do, as it
// drops its contents at every collection. The zero List is ready to use; a
// nil *List allocates every time.
type List[T any] struct {
	mu   sync.Mutex
	free [][]T
}

// Get returns a buffer of n values (their contents are arbitrary).
func (l *List[T]) Get(n int) []T {
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

// Put returns a buffer to the list for later calls.
func (l *List[T]) Put(b []T) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.free = append(l.free, b)
}
