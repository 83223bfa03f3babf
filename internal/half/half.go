// Package half converts 16-bit floating-point values to float32, exactly:
// bfloat16 (the top half of a float32) and IEEE 754 binary16. Both are
// subsets of float32, so no value is rounded.
package half

import "math"

// BF16 widens a bfloat16 value.
func BF16(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// F16 converts an IEEE 754 binary16 value; NaN payloads are kept.
func F16(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	case exp != 0: // normal: rebias the exponent from 15 to 127
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	}
	// Zero or subnormal: mant·2⁻²⁴, exact in float32.
	f := float32(mant) * (1.0 / (1 << 24))
	if sign != 0 {
		f = -f
	}
	return f
}
