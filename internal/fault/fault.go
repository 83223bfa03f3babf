package fault

import (
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Region is watched memory: a fault inside it while it is guarded is
// recorded, not raised.
type Region struct {
	lo, hi uintptr
	guards atomic.Int64
	first  atomic.Uintptr // the address of the first fault recorded; 0: none
}

// watched lists the regions of Watch not yet closed.
var watched struct {
	sync.RWMutex
	regions []*Region
}

// Watch starts watching the memory of b (which must not be empty).
func Watch(b []byte) *Region {
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	r := &Region{lo: lo, hi: lo + uintptr(len(b))}
	watched.Lock()
	watched.regions = append(watched.regions, r)
	watched.Unlock()
	return r
}

// Close stops watching the region; call it before its memory is unmapped.
func (r *Region) Close() {
	watched.Lock()
	watched.regions = slices.DeleteFunc(watched.regions, func(w *Region) bool { return w == r })
	watched.Unlock()
}

// Guard marks the region as read by code that will check Fault when done;
// the returned function ends the guard. Guards nest.
func (r *Region) Guard() (end func()) {
	r.guards.Add(1)
	return func() { r.guards.Add(-1) }
}

// Fault returns the offset into the region of the first fault recorded,
// and whether there was one.
func (r *Region) Fault() (offset int64, ok bool) {
	addr := r.first.Load()
	if addr == 0 {
		return 0, false
	}
	return int64(addr - r.lo), true
}

// addresser is the panic value of a memory fault under
// debug.SetPanicOnFault: a runtime.Error with the faulting address.
type addresser interface{ Addr() uintptr }

// Absorb reports whether the recovered panic value v is a memory fault
// inside a guarded region, and records it there if so. Anything else —
// another panic, a fault elsewhere, a fault in a region nobody guards — is
// not absorbed and should be raised again.
func Absorb(v any) bool {
	f, ok := v.(addresser)
	if !ok {
		return false
	}
	addr := f.Addr()
	watched.RLock()
	defer watched.RUnlock()
	for _, r := range watched.regions {
		if addr >= r.lo && addr < r.hi && r.guards.Load() > 0 {
			r.first.CompareAndSwap(0, addr)
			return true
		}
	}
	return false
}
