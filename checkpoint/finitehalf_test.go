package checkpoint

import (
	"fmt"
	"testing"

	"github.com/aim-go/aim/internal/half"
)

// TestCountNonFiniteHalf places NaNs and infinities (of both signs) at
// every offset of a buffer, so that each lands at every position of the
// 64-bit words and in the unaligned head and tail, and compares the counts
// with the float32 count of the widened values, for both formats.
func TestCountNonFiniteHalf(t *testing.T) {
	cases := map[string]struct {
		widen    func(uint16) float32
		specials []uint16 // NaN, -NaN, +Inf, -Inf, a signalling NaN
		finite   []uint16 // the largest finite values and the smallest normal
	}{
		"BF16": {half.BF16, []uint16{0x7fc0, 0xffc1, 0x7f80, 0xff80, 0x7f81}, []uint16{0x7f7f, 0xff7f, 0x7f00, 0x0080}},
		"F16":  {half.F16, []uint16{0x7e00, 0xfe01, 0x7c00, 0xfc00, 0x7c01}, []uint16{0x7bff, 0xfbff, 0x7800, 0x0400}},
	}
	for dtype, c := range cases {
		t.Run(dtype, func(t *testing.T) {
			buf := make([]uint16, 41)
			for i := range buf {
				buf[i] = uint16(i*1000+7) & 0x3fff // exponents well short of all ones
			}
			count := func(bits []uint16) (NonFiniteTensor, NonFiniteTensor) {
				wide := make([]float32, len(bits))
				for i, h := range bits {
					wide[i] = c.widen(h)
				}
				return CountNonFiniteHalf("x", dtype, bits), CountNonFinite("x", wide)
			}
			for start := range 4 {
				for pos := start; pos < len(buf); pos++ {
					for _, s := range c.specials {
						saved := buf[pos]
						buf[pos] = s
						got, want := count(buf[start:])
						buf[pos] = saved
						if got != want || got.NaN+got.Inf != 1 {
							t.Fatalf("start %d, %#04x at %d: %+v, want %+v with one non-finite value", start, s, pos, got, want)
						}
					}
				}
			}
			if got, _ := count(buf); got.NaN+got.Inf != 0 {
				t.Errorf("finite values counted: %+v", got)
			}
			for _, h := range c.finite {
				big := []uint16{h, h, h, h, h, h, h, h, h}
				if got, _ := count(big); got.NaN+got.Inf != 0 {
					t.Errorf("%#04x counted as non-finite: %+v", h, got)
				}
			}
		})
	}
	defer func() {
		if r := recover(); r == nil || fmt.Sprint(r) != "checkpoint: CountNonFiniteHalf of dtype F32" {
			t.Errorf("an F32 dtype: panic %v", r)
		}
	}()
	CountNonFiniteHalf("x", "F32", nil)
}
