//go:build !amd64 || purego

package blas

// hasNTKernel is false: the X·Wᵀ kernel is written for amd64 only.
func hasNTKernel() bool { return false }

func xwtStrip(xp *float32, panels int, k int, b *float32, ldb int, c *float32, ldc int, alpha float32, accumulate int) {
	panic("blas: xwtStrip without the AVX-512 kernel")
}

func packPanel(dst *float32, a *float32, lda int, blocks int) {
	panic("blas: packPanel without the AVX-512 kernel")
}

func fmaPeak(steps int) {
	panic("blas: fmaPeak without AVX-512")
}
