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
