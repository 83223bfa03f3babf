package blas

import gblas "gonum.org/v1/gonum/blas"

// Panic messages, the same as gonum's so that both backends fail alike.
const (
	badTranspose = "blas: illegal transpose"
	mLT0         = "blas: m < 0"
	nLT0         = "blas: n < 0"
	kLT0         = "blas: k < 0"
	badLdA       = "blas: bad leading dimension of A"
	badLdB       = "blas: bad leading dimension of B"
	badLdC       = "blas: bad leading dimension of C"
	shortA       = "blas: insufficient length of a"
	shortB       = "blas: insufficient length of b"
	shortC       = "blas: insufficient length of c"
	zeroIncX     = "blas: zero x index increment"
	zeroIncY     = "blas: zero y index increment"
	shortX       = "blas: insufficient length of x"
	shortY       = "blas: insufficient length of y"
	tooLarge     = "blas: dimension does not fit OpenBLAS's 32-bit integers"
)

// isTrans reports whether t asks for a transpose, and panics if t is not a
// transpose constant.
func isTrans(t gblas.Transpose) bool {
	switch t {
	case gblas.NoTrans:
		return false
	case gblas.Trans, gblas.ConjTrans:
		return true
	}
	panic(badTranspose)
}

// checkGemm panics, as gonum's ?gemm does, if the row-major arguments of a
// GEMM are invalid or the slices too short for them. It reports whether
// there is anything to compute.
func checkGemm(tA, tB gblas.Transpose, m, n, k, lenA, lda, lenB, ldb, lenC, ldc int) bool {
	aT, bT := isTrans(tA), isTrans(tB)
	switch {
	case m < 0:
		panic(mLT0)
	case n < 0:
		panic(nLT0)
	case k < 0:
		panic(kLT0)
	}
	rowsA, colsA := shape(aT, m, k)
	rowsB, colsB := shape(bT, k, n)
	switch {
	case lda < max(1, colsA):
		panic(badLdA)
	case ldb < max(1, colsB):
		panic(badLdB)
	case ldc < max(1, n):
		panic(badLdC)
	case m == 0 || n == 0:
		return false
	case lenA < (rowsA-1)*lda+colsA:
		panic(shortA)
	case lenB < (rowsB-1)*ldb+colsB:
		panic(shortB)
	case lenC < (m-1)*ldc+n:
		panic(shortC)
	}
	return true
}

// shape returns the stored rows and columns of a matrix whose op is r×c.
func shape(trans bool, r, c int) (rows, cols int) {
	if trans {
		return c, r
	}
	return r, c
}

// checkGemv panics, as gonum's ?gemv does, if the row-major arguments of a
// GEMV are invalid or the slices too short for them. It reports whether
// there is anything to compute.
func checkGemv(tA gblas.Transpose, m, n, lenA, lda, lenX, incX, lenY, incY int) bool {
	nx, ny := n, m
	if isTrans(tA) {
		nx, ny = m, n
	}
	switch {
	case m < 0:
		panic(mLT0)
	case n < 0:
		panic(nLT0)
	case lda < max(1, n):
		panic(badLdA)
	case incX == 0:
		panic(zeroIncX)
	case incY == 0:
		panic(zeroIncY)
	case m == 0 || n == 0:
		return false
	case !vectorFits(nx, incX, lenX):
		panic(shortX)
	case !vectorFits(ny, incY, lenY):
		panic(shortY)
	case lenA < lda*(m-1)+n:
		panic(shortA)
	}
	return true
}

// vectorFits reports whether a slice of length size holds n > 0 elements
// at stride inc.
func vectorFits(n, inc, size int) bool {
	if inc < 0 {
		inc = -inc
	}
	return (n-1)*inc < size
}

// coreTypeError is the error of an OPENBLAS_CORETYPE whose kernels the
// CPU cannot run: unlike a missing library, it is reported even when the
// backend is chosen automatically.
type coreTypeError struct{ error }

func (e coreTypeError) Unwrap() error { return e.error }
