package blas

import (
	"math/rand/v2"
	"sync"
	"testing"
)

// goGemm is a hand-written pure-Go float32 GEMM for small matrices, kept in
// the tests to measure against OpenBLAS (BenchmarkAttention). It packs op(A)
// and op(B)ᵀ into contiguous rows and computes 4×4 blocks of C as 16 dot
// products held in registers.
func goGemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	buf := packPool.Get().(*[]float32)
	defer packPool.Put(buf)
	if cap(*buf) < (m+n)*k {
		*buf = make([]float32, (m+n)*k)
	}
	pa, pb := (*buf)[:m*k], (*buf)[m*k:(m+n)*k]
	pack(pa, tA, m, k, a, lda)
	pack(pb, !tB, n, k, b, ldb)
	i := 0
	for ; i+4 <= m; i += 4 {
		j := 0
		for ; j+4 <= n; j += 4 {
			block4x4(pa[i*k:], pb[j*k:], k, alpha, beta, c[i*ldc+j:], ldc)
		}
		for ; j < n; j++ {
			for r := i; r < i+4; r++ {
				c[r*ldc+j] = alpha*dot(pa[r*k:(r+1)*k], pb[j*k:(j+1)*k]) + scaled(beta, c[r*ldc+j])
			}
		}
	}
	for ; i < m; i++ {
		for j := range n {
			c[i*ldc+j] = alpha*dot(pa[i*k:(i+1)*k], pb[j*k:(j+1)*k]) + scaled(beta, c[i*ldc+j])
		}
	}
}

var packPool = sync.Pool{New: func() any { return new([]float32) }}

// pack copies the r×cols matrix op(X) into dst, row after row.
func pack(dst []float32, trans bool, r, cols int, x []float32, ld int) {
	for i := range r {
		row := dst[i*cols : (i+1)*cols]
		if !trans {
			copy(row, x[i*ld:i*ld+cols])
			continue
		}
		for j := range row {
			row[j] = x[j*ld+i]
		}
	}
}

func dot(x, y []float32) float32 {
	var s float32
	y = y[:len(x)]
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

// block4x4 computes a 4×4 block of C from 4 packed rows of op(A), starting at
// pa, and 4 packed rows of op(B)ᵀ, starting at pb.
func block4x4(pa, pb []float32, k int, alpha, beta float32, c []float32, ldc int) {
	a0, a1, a2, a3 := pa[:k], pa[k:2*k], pa[2*k:3*k], pa[3*k:4*k]
	b0, b1, b2, b3 := pb[:k], pb[k:2*k], pb[2*k:3*k], pb[3*k:4*k]
	var s [4][4]float32
	for l := range a0 {
		x0, x1, x2, x3 := a0[l], a1[l], a2[l], a3[l]
		y0, y1, y2, y3 := b0[l], b1[l], b2[l], b3[l]
		s[0][0] += x0 * y0
		s[0][1] += x0 * y1
		s[0][2] += x0 * y2
		s[0][3] += x0 * y3
		s[1][0] += x1 * y0
		s[1][1] += x1 * y1
		s[1][2] += x1 * y2
		s[1][3] += x1 * y3
		s[2][0] += x2 * y0
		s[2][1] += x2 * y1
		s[2][2] += x2 * y2
		s[2][3] += x2 * y3
		s[3][0] += x3 * y0
		s[3][1] += x3 * y1
		s[3][2] += x3 * y2
		s[3][3] += x3 * y3
	}
	for r := range 4 {
		row := c[r*ldc : r*ldc+4]
		for j := range row {
			row[j] = alpha*s[r][j] + scaled(beta, row[j])
		}
	}
}

// TestGoKernel checks the benchmark's Go kernel against the reference.
func TestGoKernel(t *testing.T) {
	for _, tc := range gemmCases() {
		if tc.m == 0 || tc.n == 0 {
			continue
		}
		r := rand.New(rand.NewPCG(6, 6))
		rowsA, colsA := shape(tc.tA, tc.m, tc.k)
		rowsB, colsB := shape(tc.tB, tc.k, tc.n)
		lda, ldb, ldc := max(1, colsA)+tc.pad, max(1, colsB)+tc.pad, tc.n+tc.pad
		a, b, c := randSlice[float32](r, rowsA*lda), randSlice[float32](r, rowsB*ldb), randSlice[float32](r, tc.m*ldc)
		want, scale := refGemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, float32(tc.alpha), a, lda, b, ldb, float32(tc.beta), c, ldc)
		goGemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, float32(tc.alpha), a, lda, b, ldb, float32(tc.beta), c, ldc)
		for i := range tc.m {
			for j := range tc.n {
				if d := float64(c[i*ldc+j]) - want[i*tc.n+j]; d > 1e-5*scale[i*tc.n+j] || -d > 1e-5*scale[i*tc.n+j] {
					t.Fatalf("%v: C[%d][%d] = %v, want %v", tc, i, j, c[i*ldc+j], want[i*tc.n+j])
				}
			}
		}
	}
}
