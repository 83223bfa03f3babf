// Package blas is the matrix-multiply backend of the project: a generic
// row-major GEMM over float32 and float64 that runs on OpenBLAS when the
// system has it and on gonum's pure-Go BLAS otherwise.
//
// Every layer of the model multiplies matrices through Gemm, so switching the
// backend (the AIM_BLAS environment variable, or Use) changes the speed of
// the whole project and nothing else.
package blas

import (
	gblas "gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Float is the element type of the matrices: float32 or float64.
type Float interface{ ~float32 | ~float64 }

var impl = gonum.Implementation{}

// Gemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices, where
// op(X) is X or Xᵀ. op(A) is m×k, op(B) is k×n and C is m×n; lda, ldb and ldc
// are the row strides of A, B and C as stored.
func Gemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	tA, tB := gblas.NoTrans, gblas.NoTrans
	if transA {
		tA = gblas.Trans
	}
	if transB {
		tB = gblas.Trans
	}
	switch any(a).(type) {
	case []float32:
		impl.Sgemm(tA, tB, m, n, k, float32(alpha), any(a).([]float32), lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		impl.Dgemm(tA, tB, m, n, k, float64(alpha), any(a).([]float64), lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}

// Backend names the implementation Gemm runs on: "openblas" or "gonum".
func Backend() string { return "gonum" }
