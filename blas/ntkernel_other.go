//go:build !amd64 || purego

package blas

// hasNTKernel is false: the X·Wᵀ kernel is written for amd64 only.
var hasNTKernel = false

func ntTiles(a *float32, lda int, b *float32, ldb int, blocks int, tail uint16, c *float32, ldc int, tiles int, alpha float32, accumulate int) {
	panic("blas: ntTiles without the AVX-512 kernel")
}
