package halffile

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/internal/half"
)

// TestRound checks rounding to nearest even against exhaustive search over
// the 16-bit values, on values spread over the formats' ranges.
func TestRound(t *testing.T) {
	widen := map[string]func(uint16) float32{"BF16": half.BF16, "F16": half.F16}
	for dtype, w := range widen {
		for _, v := range []float32{1, -3, 0.1, 1.0 / 3, 65504, 1e-4, -2.5e-3, 1234.5678, 1 + 1.0/2048, 1 + 3.0/2048} {
			got := w(Round(dtype, v))
			best := float32(math.Inf(1))
			for h := range 1 << 16 {
				c := w(uint16(h))
				if c != c || math.IsInf(float64(c), 0) {
					continue
				}
				d, bd := math.Abs(float64(c-v)), math.Abs(float64(best-v))
				if d < bd || d == bd && math.Float32bits(c)&(1<<13) == 0 {
					best = c
				}
			}
			if math.Abs(float64(got-v)) != math.Abs(float64(best-v)) {
				t.Errorf("%s: Round(%v) = %v, nearest is %v", dtype, v, got, best)
			}
		}
	}
}

// TestWriteReadsBack writes a file of both kinds of tensors and reads it
// with the checkpoint reader.
func TestWriteReadsBack(t *testing.T) {
	f := &checkpoint.File{
		Tensors: map[string]checkpoint.Tensor{"w": {Shape: []int{2, 2}, Data: []float32{1, -2, 0.5, 3}}},
		Int64s:  map[string]checkpoint.Int64Tensor{"n": {Shape: []int{}, Data: []int64{7}}},
		Meta:    map[string]string{"k": "v"},
	}
	for _, dtype := range []string{"BF16", "F16"} {
		path := filepath.Join(t.TempDir(), "h.safetensors")
		if err := Write(path, dtype, f); err != nil {
			t.Fatal(err)
		}
		m, err := checkpoint.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.Lookup("w", 2, 2)
		if d, _ := m.Dtype("w"); err != nil || d != dtype || got.Data[1] != -2 || got.Data[3] != 3 || m.Meta["k"] != "v" || m.Skipped["n"] != "I64" {
			t.Errorf("%s: read back %v (%v), dtype %s, meta %v, skipped %v", dtype, got.Data, err, d, m.Meta, m.Skipped)
		}
		m.Close()
	}
	if err := Write(filepath.Join(t.TempDir(), "x"), "F32", f); err == nil {
		t.Error("dtype F32 accepted")
	}
}
