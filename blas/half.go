package blas

import (
	gblas "gonum.org/v1/gonum/blas"

	"github.com/aim-go/aim/internal/half"
	"github.com/aim-go/aim/internal/parallel"
	"github.com/aim-go/aim/internal/scratch"
)

// Half is a 16-bit floating-point format that GemmHalf reads weights in.
// Both are subsets of float32, so widening them is exact.
type Half uint8

// The formats of Half.
const (
	BF16 Half = iota + 1 // bfloat16: the top 16 bits of a float32
	F16                  // IEEE 754 binary16
)

// badHalf is the panic of an unknown Half.
const badHalf = "blas: unknown 16-bit format"

// Valid reports whether h is one of the formats.
func (h Half) Valid() bool { return h == BF16 || h == F16 }

func (h Half) String() string {
	switch h {
	case BF16:
		return "BF16"
	case F16:
		return "F16"
	}
	return "Half(?)"
}

// GemmHalf computes C = alpha·A·Bᵀ + beta·C in float32, where A (m×k, row
// stride lda) and C (m×n, ldc) hold float32 values and B (n×k, ldb) holds
// 16-bit values of format h (as in a BF16 or F16 safetensors file): a
// linear layer whose weights are used in place, in half the memory of
// float32 ones. Each value of B is widened to float32 exactly, so the
// result is the one Gemm gives with B widened beforehand: bit for bit on
// OpenBLAS and the X·Wᵀ kernel, to float32 rounding on gonum, whose
// pure-Go sums run in an order that depends on the rows' stride and
// alignment.
//
// Up to xwtBlockM rows of A on the X·Wᵀ kernel, each worker widens its
// block of rows of B into a buffer of its own (a few percent of the
// product at 256 rows); for more rows, which the kernel takes in blocks of
// xwtBlockM that would each widen B again, and for the backend, all of B is
// widened into one buffer first. Like Gemm, alpha = 0 or k = 0 leaves A
// and B unread and makes C beta·C. It panics on invalid dimensions, like
// Gemm, and on an unknown format.
func GemmHalf(h Half, m, n, k int, alpha float32, a []float32, lda int, b []uint16, ldb int, beta float32, c []float32, ldc int) {
	if !h.Valid() {
		panic(badHalf)
	}
	if m == 0 || n == 0 {
		return
	}
	if scaleOnly(gblas.NoTrans, gblas.Trans, m, n, k, len(a), lda, len(b), ldb, alpha, beta, c, ldc) {
		return
	}
	checkGemm(gblas.NoTrans, gblas.Trans, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m <= xwtBlockM && useNTKernel(false, true, m, n, k) {
		gemmNTHalf(h, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	w := widened.Get(n * k)
	defer widened.Put(w)
	parallel.For(n, max(1, widenGrain/max(k, 1)), func(lo, hi int) {
		widenRows(h, w[lo*k:], b[lo*ldb:], hi-lo, k, ldb)
	})
	Gemm(false, true, m, n, k, alpha, a, lda, w, k, beta, c, ldc)
}

// Widen converts len(dst) values of format h at src to float32, exactly
// (with AVX-512 where the CPU has it). It panics on an unknown format.
func Widen(h Half, dst []float32, src []uint16) {
	if !h.Valid() {
		panic(badHalf)
	}
	widen(h, dst, src)
}

// widenGrain is the fewest values a goroutine widens.
const widenGrain = 1 << 18

// widened holds the float32 copies of B, and panels the blocks of rows of
// B the kernel's workers widen: fresh memory of their size would cost more
// page faults than the widening itself.
var widened, panels scratch.List[float32]

// gemmNTHalf is gemmNT for a 16-bit B: each block of rows of B is widened
// into a panel, which the kernel then reads as it reads a float32 B.
func gemmNTHalf(h Half, m, n, k int, alpha float32, a []float32, lda int, b []uint16, ldb int, beta float32, c []float32, ldc int) {
	if !scaleC(m, n, alpha, beta, c, ldc) {
		return
	}
	eachPackedBlock(m, k, a, lda, func(xp []float32, i0, rows int) {
		shareColumns(n, func(lo, hi int) {
			panel := panels.Get((hi - lo) * k)
			widenRows(h, panel, b[lo*ldb:], hi-lo, k, ldb)
			xwtColumns(xp, rows, hi-lo, k, alpha, a[i0*lda:], lda, panel, k, beta != 0, c[i0*ldc+lo:], ldc)
			panels.Put(panel)
		})
	})
}

// widenRows widens rows rows of k 16-bit values (row stride ld) into dst,
// k values per row.
func widenRows(h Half, dst []float32, src []uint16, rows, k, ld int) {
	for r := range rows {
		widen(h, dst[r*k:(r+1)*k], src[r*ld:r*ld+k])
	}
}

// widenGo widens len(dst) values without vector instructions.
func widenGo(h Half, dst []float32, src []uint16) {
	src = src[:len(dst)]
	if h == F16 {
		for i, v := range src {
			dst[i] = half.F16(v)
		}
		return
	}
	for i, v := range src {
		dst[i] = half.BF16(v)
	}
}
