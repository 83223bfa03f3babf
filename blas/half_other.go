//go:build !amd64 || purego

package blas

// widen widens len(dst) values of format h, exactly.
func widen(h Half, dst []float32, src []uint16) { widenGo(h, dst, src[:len(dst)]) }

func toBF16(dst []uint16, src []float32) { toBF16Go(dst, src[:len(dst)]) }
