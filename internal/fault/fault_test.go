package fault

import (
	"errors"
	"testing"
	"unsafe"
)

// fakeFault is a panic value like the runtime's for a fault at addr.
type fakeFault uintptr

func (f fakeFault) Addr() uintptr { return uintptr(f) }

// TestAbsorbOnlyGuardedFaultsInside: a fault is absorbed, and recorded
// with its offset, only inside a watched region while it is guarded; other
// panic values, faults elsewhere and faults after Close are not.
func TestAbsorbOnlyGuardedFaultsInside(t *testing.T) {
	mem := make([]byte, 4096)
	base := uintptr(unsafe.Pointer(&mem[0]))
	r := Watch(mem)
	defer r.Close()
	if Absorb(fakeFault(base + 100)) {
		t.Error("a fault in an unguarded region was absorbed")
	}
	end := r.Guard()
	if Absorb(errors.New("boom")) || Absorb("boom") {
		t.Error("a panic that is no fault was absorbed")
	}
	if Absorb(fakeFault(base + 4096)) {
		t.Error("a fault just past the region was absorbed")
	}
	if _, ok := r.Fault(); ok {
		t.Error("a fault recorded before any fault inside")
	}
	if !Absorb(fakeFault(base+100)) || !Absorb(fakeFault(base+200)) {
		t.Fatal("a fault inside a guarded region was not absorbed")
	}
	if off, ok := r.Fault(); !ok || off != 100 {
		t.Errorf("Fault() = %d, %v; want the first fault's offset 100", off, ok)
	}
	end()
	if Absorb(fakeFault(base + 100)) {
		t.Error("a fault absorbed after the guard ended")
	}
	end = r.Guard()
	defer end()
	r.Close()
	if Absorb(fakeFault(base + 100)) {
		t.Error("a fault absorbed after Close")
	}
}
