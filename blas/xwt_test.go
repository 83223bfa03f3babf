package blas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"unsafe"

	"github.com/aim-go/aim/blas/onednn"
)

// checkNT runs gemmNT on a case and compares it with refGemm, checking that
// the padding after each row of C is left alone.
func checkNT(t *testing.T, r *rand.Rand, tc gemmCase, nanC bool) {
	t.Helper()
	lda, ldb, ldc := tc.k+tc.pad, tc.k+tc.pad, tc.n+tc.pad
	a, b, c := randSlice[float32](r, tc.m*lda), randSlice[float32](r, tc.n*ldb), randSlice[float32](r, tc.m*ldc)
	if nanC {
		for i := range c {
			c[i] = float32(math.NaN())
		}
	}
	orig := append([]float32(nil), c...)
	want, scale := refGemm(false, true, tc.m, tc.n, tc.k, float32(tc.alpha), a, lda, b, ldb, float32(tc.beta), c, ldc)
	gemmNT(tc.m, tc.n, tc.k, float32(tc.alpha), a, lda, b, ldb, float32(tc.beta), c, ldc)
	for i := range tc.m {
		for j := range ldc {
			got := c[i*ldc+j]
			if j >= tc.n {
				if math.Float32bits(got) != math.Float32bits(orig[i*ldc+j]) {
					t.Fatalf("%v: C[%d][%d] in the padding changed", tc, i, j)
				}
				continue
			}
			w, s := want[i*tc.n+j], scale[i*tc.n+j]
			if nanC && tc.beta == 0 {
				w, s = 0, 0
				for l := range tc.k {
					p := tc.alpha * float64(a[i*lda+l]) * float64(b[j*ldb+l])
					w, s = w+p, s+math.Abs(p)
				}
			}
			if d := math.Abs(float64(got) - w); !(d <= 1e-5*max(s, 1e-30)) {
				t.Fatalf("%v: C[%d][%d] = %v, want %v (scale %v)", tc, i, j, got, w, s)
			}
		}
	}
}

// TestNTKernel compares the X·Wᵀ kernel with the float64 triple loop on
// shapes that exercise every edge: fewer rows of A than a panel and rows
// beyond a multiple of 32, rows of B beyond a multiple of 12, k beyond a
// multiple of 16 (and of 4) and over several blocks of k, whole and partial
// panels over several blocks of k, blocks of rows of A and of B, products
// shared out by rows and by columns (fewer and more than xwtRowsMaxN rows of
// B), strided
// sub-matrices, and the
// scalars alpha and beta (including beta = 0 over a C of NaNs, which must
// not read C).
func TestNTKernel(t *testing.T) {
	if !hasNTKernel() {
		t.Skip("no AVX-512 on this CPU: the X·Wᵀ kernel is not used")
	}
	r := rand.New(rand.NewPCG(5, 5))
	sizes := [][3]int{{4, 6, 16}, {5, 7, 17}, {7, 11, 31}, {8, 12, 1}, {259, 101, 64}, {12, 200, xwtMaxBlockK + 7}, {9, 13, 2*xwtMaxBlockK + 16}, {xwtBlockM + 8, xwtBlockN + 6, 48}, {64, 24, xwtMaxBlockK + 7}, {97, 36, 2*xwtMaxBlockK + 16}, {259, xwtRowsMaxN + 11, 64}, {70, xwtRowsMaxN + 24, xwtMaxBlockK + 7}}
	scalars := [][2]float64{{1, 0}, {0.5, -1.5}, {-2, 1}, {0, 0.25}}
	for i, s := range sizes {
		for j, ab := range scalars {
			tc := gemmCase{false, true, s[0], s[1], s[2], ab[0], ab[1], (i + j) % 3 * 5}
			t.Run(tc.String(), func(t *testing.T) { checkNT(t, r, tc, false) })
		}
		tc := gemmCase{false, true, s[0], s[1], s[2], 1.5, 0, 3}
		t.Run(tc.String()+"_nanC", func(t *testing.T) { checkNT(t, r, tc, true) })
	}
}

