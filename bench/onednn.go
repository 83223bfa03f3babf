package bench

import (
	"math/rand/v2"
	"unsafe"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/blas/onednn"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/internal/half"
	"github.com/aim-go/aim/layers"
)

// OneDNNReport is what oneDNN did during a benchmark, and how fast it
// multiplies the model's linear layers on their own.
type OneDNNReport struct {
	Version string `json:"version"`
	// ISA is the instruction set oneDNN dispatches to (capped by
	// DNNL_MAX_CPU_ISA); NativeBF16 whether bf16 runs in hardware there.
	ISA        string `json:"isa"`
	NativeBF16 bool   `json:"native_bf16"`
	// Products are the products the benchmark ran on oneDNN, with the
	// implementation of each (e.g. brg:avx512_core_amx_bf16).
	Products []onednn.Use `json:"products"`
	// IsolatedGFLOPs is the rate of the trunk's linear-layer products at
	// the benchmark's row count, each timed alone on oneDNN with weights
	// packed once and inputs already rounded, in bf16 (and in f32 for
	// comparison): the machine's rate for this model's products.
	IsolatedGFLOPs    map[string]float64 `json:"isolated_gflops"`
	IsolatedGFLOPRows int                `json:"isolated_rows"`
}

// oneDNNReport returns the report, or nil where oneDNN is not loaded.
func oneDNNReport(cfg graph.Config, rows int) *OneDNNReport {
	if onednn.Load() != nil {
		return nil
	}
	r := &OneDNNReport{Version: onednn.Version(), ISA: onednn.ISA(), NativeBF16: onednn.NativeBF16(),
		Products: onednn.Stats(), IsolatedGFLOPs: map[string]float64{}, IsolatedGFLOPRows: rows}
	for _, t := range []onednn.DataType{onednn.BF16, onednn.F32} {
		if t == onednn.BF16 && blas.CheckPrecision(blas.PrecisionBF16) != nil {
			continue
		}
		if rate, err := isolatedRate(cfg, rows, t); err == nil {
			r.IsolatedGFLOPs[t.String()] = rate
		}
	}
	return r
}

// linearShapes are a block's linear layers as (out, in): qkv, proj, and
// the MLP's fc1 and fc2 — for SwiGLU (AIMv2) the gate and up projections
// and the down one.
func linearShapes(cfg graph.Config) [][2]int {
	d, h := cfg.Width, cfg.Hidden()
	shapes := [][2]int{{3 * d, d}, {d, d}, {h, d}, {d, h}}
	if cfg.MLP == layers.MLPSwiGLU {
		shapes = append(shapes, [2]int{h, d})
	}
	return shapes
}

// isolatedFraction returns gflops as a fraction of the isolated rate of
// the trunk's products at rows rows in precision p (0 when oneDNN cannot
// measure it).
func isolatedFraction(gflops float64, cfg graph.Config, rows int, p blas.Precision) float64 {
	t := onednn.F32
	if p == blas.PrecisionBF16 {
		t = onednn.BF16
	}
	if onednn.Load() != nil {
		return 0
	}
	rate, err := isolatedRate(cfg, rows, t)
	if err != nil || rate == 0 {
		return 0
	}
	return gflops / rate
}

// isolatedRate times each of a block's linear products at rows rows alone
// (median of 5 after one warm-up) and returns their total rate in GFLOP/s.
func isolatedRate(cfg graph.Config, rows int, t onednn.DataType) (float64, error) {
	var flops, secs float64
	for _, s := range linearShapes(cfg) {
		sec, err := timeProduct(rows, s[0], s[1], t)
		if err != nil {
			return 0, err
		}
		flops += 2 * float64(rows) * float64(s[0]) * float64(s[1])
		secs += sec
	}
	return flops / secs / 1e9, nil
}

// timeProduct times y = x·Wᵀ for x rows×in and W out×in, on real data
// (never oneDNN's untouched, zero-page memory).
func timeProduct(rows, out, in int, t onednn.DataType) (float64, error) {
	rng := rand.New(rand.NewPCG(uint64(out), uint64(in)))
	x, w := operand(rng, rows*in, t), operand(rng, out*in, t)
	y := make([]float32, rows*out)
	p := onednn.Product{M: rows, N: out, K: in, TransB: true, LDA: in, LDB: in, LDC: out, Type: t, Alpha: 1, PackedB: true}
	packed, err := onednn.Pack(p, w, out*in)
	if err != nil {
		return 0, err
	}
	defer packed.Free()
	return medianOf(func() error { return packed.Matmul(p, x, rows*in, nil, y) }, 1, 5)
}

// operand returns n normal values of type t.
func operand(rng *rand.Rand, n int, t onednn.DataType) unsafe.Pointer {
	if t == onednn.BF16 {
		v := make([]uint16, n)
		for i := range v {
			v[i] = half.ToBF16(float32(rng.NormFloat64()))
		}
		return unsafe.Pointer(&v[0])
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return unsafe.Pointer(&v[0])
}
