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

// ToBF16 rounds v to the nearest bfloat16 value, ties to even; NaNs stay
// NaNs.
func ToBF16(v float32) uint16 {
	u := math.Float32bits(v)
	if v != v {
		return uint16(u>>16) | 0x40 // quiet, so a payload in the low bits is not lost
	}
	u += 0x7fff + (u>>16)&1
	return uint16(u >> 16)
}

// ToF16 rounds v to the nearest binary16 value, ties to even: overflow
// gives an infinity, values below the smallest normal binary16 (2⁻¹⁴) are
// flushed to zero, and NaNs stay NaNs.
func ToF16(v float32) uint16 {
	u := math.Float32bits(v)
	sign, e := uint16(u>>16)&0x8000, int(u>>23&0xff)-127+15
	switch {
	case v != v:
		return sign | 0x7e00
	case e >= 31:
		return sign | 0x7c00
	case e <= 0:
		return sign
	}
	m := u & 0x7fffff
	h := uint32(e)<<10 | m>>13
	if rest := m & 0x1fff; rest > 0x1000 || rest == 0x1000 && h&1 == 1 {
		h++ // may carry into the exponent, which is still right (up to infinity)
	}
	return sign | uint16(h)
}