// TestGemmOnNTKernel runs products that Gemm gives the kernel through Gemm,
// on every backend: strided, with the scalars, against the triple loop.
func TestGemmOnNTKernel(t *testing.T) {
	if !hasNTKernel() {
		t.Skipf("the X·Wᵀ kernel does not run on this route (%s)", Routes())
	}
	defer setXWT(xwtAuto)()
	eachBackend(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(6, 6))
		for i, tc := range []gemmCase{
			{false, true, 39, 601, 600, 1, 0, 0},
			{false, true, 64, 150, 1000, 0.5, -1.5, 5},
			{false, true, 37, 1000, 530, -2, 1, 10},
		} {
			if !useNTKernel(tc.tA, tc.tB, tc.m, tc.n, tc.k) {
				t.Fatalf("case %d (%v) is not routed to the kernel", i, tc)
			}
			checkGemmCase[float32](t, r, tc)
		}
	})
}

// TestNTAlphaZero checks that with alpha = 0 the kernel, like BLAS, reads
// neither A nor B: their NaNs do not reach C, which becomes beta·C.
func TestNTAlphaZero(t *testing.T) {
	m, n, k := 8, 12, 32
	a, b := make([]float32, m*k), make([]float32, n*k)
	for i := range a {
		a[i] = float32(math.NaN())
	}
	for _, beta := range []float32{0, 0.5} {
		c := make([]float32, m*n)
		for i := range c {
			c[i] = float32(i)
		}
		gemmNT(m, n, k, 0, a, k, b, k, beta, c, n)
		for i, v := range c {
			if want := beta * float32(i); v != want {
				t.Fatalf("beta %v: C[%d] = %v, want %v", beta, i, v, want)
			}
		}
	}
}

// TestNTRoute checks which products Gemm gives the X·Wᵀ kernel: only
// float32 A·Bᵀ large enough, and under xwtMaxRows rows when OpenBLAS runs
// AVX-512 kernels of its own.
func TestNTRoute(t *testing.T) {
	defer setXWT(xwtAuto)()
	if !hasNTKernel() {
		if useNTKernel(false, true, 256, 1536, 1536) {
			t.Fatal("routed to the kernel on a CPU without AVX-512")
		}
		t.Skip("no AVX-512 on this CPU")
	}
	cases := []struct {
		tA, tB  bool
		m, n, k int
		want    bool
	}{
		{false, true, 256, 1536, 1536, true},
		{false, false, 256, 1536, 1536, false},
		{true, true, 256, 1536, 1536, false},
		{false, true, xwtTileRows - 1, 4096, 4096, false},
		{false, true, xwtTileRows, 4096, 4096, true},
		{false, true, 256, 11, 4096, false},
		{false, true, 256, 1536, xwtMinK - 1, false},
		{false, true, 256, 256, 128, false},
		{false, true, 16, 16, 16, false},
		{false, true, xwtMaxRows, 1536, 1536, !backendHasAVX512Kernels()},
	}
	for _, c := range cases {
		if got := useNTKernel(c.tA, c.tB, c.m, c.n, c.k); got != c.want {
			t.Errorf("useNTKernel(%v, %v, %d, %d, %d) = %v, want %v (backend %s)", c.tA, c.tB, c.m, c.n, c.k, got, c.want, Info())
		}
	}
}

// TestColumnBlock checks the width of a block of columns: a multiple of 12,
// at most xwtBlockN, AIM's widths in blocks of exactly xwtBlockN, and as many
// blocks for each worker (the last one shorter).
func TestColumnBlock(t *testing.T) {
	for _, c := range []struct{ n, workers, want int }{
		{1536, 2, 96}, {4608, 2, 96}, {6144, 2, 96}, {256, 2, 72}, {192, 2, 96}, {200, 2, 60}, {13, 2, 12}, {12, 1, 12}, {1000, 3, 84},
	} {
		got := columnBlock(c.n, c.workers)
		if got != c.want {
			t.Errorf("columnBlock(%d, %d) = %d, want %d", c.n, c.workers, got, c.want)
		}
		if got%xwtTileCols != 0 || got > xwtBlockN {
			t.Errorf("columnBlock(%d, %d) = %d: not a multiple of 12 within xwtBlockN", c.n, c.workers, got)
		}
	}
}

