package checkpoint

import (
	"sync"
	"unsafe"

	"github.com/aim-go/aim/internal/parallel"
)

// halfLayout is where a 16-bit format keeps its exponent and fraction.
type halfLayout struct {
	exp, frac uint16
}

// halfLayouts are the 16-bit dtypes HalfView serves.
var halfLayouts = map[string]halfLayout{
	"BF16": {0x7f80, 0x007f},
	"F16":  {0x7c00, 0x03ff},
}

// CountNonFiniteHalf is CountNonFinite for 16-bit values of a BF16 or F16
// tensor (dtype as in the file), on every core for a large tensor. It
// panics on another dtype.
func CountNonFiniteHalf(name, dtype string, bits []uint16) NonFiniteTensor {
	l, ok := halfLayouts[dtype]
	if !ok {
		panic("checkpoint: CountNonFiniteHalf of dtype " + dtype)
	}
	var mu sync.Mutex
	t := NonFiniteTensor{Name: name, Len: len(bits)}
	parallel.For(len(bits), convertGrain, func(lo, hi int) {
		nan, inf := l.countNonFinite(bits[lo:hi])
		mu.Lock()
		t.NaN, t.Inf = t.NaN+nan, t.Inf+inf
		mu.Unlock()
	})
	return t
}

// countNonFinite counts the NaN and infinite values of bits, after a quick
// test for the common case of none.
func (l halfLayout) countNonFinite(bits []uint16) (nan, inf int) {
	if !l.hasNonFinite(bits) {
		return 0, 0
	}
	for _, h := range bits {
		if h&l.exp == l.exp {
			if h&l.frac != 0 {
				nan++
			} else {
				inf++
			}
		}
	}
	return nan, inf
}

// hasNonFinite reports whether any value has an all-ones exponent, testing
// four values per 64-bit word where the values are aligned for it: adding
// the exponent's lowest bit to a value's exponent bits carries into its
// top (sign) bit only when they are all ones, and never into the next
// value.
func (l halfLayout) hasNonFinite(bits []uint16) bool {
	const lanes = 0x0001000100010001
	mask, one, top := lanes*uint64(l.exp), lanes*uint64(l.exp&-l.exp), lanes*uint64(0x8000)
	i := 0
	for ; i < len(bits) && uintptr(unsafe.Pointer(&bits[i]))%8 != 0; i++ {
		if bits[i]&l.exp == l.exp {
			return true
		}
	}
	if words := (len(bits) - i) / 4; words > 0 {
		w := unsafe.Slice((*uint64)(unsafe.Pointer(&bits[i])), words)
		for _, x := range w {
			if (x&mask+one)&top != 0 {
				return true
			}
		}
		i += 4 * words
	}
	for ; i < len(bits); i++ {
		if bits[i]&l.exp == l.exp {
			return true
		}
	}
	return false
}
