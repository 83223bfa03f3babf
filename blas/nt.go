package blas

import (
	"runtime"
	"sync"

	"github.com/aim-go/aim/internal/parallel"
)

// The X·Wᵀ kernel: C = alpha·A·Bᵀ + beta·C in float32 with A (m×k) and B
// (n×k) both read along their rows, in place. A transformer's linear layer
// at inference is this product with B its weights in PyTorch's (out, in)
// layout. OpenBLAS copies ("packs") all of B into its own layout on every
// call, which at a few hundred rows of A costs as much as a tenth of the
// product; this kernel never copies B, so each weight is read from memory
// once per call and used straight from the caller's (possibly memory-mapped)
// slice. Tiles of 4 rows of A by 6 rows of B keep 24 sixteen-lane partial
// sums in registers along k and reduce them at the end of a block of k.

const (
	// ntBlockK is the most values of k one pass of tiles covers (longer
	// rows are split into equal blocks): a tile's 4 rows of A (24 KiB) stay
	// in L1 while B streams past them, and the reduction at the end of a
	// block is paid once per 1536 values.
	ntBlockK = 1536
	// ntBlockN is the rows of B (a multiple of 6) one pass covers, 590 KiB
	// at ntBlockK: they stay in L2 while the rows of A meet them. They are
	// also the unit of work the cores share out (see columnQueue).
	ntBlockN = 96
	// ntBlockM is the rows of A one pass covers: 1.5 MiB at ntBlockK, which
	// L3 serves for each block of B; larger products go in such blocks of
	// rows, one after the other.
	ntBlockM = 256
	// ntMinWork is the size m·n·k below which the kernel is not worth its
	// goroutines.
	ntMinWork = 1 << 21
)

// ntMaxRows is the most rows of A for which the kernel is preferred to a
// backend that runs AVX-512 kernels itself: from about 1024 rows OpenBLAS's
// packing pays for itself and its SkylakeX kernel is the faster (AIM-0.6B's
// MLP products: equal at 1024 rows, OpenBLAS 5–25% ahead at 2048).
const ntMaxRows = 1024

// ntMinK is the shortest rows for which the kernel is used: each tile ends
// with a reduction of its 24 partial sums that costs about as much as 8
// blocks of 16 values, so short rows gain nothing (an attention head's
// scores, 256×256×128: 86–196 GFLOP/s against OpenBLAS's 160–186).
const ntMinK = 512

// useNTKernel reports whether Gemm routes a float32 product to the X·Wᵀ
// kernel.
func useNTKernel(transA, transB bool, m, n, k int) bool {
	if !hasNTKernel || !ntEnabled || transA || !transB || m < 4 || n < 6 || k < ntMinK || m*n*k < ntMinWork {
		return false
	}
	return m < ntMaxRows || !backendHasAVX512Kernels()
}

// backendHasAVX512Kernels reports whether the active backend is OpenBLAS on
// AVX-512 kernels (SkylakeX, Cooperlake, SapphireRapids).
func backendHasAVX512Kernels() bool {
	ob, ok := current().(*openBLAS)
	return ok && ob.avx512Kernels()
}

// ntEnabled lets benchmarks and tests compare the kernel with the backend.
var ntEnabled = true

// gemmNT computes C = alpha·A·Bᵀ + beta·C on GOMAXPROCS goroutines, which
// take blocks of at most ntBlockN columns of C (rows of B) from a
// columnQueue, for one block of ntBlockM rows of C after another. Arguments
// are checked by the caller.
func gemmNT(m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if !scaleC(m, n, alpha, beta, c, ldc) {
		return
	}
	shareColumns(m, n, func(i0, rows, lo, hi int) {
		ntColumns(rows, hi-lo, k, alpha, a[i0*lda:], lda, b[lo*ldb:], ldb, beta != 0, c[i0*ldc+lo:], ldc)
	})
}

// scaleC makes C beta·C first unless the kernel overwrites it (beta = 0) or
// beta is 1, and reports whether there is a product to add: with alpha = 0
// there is not, as in BLAS (A and B are not read, so their NaNs do not
// reach C).
func scaleC(m, n int, alpha, beta float32, c []float32, ldc int) bool {
	if beta != 1 && (alpha == 0 || beta != 0) {
		for i := range m {
			row := c[i*ldc : i*ldc+n]
			for j := range row {
				row[j] = scaled(beta, row[j])
			}
		}
	}
	return alpha != 0
}