// TestColumnQueue checks that every block is handed out exactly once, in
// order within a worker's own share, and that a worker that finishes takes
// what another has left — also when the others never start.
func TestColumnQueue(t *testing.T) {
	for _, c := range []struct{ blocks, workers int }{{1, 1}, {16, 2}, {17, 3}, {64, 4}, {5, 8}} {
		q := newColumnQueue(c.blocks, c.workers)
		seen := make([]int, c.blocks)
		own := q.shares[0]
		for want := own[0]; want < own[1]; want++ {
			if got, ok := q.take(0); !ok || got != want {
				t.Fatalf("%+v: worker 0 took %d (%v), want its own block %d", c, got, ok, want)
			}
			seen[want]++
		}
		for blk, ok := q.take(0); ok; blk, ok = q.take(0) {
			seen[blk]++
		}
		for blk, n := range seen {
			if n != 1 {
				t.Fatalf("%+v: block %d handed out %d times with one worker taking", c, blk, n)
			}
		}
		for w := range c.workers {
			if blk, ok := q.take(w); ok {
				t.Fatalf("%+v: worker %d took block %d after all were taken", c, w, blk)
			}
		}
	}
	// Concurrent takers; worker 0 stalls after its first block (if the others
	// leave it one) until the others are done, so they must take the rest of
	// its share.
	const blocks, workers = 200, 4
	q := newColumnQueue(blocks, workers)
	var mu sync.Mutex
	seen := make([]int, blocks)
	taken := make([]int, workers)
	var others, all sync.WaitGroup
	others.Add(workers - 1)
	all.Add(workers)
	for w := range workers {
		go func() {
			defer all.Done()
			for blk, ok := q.take(w); ok; blk, ok = q.take(w) {
				mu.Lock()
				seen[blk]++
				taken[w]++
				mu.Unlock()
				if w == 0 && taken[0] == 1 {
					others.Wait()
				}
			}
			if w > 0 {
				others.Done()
			}
		}()
	}
	all.Wait()
	for blk, n := range seen {
		if n != 1 {
			t.Fatalf("block %d handed out %d times", blk, n)
		}
	}
	if taken[0] > 1 {
		t.Errorf("the stalled worker took %d blocks, want at most 1: the others left its share to it (%v)", taken[0], taken)
	}
}

// BenchmarkGemmNT compares the X·Wᵀ kernel with the backend on AIM-0.6B's
// products (256 tokens per image, width 1536, MLP 6144) at 1, 4 and 8
// images, and one head's attention scores Q·Kᵀ (head width 128).
func BenchmarkGemmNT(b *testing.B) {
	shapes := []struct {
		name    string
		n, k    int
		batches []int
	}{{"qkv", 4608, 1536, []int{1, 8}}, {"proj", 1536, 1536, []int{1, 8}}, {"scores", 256, 128, []int{1}}, {"fc1", 6144, 1536, []int{1, 4, 8}}, {"fc2", 1536, 6144, []int{1, 4, 8}}}
	for _, s := range shapes {
		for _, batch := range s.batches {
			m := 256 * batch
			for _, route := range []string{"kernel", Backend(), "onednn_f32", "bf16"} {
				b.Run(fmt.Sprintf("%s_%dx%dx%d/%s", s.name, m, s.n, s.k, route), func(b *testing.B) {
					if route == "onednn_f32" || route == "bf16" {
						benchOneDNN(b, route, m, s.n, s.k)
						return
					}
					kernel := route == "kernel"
					if kernel && !hasNTKernel() {
						b.Skip("no AVX-512 on this CPU")
					}
					if !kernel {
						defer setXWT(xwtOff)()
					}
					r := rand.New(rand.NewPCG(1, 1))
					x, w, c := randSlice[float32](r, m*s.k), randSlice[float32](r, s.n*s.k), make([]float32, m*s.n)
					for b.Loop() {
						if kernel {
							gemmNT(m, s.n, s.k, 1, x, s.k, w, s.k, 0, c, s.n)
						} else {
							Gemm(false, true, m, s.n, s.k, 1, x, s.k, w, s.k, 0, c, s.n)
						}
					}
					reportGFLOPS(b, 2*float64(m)*float64(s.n)*float64(s.k))
				})
			}
		}
	}
}

