package halffile

import (
	"path/filepath"
	"testing"

	"github.com/aim-go/aim/checkpoint"
)

// TestWriteReadsBack writes a file of both kinds of tensors and reads it
// with the checkpoint reader.
func TestWriteReadsBack(t *testing.T) {
	f := &checkpoint.File{
		Tensors: map[string]checkpoint.Tensor{"w": {Shape: []int{2, 2}, Data: []float32{1, -2, 0.5, 3}}},
		Int64s:  map[string]checkpoint.Int64Tensor{"n": {Data: []int64{7}}}, // a scalar, nil shape
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