// shareColumns calls block(i0, rows, lo, hi) for the blocks of C, rows
// [i0, i0+rows) by columns [lo, hi), on GOMAXPROCS goroutines: blocks of
// ntBlockM rows one after the other, each against all of B (its rows stay
// in L3 while B streams past them once per block), their columns in blocks
// of columnBlock handed out by a columnQueue.
func shareColumns(m, n int, block func(i0, rows, lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	width := columnBlock(n, workers)
	blocks := (n + width - 1) / width
	workers = min(workers, blocks)
	for i0 := 0; i0 < m; i0 += ntBlockM {
		rows := min(ntBlockM, m-i0)
		q := newColumnQueue(blocks, workers)
		drain := func(w int) {
			for blk, ok := q.take(w); ok; blk, ok = q.take(w) {
				block(i0, rows, blk*width, min(blk*width+width, n))
			}
		}
		// One worker per range (several only if GOMAXPROCS has changed).
		parallel.For(workers, 1, func(first, end int) {
			for w := first; w < end; w++ {
				drain(w)
			}
		})
	}
}

// columnBlock returns how many columns of C a block of work has: a multiple
// of 6, at most ntBlockN, and such that the blocks share evenly between the
// workers (n = 256 on 2 cores: 4 blocks of 66 or fewer, not 96, 96 and 64).
func columnBlock(n, workers int) int {
	parts := workers * ((n + workers*ntBlockN - 1) / (workers * ntBlockN))
	return ((n+parts-1)/parts + 5) / 6 * 6
}

// columnQueue hands out the blocks of columns of one product to workers.
// Each worker starts on its own contiguous share, so that it reads B in one
// long run, and when its share is done takes blocks from the end of the
// share with the most left. A fixed split left one core idle for 5–10% of
// AIM-0.6B's batch-1 feature pass, waiting for the other: on a shared
// machine one core is often slower, and a goroutine can start late when its
// core has to be woken.
type columnQueue struct {
	mu     sync.Mutex
	shares [][2]int // per worker, the blocks [next, end) not yet taken
}

// newColumnQueue splits blocks 0 … blocks-1 into workers equal shares.
func newColumnQueue(blocks, workers int) *columnQueue {
	q := &columnQueue{shares: make([][2]int, workers)}
	for w := range workers {
		q.shares[w] = [2]int{w * blocks / workers, (w + 1) * blocks / workers}
	}
	return q
}

// take returns the next block for worker w, and false when none is left.
func (q *columnQueue) take(w int) (int, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if s := &q.shares[w]; s[0] < s[1] {
		s[0]++
		return s[0] - 1, true
	}
	busiest, most := -1, 0
	for i, s := range q.shares {
		if left := s[1] - s[0]; left > most {
			busiest, most = i, left
		}
	}
	if busiest < 0 {
		return 0, false
	}
	q.shares[busiest][1]--
	return q.shares[busiest][1], true
}

// scaled returns beta·c, with beta = 0 overwriting c whatever it holds.
func scaled(beta, c float32) float32 {
	if beta == 0 {
		return 0
	}
	return beta * c
}

// ntColumns computes C[:, 0:n] (+)= alpha·A·B[0:n]ᵀ: whole 6-row groups of
// B on the kernel, the last n mod 6 rows of B on the backend.
func ntColumns(m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, accumulate bool, c []float32, ldc int) {
	n6 := n / 6 * 6
	if n6 > 0 {
		ntRows(m, n6, k, alpha, a, lda, b, ldb, accumulate, c, ldc)
	}
	if n6 < n {
		beta := float32(0)
		if accumulate {
			beta = 1
		}
		gemmOnce(false, true, m, n-n6, k, alpha, a, lda, b[n6*ldb:], ldb, beta, c[n6:], ldc)
	}
}

// ntRows computes C[:, 0:n] (+)= alpha·A·B[0:n]ᵀ for n a multiple of 6:
// whole groups of 4 rows of A in place, the last m mod 4 rows through a
// zero-padded copy of them.
func ntRows(m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, accumulate bool, c []float32, ldc int) {
	m4 := m / 4 * 4
	if m4 > 0 {
		ntBlocks(m4, n, k, alpha, a, lda, b, ldb, accumulate, c, ldc)
	}
	if m4 == m {
		return
	}
	rest := m - m4
	pa, pc := make([]float32, 4*k), make([]float32, 4*n)
	for i := range rest {
		copy(pa[i*k:(i+1)*k], a[(m4+i)*lda:(m4+i)*lda+k])
		copy(pc[i*n:(i+1)*n], c[(m4+i)*ldc:(m4+i)*ldc+n])
	}
	ntBlocks(4, n, k, alpha, pa, k, b, ldb, accumulate, pc, n)
	for i := range rest {
		copy(c[(m4+i)*ldc:(m4+i)*ldc+n], pc[i*n:(i+1)*n])
	}
}

// ntBlocks runs the kernel over C[0:m, 0:n] for m a multiple of 4 (at most
// ntBlockM: gemmNT hands out blocks of rows) and n of 6, in blocks of k and
// of rows of B sized for the caches.
func ntBlocks(m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, accumulate bool, c []float32, ldc int) {
	chunks := (k + ntBlockK - 1) / ntBlockK
	kc := ((k+chunks-1)/chunks + 15) &^ 15
	for p := 0; p < k; p += kc {
		width := min(kc, k-p)
		blocks, tail := width/16, uint16(1)<<(width%16)-1
		acc := 0
		if accumulate || p > 0 {
			acc = 1
		}
		for j := 0; j < n; j += ntBlockN {
			tiles := (min(j+ntBlockN, n) - j) / 6
			for i := 0; i < m; i += 4 {
				ntTiles(&a[i*lda+p], lda, &b[j*ldb+p], ldb, blocks, tail, &c[i*ldc+j], ldc, tiles, alpha, acc)
			}
		}
	}
}
