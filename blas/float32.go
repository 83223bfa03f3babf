package blas

// Gemm32 is Gemm on float32 matrices, under a non-generic name for callers
// that cannot instantiate generics: the notebook kernel's interpreter
// (yaegi) binds only non-generic functions.
func Gemm32(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
