package blas

import (
	"slices"
	"testing"
)

// Gemm32 is the float32 instance of Gemm: C = A·Bᵀ here.
func TestGemm32(t *testing.T) {
	a := []float32{1, 2, 3, 4} // 2×2
	b := []float32{5, 6, 7, 8} // 2×2, used transposed
	c := make([]float32, 4)
	Gemm32(false, true, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2)
	if want := []float32{17, 23, 39, 53}; !slices.Equal(c, want) {
		t.Errorf("Gemm32 = %v, want %v", c, want)
	}
}
