package blas

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

// reportGFLOPS reports the rate of b.N rounds of flops floating-point
// operations each.
func reportGFLOPS(b *testing.B, flops float64) {
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// benchBackends runs f as a sub-benchmark on every available backend, and
// on OpenBLAS twice: with its default threads and with one thread.
func benchBackends(b *testing.B, f func(b *testing.B)) {
	prev, prevThreads := Backend(), Threads()
	defer func() { mustUse(b, prev); SetThreads(prevThreads) }()
	for _, name := range Available() {
		mustUse(b, name)
		SetThreads(0)
		b.Run(name, f)
		if name == OpenBLAS {
			SetThreads(1)
			b.Run(name+"-1thread", f)
			SetThreads(0)
		}
	}
}

func benchGemm[T Float](b *testing.B, tA, tB bool, m, n, k int) {
	r := rand.New(rand.NewPCG(1, 1))
	x, y, c := randSlice[T](r, m*k), randSlice[T](r, k*n), make([]T, m*n)
	lda, ldb := k, n
	if tA {
		lda = m
	}
	if tB {
		ldb = k
	}
	for b.Loop() {
		Gemm(tA, tB, m, n, k, 1, x, lda, y, ldb, 0, c, n)
	}
	reportGFLOPS(b, 2*float64(m)*float64(n)*float64(k))
}

// BenchmarkGemm measures one product at a time: tiny shows the cost of a
// call, attention is the per-head Q·Kᵀ of a 7×7 grid of tokens with heads 64
// wide, and mlp the first MLP product of a 56×56-token, width-192 block;
// aim600m_mlp is the first MLP product of AIM-0.6B (256 tokens, width 1536,
// weights stored as PyTorch's (out, in), hence NT) at batch 1 and batch 8.
func BenchmarkGemm(b *testing.B) {
	benchBackends(b, func(b *testing.B) {
		b.Run("f32/512x512x512", func(b *testing.B) { benchGemm[float32](b, false, false, 512, 512, 512) })
		b.Run("f64/512x512x512", func(b *testing.B) { benchGemm[float64](b, false, false, 512, 512, 512) })
		b.Run("f32/tiny_NN_8x8x8", func(b *testing.B) { benchGemm[float32](b, false, false, 8, 8, 8) })
		b.Run("f32/attention_NT_49x49x64", func(b *testing.B) { benchGemm[float32](b, false, true, 49, 49, 64) })
		b.Run("f32/mlp_NN_3136x768x192", func(b *testing.B) { benchGemm[float32](b, false, false, 3136, 768, 192) })
		b.Run("f32/aim600m_mlp_NT_256x6144x1536", func(b *testing.B) { benchGemm[float32](b, false, true, 256, 6144, 1536) })
		b.Run("f32/aim600m_mlp_NT_2048x6144x1536", func(b *testing.B) { benchGemm[float32](b, false, true, 2048, 6144, 1536) })
	})
}

// attention holds the Q, K, V of a multi-head attention as the model stores
// them: one row of 3·d values per token, the heads side by side.
type attention struct {
	batch, heads, tokens, dh int
	qkv, probs, out          []float32
}

func newAttention(batch, heads, tokens, dh int) *attention {
	r := rand.New(rand.NewPCG(2, 2))
	d := heads * dh
	return &attention{
		batch: batch, heads: heads, tokens: tokens, dh: dh,
		qkv:   randSlice[float32](r, batch*tokens*3*d),
		probs: make([]float32, batch*heads*tokens*tokens),
		out:   make([]float32, batch*tokens*d),
	}
}

// flops is the work of one pass over every (sample, head).
func (at *attention) flops() float64 {
	return float64(at.batch*at.heads) * 4 * float64(at.tokens*at.tokens*at.dh)
}

// head computes P = Q·Kᵀ/√dh and O = P·V for one (sample, head) with gemm.
func (at *attention) head(bh int, gemm func(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)) {
	i, h := bh/at.heads, bh%at.heads
	t, d := at.tokens, at.heads*at.dh
	row := i * t * 3 * d
	q, k, v := row+h*at.dh, row+d+h*at.dh, row+2*d+h*at.dh
	p := at.probs[bh*t*t : (bh+1)*t*t]
	gemm(false, true, t, t, at.dh, 0.125, at.qkv[q:], 3*d, at.qkv[k:], 3*d, 0, p, t)
	gemm(false, false, t, at.dh, t, 1, p, t, at.qkv[v:], 3*d, 0, at.out[i*t*d+h*at.dh:], d)
}

// run splits the (sample, head) pairs over workers goroutines, in contiguous
// chunks as internal/parallel.For does.
func (at *attention) run(workers int, gemm func(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)) {
	n := at.batch * at.heads
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += chunk {
		wg.Go(func() {
			for bh := lo; bh < min(lo+chunk, n); bh++ {
				at.head(bh, gemm)
			}
		})
	}
	wg.Wait()
}

// BenchmarkAttention compares ways of running many tiny products (batch 32,
// 6 heads, 49 tokens, head width 64) on 1 or 2 goroutines: OpenBLAS with 1 or
// 2 threads of its own, gonum, and the hand-written Go kernel of
// kernel_test.go.
func BenchmarkAttention(b *testing.B) {
	at := newAttention(32, 6, 49, 64)
	prev, prevThreads := Backend(), Threads()
	defer func() { mustUse(b, prev); SetThreads(prevThreads) }()
	type strategy struct {
		backend string
		threads int
		kernel  func(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
	}
	strategies := map[string]strategy{
		"gonum":         {Gonum, 0, Gemm[float32]},
		"gokernel":      {Gonum, 0, goGemm},
		"openblas-1thr": {OpenBLAS, 1, Gemm[float32]},
		"openblas-2thr": {OpenBLAS, 2, Gemm[float32]},
	}
	for _, name := range []string{"gonum", "gokernel", "openblas-1thr", "openblas-2thr"} {
		s := strategies[name]
		if err := Use(s.backend); err != nil {
			b.Logf("skipping %s: %v", name, err)
			continue
		}
		SetThreads(s.threads)
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/goroutines=%d", name, workers), func(b *testing.B) {
				for b.Loop() {
					at.run(workers, s.kernel)
				}
				reportGFLOPS(b, at.flops())
			})
		}
	}
	SetThreads(0)
}

// BenchmarkMixed runs what one block of the model does between two
// synchronisations: a large MLP product (3136×768×192), then the attention
// heads on 2 goroutines, with OpenBLAS at 1 and 2 threads. It shows whether
// the threads OpenBLAS starts for the large product get in the way of the
// goroutines that follow.
func BenchmarkMixed(b *testing.B) {
	at := newAttention(32, 6, 49, 64)
	r := rand.New(rand.NewPCG(3, 3))
	x, w, y := randSlice[float32](r, 3136*192), randSlice[float32](r, 192*768), make([]float32, 3136*768)
	prev, prevThreads := Backend(), Threads()
	defer func() { mustUse(b, prev); SetThreads(prevThreads) }()
	for _, name := range Available() {
		mustUse(b, name)
		for _, threads := range []int{1, 2} {
			if name == Gonum && threads == 1 {
				continue
			}
			SetThreads(threads)
			b.Run(fmt.Sprintf("%s/threads=%d", name, threads), func(b *testing.B) {
				for b.Loop() {
					Gemm(false, false, 3136, 768, 192, 1, x, 192, w, 768, 0, y, 768)
					at.run(2, Gemm[float32])
				}
				reportGFLOPS(b, 2*3136*768*192+at.flops())
			})
		}
	}
}
