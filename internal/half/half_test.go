package half

import (
	"math"
	"testing"
)

// TestF16 checks every binary16 value against the definition
// (−1)^s · 2^(e−15) · (1 + m/1024), or 2^−14 · m/1024 for e = 0.
func TestF16(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		s, e, m := h>>15, (h>>10)&0x1f, h&0x3ff
		var want float64
		switch {
		case e == 0x1f && m == 0:
			want = math.Inf(1)
		case e == 0x1f:
			want = math.NaN()
		case e == 0:
			want = math.Ldexp(float64(m)/1024, -14)
		default:
			want = math.Ldexp(1+float64(m)/1024, e-15)
		}
		if s == 1 {
			want = -want
		}
		got := F16(uint16(h))
		if math.IsNaN(want) {
			if !math.IsNaN(float64(got)) {
				t.Fatalf("half %#04x: got %v, want NaN", h, got)
			}
			continue
		}
		if math.Float32bits(got) != math.Float32bits(float32(want)) {
			t.Fatalf("half %#04x: got %v, want %v", h, got, want)
		}
	}
}

func TestBF16(t *testing.T) {
	for _, c := range []struct {
		h    uint16
		want float32
	}{{0x3f80, 1}, {0xc040, -3}, {0x3e20, 0.15625}, {0x0000, 0}, {0x8000, float32(math.Copysign(0, -1))}} {
		if got := BF16(c.h); math.Float32bits(got) != math.Float32bits(c.want) {
			t.Errorf("BF16(%#04x) = %v, want %v", c.h, got, c.want)
		}
	}
}

// TestNarrowing checks ToBF16 and ToF16 against an exhaustive search for
// the nearest 16-bit value, ties going to the even one, on values spread
// over the formats' ranges, exact halfway cases included; and the special
// values.
func TestNarrowing(t *testing.T) {
	formats := map[string]struct {
		to    func(float32) uint16
		widen func(uint16) float32
	}{"BF16": {ToBF16, BF16}, "F16": {ToF16, F16}}
	values := []float32{1, -3, 0.1, 1.0 / 3, 65504, 1e-4, -2.5e-3, 1234.5678,
		1 + 1.0/2048, 1 + 3.0/2048, // F16 ties: to 1 and to 1 + 2/1024
		1 + 1.0/256, 1 + 3.0/256} // BF16 ties: to 1 and to 1 + 2/128
	for name, f := range formats {
		for _, v := range values {
			got := f.to(v)
			best, bestBits := float32(math.Inf(1)), uint16(0)
			for h := range 1 << 16 {
				c := f.widen(uint16(h))
				if c != c || math.IsInf(float64(c), 0) {
					continue
				}
				d, bd := math.Abs(float64(c-v)), math.Abs(float64(best-v))
				if d < bd || d == bd && h&1 == 0 {
					best, bestBits = c, uint16(h)
				}
			}
			if got != bestBits {
				t.Errorf("%s: %v rounds to %#04x (%v), want %#04x (%v)", name, v, got, f.widen(got), bestBits, best)
			}
		}
		if v := f.widen(f.to(float32(math.NaN()))); v == v {
			t.Errorf("%s: NaN narrows to %v", name, v)
		}
		if v := f.widen(f.to(float32(math.Inf(-1)))); !math.IsInf(float64(v), -1) {
			t.Errorf("%s: −Inf narrows to %v", name, v)
		}
	}
	if v := F16(ToF16(1e6)); !math.IsInf(float64(v), 1) {
		t.Errorf("F16: 1e6 narrows to %v, want +Inf", v)
	}
}
