package blas

import (
	gblas "gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Implementation is a complete BLAS in gonum's interfaces (blas.Float32,
// blas.Float64, blas.Complex64 and blas.Complex128), and so a gorgonia.BLAS
// and a tensor.BLAS. It is gonum's pure-Go BLAS except that the products
// gorgonia's matrix operations use — Sgemm, Dgemm, Sgemv and Dgemv — run on
// the active backend of this package, whichever it is at the time of the
// call. Like Gemm, the four leave A and B (or x) unread when alpha = 0.
type Implementation struct{ gonum.Implementation }

// GorgoniaImpl returns the BLAS to hand to gorgonia so that its own
// operations use this package's backend:
//
//	gorgonia.Use(blas.GorgoniaImpl())
func GorgoniaImpl() Implementation { return Implementation{} }

// Sgemm computes C = alpha·op(A)·op(B) + beta·C in float32 on the active
// backend.
func (Implementation) Sgemm(tA, tB gblas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if scaleOnly(tA, tB, m, n, k, len(a), lda, len(b), ldb, alpha, beta, c, ldc) {
		return
	}
	current().Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Dgemm computes C = alpha·op(A)·op(B) + beta·C in float64 on the active
// backend.
func (Implementation) Dgemm(tA, tB gblas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if scaleOnly(tA, tB, m, n, k, len(a), lda, len(b), ldb, alpha, beta, c, ldc) {
		return
	}
	current().Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Sgemv computes y = alpha·op(A)·x + beta·y in float32 on the active
// backend.
func (Implementation) Sgemv(tA gblas.Transpose, m, n int, alpha float32, a []float32, lda int, x []float32, incX int, beta float32, y []float32, incY int) {
	if scaleOnlyGemv(tA, m, n, len(a), lda, len(x), incX, alpha, beta, y, incY) {
		return
	}
	current().Sgemv(tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
}

// Dgemv computes y = alpha·op(A)·x + beta·y in float64 on the active
// backend.
func (Implementation) Dgemv(tA gblas.Transpose, m, n int, alpha float64, a []float64, lda int, x []float64, incX int, beta float64, y []float64, incY int) {
	if scaleOnlyGemv(tA, m, n, len(a), lda, len(x), incX, alpha, beta, y, incY) {
		return
	}
	current().Dgemv(tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
}

// scaleOnlyGemv computes the products y = alpha·op(A)·x + beta·y with
// alpha = 0 as y = beta·y, without reading A or x, after checking the
// arguments, and reports whether alpha was 0.
func scaleOnlyGemv[T Float](tA gblas.Transpose, m, n, lenA, lda, lenX, incX int, alpha, beta T, y []T, incY int) bool {
	if alpha != 0 {
		return false
	}
	if !checkGemv(tA, m, n, lenA, lda, lenX, incX, len(y), incY) {
		return true
	}
	ny := m
	if isTrans(tA) {
		ny = n
	}
	start := 0
	if incY < 0 {
		start = (1 - ny) * incY
	}
	for i := range ny {
		p := &y[start+i*incY]
		*p = scaled(beta, *p)
	}
	return true
}
