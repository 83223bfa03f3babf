package blas

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/aim-go/aim/internal/parallel"
)

// The X·Wᵀ kernel: C = alpha·A·Bᵀ + beta·C in float32 with A (m×k) and B
// (n×k) both stored along their rows. A transformer's linear layer at
// inference is this product with B its weights in PyTorch's (out, in)
// layout. OpenBLAS copies ("packs") all of B into its own layout on every
// call, which at a few hundred rows of A costs as much as a tenth of the
// product, and each core packs it again when the rows are split between
// them; this kernel copies A instead — a few hundred rows, into panels of
// 32 rows interleaved along k (packPanels) — and reads B in place, from the
// caller's (possibly memory-mapped) slice. Tiles of 32 rows of A by 12 rows
// of B keep their 384 sums in registers for a block of k (xwtStrip).

const (
	// xwtMaxBlockK is the most values of k one pass of tiles covers (longer
	// rows are split into equal blocks): a panel's block of k is at most
	// 192 KiB and a tile's 12 rows of B 72 KiB, which L2 keeps while the
	// tile runs along them.
	xwtMaxBlockK = 1536
	// xwtBlockN is the most rows of B (a multiple of 12) in one block of
	// work that the cores share out (see columnQueue).
	xwtBlockN = 96
	// xwtBlockM is the rows of A packed at a time, 1.5 MiB at xwtMaxBlockK,
	// which L3 keeps for all of B; larger products go in such blocks of
	// rows, one after the other.
	xwtBlockM = 256
	// xwtMinWork is the size m·n·k below which the kernel is not worth its
	// goroutines.
	xwtMinWork = 1 << 21
)

// xwtMaxRows is the most rows of A for which the kernel is preferred to a
// backend that runs AVX-512 kernels itself: from about 1024 rows OpenBLAS's
// packing of B pays for itself (AIM-0.6B's MLP products: equal at 1024
// rows, OpenBLAS 3–10% ahead at 2048).
const xwtMaxRows = 1024

// xwtMinK is the shortest rows for which the kernel is used: packing A and
// writing each tile are paid once per product, so short rows gain nothing
// (an attention head's scores, 256×256×128: 154–160 GFLOP/s against
// OpenBLAS's 193–202).
const xwtMinK = 512

// useNTKernel reports whether Gemm routes a float32 product to the X·Wᵀ
// kernel: A·Bᵀ products large enough for it to pay (AIM_XWT=auto), every
// A·Bᵀ product (always) or none (off).
func useNTKernel(transA, transB bool, m, n, k int) bool {
	if transA || !transB || !hasNTKernel() {
		return false
	}
	switch xwtMode() {
	case xwtAlways:
		return true
	case xwtOff:
		return false
	}
	if m < xwtTileRows || n < xwtTileCols || k < xwtMinK || m*n*k < xwtMinWork {
		return false
	}
	return m < xwtMaxRows || !backendHasAVX512Kernels()
}

// backendHasAVX512Kernels reports whether the active backend is OpenBLAS on
// AVX-512 kernels (SkylakeX, Cooperlake, SapphireRapids).
func backendHasAVX512Kernels() bool {
	ob, ok := current().(*openBLAS)
	return ok && ob.avx512Kernels()
}

// gemmNT computes C = alpha·A·Bᵀ + beta·C on GOMAXPROCS goroutines: for
// each block of xwtBlockM rows of A, packed into panels, the goroutines take
// blocks of at most xwtBlockN columns of C (rows of B) from a columnQueue;
// products of fewer than xwtRowsMaxN columns go by blocks of rows instead
// (gemmNTByRows). Arguments are checked by the caller.
func gemmNT(m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if !scaleC(m, n, alpha, beta, c, ldc) {
		return
	}
	if n < xwtRowsMaxN {
		gemmNTByRows(m, n, k, alpha, a, lda, b, ldb, beta != 0, c, ldc)
		return
	}
	eachPackedBlock(m, k, a, lda, func(xp []float32, i0, rows int) {
		shareColumns(n, func(lo, hi int) {
			xwtColumns(xp, rows, hi-lo, k, alpha, a[i0*lda:], lda, b[lo*ldb:], ldb, beta != 0, c[i0*ldc+lo:], ldc)
		})
	})
}

// gemmNTByRows computes C (+)= alpha·A·Bᵀ with each goroutine taking
// blocks of xwtRowBlock rows, which it packs and multiplies by all of B on
// its own.
func gemmNTByRows(m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, accumulate bool, c []float32, ldc int) {
	shareRows(m, func(i0, rows int) {
		xp := packedRows.Get(xwtPanels(rows) * xwtTileRows * k)
		defer packedRows.Put(xp)
		packPanels(xp, a[i0*lda:], lda, rows, k, false)
		for lo := 0; lo < n; lo += xwtBlockN {
			hi := min(lo+xwtBlockN, n)
			xwtColumns(xp, rows, hi-lo, k, alpha, a[i0*lda:], lda, b[lo*ldb:], ldb, accumulate, c[i0*ldc+lo:], ldc)
		}
	})
}

// xwtRowsMaxN is the most rows of B for which the cores share a product by
// blocks of rows of A rather than by columns of C: with few columns (the
// bench preset's 192), a block of rows is too little work to pack and then
// share out between the cores, so each core packs and computes blocks of
// xwtRowBlock rows of its own, against all of B.
const (
	xwtRowsMaxN = 512
	xwtRowBlock = 128
)

// shareRows calls block(i0, rows) for blocks of xwtRowBlock rows of C, on
// GOMAXPROCS goroutines that each take the next block until none is left.
func shareRows(m int, block func(i0, rows int)) {
	blocks := (m + xwtRowBlock - 1) / xwtRowBlock
	var next atomic.Int64
	parallel.For(min(runtime.GOMAXPROCS(0), blocks), 1, func(int, int) {
		for b := int(next.Add(1)) - 1; b < blocks; b = int(next.Add(1)) - 1 {
			block(b*xwtRowBlock, min(xwtRowBlock, m-b*xwtRowBlock))
		}
	})
}

// scaleC makes C beta·C first unless the kernel overwrites it (beta = 0) or
// beta is 1, and reports whether there is a product to add: with alpha = 0
// there is not, as in BLAS (A and B are not read, so their NaNs do not
// reach C).
func scaleC(m, n int, alpha, beta float32, c []float32, ldc int) bool {
	if alpha == 0 || beta != 0 {
		scaleRows(m, n, beta, c, ldc)
	}
	return alpha != 0
}

// shareColumns calls block(lo, hi) for blocks of columns [lo, hi) of C,
// columnBlock wide, handed out by a columnQueue to GOMAXPROCS goroutines.
func shareColumns(n int, block func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	width := columnBlock(n, workers)
	blocks := (n + width - 1) / width
	workers = min(workers, blocks)
	q := newColumnQueue(blocks, workers)
	// One worker per range (several only if GOMAXPROCS has changed).
	parallel.For(workers, 1, func(first, end int) {
		for w := first; w < end; w++ {
			for blk, ok := q.take(w); ok; blk, ok = q.take(w) {
				block(blk*width, min(blk*width+width, n))
			}
		}
	})
}

// columnBlock returns how many columns of C a block of work has: a multiple
// of 12, at most xwtBlockN, and such that the blocks share evenly between
// the workers (n = 256 on 2 cores: 4 blocks of 72 or fewer, not 96, 96 and
// 64).
func columnBlock(n, workers int) int {
	parts := workers * ((n + workers*xwtBlockN - 1) / (workers * xwtBlockN))
	return ((n+parts-1)/parts + 11) / 12 * 12
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
