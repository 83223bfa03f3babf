package blas

import (
	"math"

	gblas "gonum.org/v1/gonum/blas"

	"github.com/aim-go/aim/internal/parallel"
	"github.com/aim-go/aim/internal/scratch"
)

// GemmBF16 computes C = alpha·A·Bᵀ + beta·C in float32, where A (m×k, row
// stride lda) and C (m×n, ldc) hold float32 values and B (n×k, ldb) holds
// bfloat16 ones (the top 16 bits of float32 values, as in a BF16
// safetensors file): a linear layer whose weights are used in place, in
// half the memory of float32 ones. Each value of B is widened to float32
// exactly, so the result is the one Gemm gives with B widened beforehand,
// bit for bit.
//
// On the X·Wᵀ kernel each worker widens its block of rows of B into a
// buffer of its own (a few percent of the product at 256 rows of A); for
// the backend all of B is widened into one buffer first. It panics on
// invalid dimensions, like Gemm.
func GemmBF16(m, n, k int, alpha float32, a []float32, lda int, b []uint16, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	checkGemm(gblas.NoTrans, gblas.Trans, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if useNTKernel(false, true, m, n, k) {
		gemmNTBF16(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	w := widened.Get(n * k)
	defer widened.Put(w)
	parallel.For(n, max(1, widenGrain/max(k, 1)), func(lo, hi int) {
		widenRows(w[lo*k:], b[lo*ldb:], hi-lo, k, ldb)
	})
	Gemm(false, true, m, n, k, alpha, a, lda, w, k, beta, c, ldc)
}

// widenGrain is the fewest values a goroutine widens.
const widenGrain = 1 << 18

// widened holds the float32 copies of B, and panels the blocks of rows of
// B the kernel's workers widen: fresh memory of their size would cost more
// page faults than the widening itself.
var widened, panels scratch.List[float32]

// gemmNTBF16 is gemmNT for a bfloat16 B: each block of rows of B is widened
// into a panel, which the kernel then reads as it reads a float32 B.
func gemmNTBF16(m, n, k int, alpha float32, a []float32, lda int, b []uint16, ldb int, beta float32, c []float32, ldc int) {
	if !scaleC(m, n, alpha, beta, c, ldc) {
		return
	}
	shareColumns(m, n, func(i0, rows, lo, hi int) {
		panel := panels.Get((hi - lo) * k)
		widenRows(panel, b[lo*ldb:], hi-lo, k, ldb)
		ntColumns(rows, hi-lo, k, alpha, a[i0*lda:], lda, panel, k, beta != 0, c[i0*ldc+lo:], ldc)
		panels.Put(panel)
	})
}

// widenRows widens rows rows of k bfloat16 values (row stride ld) into
// dst, k values per row.
func widenRows(dst []float32, src []uint16, rows, k, ld int) {
	for r := range rows {
		widenBF16(dst[r*k:(r+1)*k], src[r*ld:r*ld+k])
	}
}

// widenBF16Go widens len(dst) bfloat16 values without vector instructions.
func widenBF16Go(dst []float32, src []uint16) {
	src = src[:len(dst)]
	for i, h := range src {
		dst[i] = math.Float32frombits(uint32(h) << 16)
	}
}
