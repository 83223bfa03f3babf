package checkpoint

import (
	"math"
	"testing"
)

// TestCountNonFiniteBF16 places NaNs and infinities (of both signs) at
// every offset of a buffer, so that each lands at every position of the
// 64-bit words and in the unaligned head and tail, and compares the counts
// with the float32 count of the widened values.
func TestCountNonFiniteBF16(t *testing.T) {
	specials := []uint16{0x7fc0, 0xffc1, 0x7f80, 0xff80, 0x7f81}
	buf := make([]uint16, 41)
	for i := range buf {
		buf[i] = uint16(math.Float32bits(float32(i)-20.5) >> 16)
	}
	for start := range 4 {
		for pos := start; pos < len(buf); pos++ {
			for _, s := range specials {
				bits := buf[start:]
				saved := buf[pos]
				buf[pos] = s
				wide := make([]float32, len(bits))
				for i, h := range bits {
					wide[i] = math.Float32frombits(uint32(h) << 16)
				}
				got, want := CountNonFiniteBF16("x", bits), CountNonFinite("x", wide)
				buf[pos] = saved
				if got != want || got.NaN+got.Inf != 1 {
					t.Fatalf("start %d, %#04x at %d: %+v, want %+v with one non-finite value", start, s, pos, got, want)
				}
			}
		}
	}
	if got := CountNonFiniteBF16("x", buf); got.NaN+got.Inf != 0 {
		t.Errorf("finite values counted: %+v", got)
	}
	// The largest finite values must not carry into the exponent test.
	for _, h := range []uint16{0x7f7f, 0xff7f, 0x7f00, 0x0080} {
		big := []uint16{h, h, h, h, h, h, h, h, h}
		if got := CountNonFiniteBF16("x", big); got.NaN+got.Inf != 0 {
			t.Errorf("%#04x counted as non-finite: %+v", h, got)
		}
	}
}
