package photo

import (
	"math"
	"os"
	"testing"

	"gorgonia.org/tensor"
)

// checkBatch fails unless b holds N·3·H·W values, all finite.
func checkBatch(t testing.TB, b Batch) {
	t.Helper()
	if b.N < 0 || len(b.Values) != b.N*3*b.H*b.W {
		t.Fatalf("batch of %d images of 3×%d×%d holds %d values", b.N, b.H, b.W, len(b.Values))
	}
	for i, v := range b.Values {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("value %d is %v", i, v)
		}
	}
}

// readNpyBatch reads a float32 .npy array of shape (N, 3, H, W), as the
// reference scripts write them.
func readNpyBatch(t testing.TB, path string) Batch {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := new(tensor.Dense)
	if err := d.ReadNpy(f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	s := d.Shape()
	v, ok := d.Data().([]float32)
	if !ok || len(s) != 4 || s[1] != 3 {
		t.Fatalf("%s: %v array of shape %v, want float32 (N, 3, H, W)", path, d.Dtype(), s)
	}
	return Batch{N: s[0], H: s[2], W: s[3], Values: v}
}
