package ops

import (
	"runtime"
	"sync"

	"github.com/aim-go/aim/blas"
)

// parallelGemmWork is the size (m·n·k) above which a product is split into
// row blocks computed on separate goroutines.
const parallelGemmWork = 1 << 21

// gemm computes C = alpha·op(A)·op(B) + beta·C (row-major, as blas.Gemm),
// splitting the rows of C across the cores for large products. Each block
// is an independent single-threaded BLAS call, so the cores never wait on a
// BLAS library's own thread pool.
func gemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	workers := runtime.GOMAXPROCS(0)
	if workers < 2 || m < 2*8 || m*n*k < parallelGemmWork {
		blas.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	workers = min(workers, m/8)
	block := (m + workers - 1) / workers
	block = (block + 7) &^ 7
	var wg sync.WaitGroup
	for lo := 0; lo < m; lo += block {
		hi := min(lo+block, m)
		aOff := lo * lda // rows of A
		if transA {
			aOff = lo // columns of A
		}
		wg.Add(1)
		go func(lo, hi, aOff int) {
			defer wg.Done()
			blas.Gemm(transA, transB, hi-lo, n, k, alpha, a[aOff:], lda, b, ldb, beta, c[lo*ldc:], ldc)
		}(lo, hi, aOff)
	}
	wg.Wait()
}
