//go:build !amd64 || purego

package blas

// widenBF16 widens len(dst) bfloat16 values, exactly.
func widenBF16(dst []float32, src []uint16) { widenBF16Go(dst, src[:len(dst)]) }
