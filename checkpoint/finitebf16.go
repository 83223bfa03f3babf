package checkpoint

import (
	"sync"
	"unsafe"

	"github.com/aim-go/aim/internal/parallel"
)

// CountNonFiniteBF16 is CountNonFinite for bfloat16 values (the top 16 bits
// of float32 ones), on every core for a large tensor.
func CountNonFiniteBF16(name string, bits []uint16) NonFiniteTensor {
	var mu sync.Mutex
	t := NonFiniteTensor{Name: name, Len: len(bits)}
	parallel.For(len(bits), convertGrain, func(lo, hi int) {
		nan, inf := countNonFiniteBF16(bits[lo:hi])
		mu.Lock()
		t.NaN, t.Inf = t.NaN+nan, t.Inf+inf
		mu.Unlock()
	})
	return t
}

// bf16Exp and bf16Frac are the exponent and fraction bits of a bfloat16.
const bf16Exp, bf16Frac = 0x7f80, 0x007f

// countNonFiniteBF16 counts the NaN and infinite values of bits, after a
// quick test for the common case of none.
func countNonFiniteBF16(bits []uint16) (nan, inf int) {
	if !hasNonFiniteBF16(bits) {
		return 0, 0
	}
	for _, h := range bits {
		if h&bf16Exp == bf16Exp {
			if h&bf16Frac != 0 {
				nan++
			} else {
				inf++
			}
		}
	}
	return nan, inf
}

// hasNonFiniteBF16 reports whether any value has an all-ones exponent,
// testing four values per 64-bit word where the values are aligned for it:
// adding 0x0080 to a value's exponent bits carries into its top bit only
// when they are all ones, and never into the next value.
func hasNonFiniteBF16(bits []uint16) bool {
	const mask, one, top = 0x7f807f807f807f80, 0x0080008000800080, 0x8000800080008000
	i := 0
	for ; i < len(bits) && uintptr(unsafe.Pointer(&bits[i]))%8 != 0; i++ {
		if bits[i]&bf16Exp == bf16Exp {
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
		if bits[i]&bf16Exp == bf16Exp {
			return true
		}
	}
	return false
}