// TestPackPanels checks the panels' layout value by value: rows past the
// last zero, two blocks of k, the second not a multiple of 16, a partial
// panel after two whole ones.
func TestPackPanels(t *testing.T) {
	if !hasNTKernel() {
		t.Skip("no AVX-512 on this CPU")
	}
	rows, k, lda := 2*xwtTileRows+5, xwtMaxBlockK+40, xwtMaxBlockK+43
	r := rand.New(rand.NewPCG(8, 8))
	a := randSlice[float32](r, rows*lda)
	for _, shared := range []bool{false, true} {
		checkPanels(t, a, lda, rows, k, shared)
	}
}

func checkPanels(t *testing.T, a []float32, lda, rows, k int, shared bool) {
	t.Helper()
	panels, kc := xwtPanels(rows), xwtBlockK(k)
	dst := make([]float32, panels*xwtTileRows*k)
	for i := range dst {
		dst[i] = float32(math.NaN())
	}
	packPanels(dst, a, lda, rows, k, shared)
	for q := range panels {
		for p0 := 0; p0 < k; p0 += kc {
			w := min(kc, k-p0)
			for p := range w {
				for i := range xwtTileRows {
					got, want := dst[xwtTileRows*(panels*p0+q*w)+xwtTileRows*p+i], float32(0)
					if row := q*xwtTileRows + i; row < rows {
						want = a[row*lda+p0+p]
					}
					if math.Float32bits(got) != math.Float32bits(want) {
						t.Fatalf("shared %v: panel %d, k %d, row %d: %v, want %v", shared, q, p0+p, i, got, want)
					}
				}
			}
		}
	}
}

// BenchmarkPackPanels measures the copy of 256 rows of A into panels (per
// value, on all cores), which the kernel pays once per product.
func BenchmarkPackPanels(b *testing.B) {
	if !hasNTKernel() {
		b.Skip("no AVX-512 on this CPU")
	}
	r := rand.New(rand.NewPCG(1, 1))
	for _, k := range []int{1536, 6144} {
		a, dst := randSlice[float32](r, xwtBlockM*k), make([]float32, xwtBlockM*k)
		b.Run(fmt.Sprint(k), func(b *testing.B) {
			for b.Loop() {
				packPanels(dst, a, k, xwtBlockM, k, true)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(xwtBlockM*k), "ns/value")
		})
	}
}

// BenchmarkFMAPeak measures the peak float32 rate of the CPU's AVX-512
// FMAs (24 independent chains, no memory), on one core and on all of them
// at once: the ceiling against which the kernel's and OpenBLAS's GFLOP/s
// are read.
func BenchmarkFMAPeak(b *testing.B) {
	if !hasNTKernel() {
		b.Skip("no AVX-512 on this CPU")
	}
	const steps = 1 << 20
	for _, cores := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("cores=%d", cores), func(b *testing.B) {
			for b.Loop() {
				fmaPeakOn(cores, steps)
			}
			reportGFLOPS(b, float64(cores)*steps*24*32)
		})
	}
}

// benchOneDNN times x·Wᵀ on oneDNN: in f32 with W packed once, or in bf16
// by LinearBF16 (x rounded on every call, W packed once).
func benchOneDNN(b *testing.B, route string, m, n, k int) {
	if err := onednn.Load(); err != nil {
		b.Skip(err)
	}
	if route == "bf16" && CheckPrecision(PrecisionBF16) != nil {
		b.Skip(CheckPrecision(PrecisionBF16))
	}
	r := rand.New(rand.NewPCG(1, 1))
	x, w, c := randSlice[float32](r, m*k), randSlice[float32](r, n*k), make([]float32, m*n)
	if route == "bf16" {
		var pw PackedWeights
		defer pw.Free()
		if err := pw.Pack(w, 0, nil, n, k); err != nil { // packed once, outside the timing
			b.Fatal(err)
		}
		for b.Loop() {
			if err := LinearBF16(&pw, x, w, 0, nil, nil, c, m, k, n); err != nil {
				b.Fatal(err)
			}
		}
	} else {
		p := onednn.Product{M: m, N: n, K: k, TransB: true, LDA: k, LDB: k, LDC: n, Type: onednn.F32, Alpha: 1, PackedB: true}
		packed, err := onednn.Pack(p, unsafe.Pointer(&w[0]), len(w))
		if err != nil {
			b.Fatal(err)
		}
		defer packed.Free()
		for b.Loop() {
			if err := packed.Matmul(p, unsafe.Pointer(&x[0]), len(x), nil, c); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportGFLOPS(b, 2*float64(m)*float64(n)*float64(k))
}
