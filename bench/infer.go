package bench

import (
	"runtime"
	"runtime/debug"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/graph"
)

// InferResult is what Infer measured: the frozen-trunk feature pass of a
// preset at several batch sizes.
type InferResult struct {
	Preset      string  `json:"preset"`
	Weights     string  `json:"weights"`   // f32, or bf16/f16 for linear weights held as 16-bit values
	Precision   string  `json:"precision"` // how products compute: f32 or bf16
	BLAS        string  `json:"blas"`
	BLASInfo    string  `json:"blas_info"`
	Threads     int     `json:"threads"`
	GFLOPPerImg float64 `json:"gflop_per_image"` // the trunk's matrix products, forward
	SgemmGFLOPs float64 `json:"sgemm_gflops"`    // 512×512×512 float32 on the same backend
	// PeakGFLOPs is the CPU's AVX-512 FMA peak on all threads (0: not
	// measured, no AVX-512).
	PeakGFLOPs float64       `json:"fma_peak_gflops"`
	Batches    []InferTiming `json:"batches"`
	PeakRSSMB  float64       `json:"peak_rss_mb"`
	OneDNN     *OneDNNReport `json:"onednn,omitempty"` // nil: oneDNN not loaded
}

// InferTiming is the feature pass at one batch size (median of the timed
// passes).
type InferTiming struct {
	Batch         int     `json:"batch"`
	BatchSec      float64 `json:"batch_s"`
	ImagesPerSec  float64 `json:"images_per_s"`
	GFLOPs        float64 `json:"gflops"`
	SgemmFraction float64 `json:"sgemm_fraction"`
	PeakFraction  float64 `json:"fma_peak_fraction,omitempty"` // of PeakGFLOPs
	// IsolatedFraction is GFLOPs over the rate of the trunk's linear
	// products timed alone on oneDNN at the same rows, in the same
	// precision (OneDNNReport.IsolatedGFLOPs): how close the whole pass
	// comes to the machine's product rate (0: not measured).
	IsolatedFraction float64 `json:"isolated_fraction,omitempty"`
	GraphBuildSec    float64 `json:"graph_build_s"`
	FeatureBlocks    []int   `json:"feature_blocks"`
	Steps            int     `json:"steps"` // timed passes, after one warm-up pass
}

// InferWeights are the weight formats Infer takes: float32, or the linear
// layers' weights held as 16-bit values, as from a BF16 or F16 file.
var InferWeights = map[string]blas.Half{"f32": 0, "bf16": blas.BF16, "f16": blas.F16}

// Infer builds the trunk of a preset (no prediction head) with random
// weights in the given format (see InferWeights) and times its feature
// pass on random images at each batch size: steps timed passes after one
// warm-up pass. Products compute in precision prec.
func Infer(preset string, batches []int, steps int, weights string, prec blas.Precision) (*InferResult, error) {
	h, ok := InferWeights[weights]
	if !ok {
		return nil, errors.Errorf("weights %q: expected f32, bf16 or f16", weights)
	}
	cfg, err := graph.Preset(preset)
	if err != nil {
		return nil, err
	}
	if steps < 1 || len(batches) == 0 {
		return nil, errors.Errorf("steps %d and %d batch sizes: expected at least one of each", steps, len(batches))
	}
	cfg.HeadWidth, cfg.HeadDepth = 0, 0
	m, err := graph.New(cfg, tensor.Float32, 1)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	if err := m.Params.SetPrecision(prec); err != nil {
		return nil, err
	}
	if h != 0 {
		if err := m.HoldHalf(h); err != nil {
			return nil, err
		}
		// The float32 weights are garbage now: return them to the system
		// before timing, rather than while the passes run.
		debug.FreeOSMemory()
	}
	_, infer := cfg.FLOPs()
	r := &InferResult{Preset: preset, Weights: weights, Precision: prec.String(), BLAS: blas.Backend(), BLASInfo: blas.Info(), Threads: runtime.GOMAXPROCS(0),
		GFLOPPerImg: infer / 1e9, SgemmGFLOPs: sgemmRate(), PeakGFLOPs: blas.PeakGFLOPS()}
	for _, b := range batches {
		if b < 1 {
			return nil, errors.Errorf("batch %d must be positive", b)
		}
		t, err := timeInference(m, b, steps)
		if err != nil {
			return nil, err
		}
		t.GFLOPs = infer * t.ImagesPerSec / 1e9
		t.SgemmFraction = t.GFLOPs / r.SgemmGFLOPs
		if r.PeakGFLOPs > 0 {
			t.PeakFraction = t.GFLOPs / r.PeakGFLOPs
		}
		r.Batches = append(r.Batches, *t)
	}
	r.PeakRSSMB = peakRSS()
	tokens := cfg.Grid().Len()
	for i := range r.Batches {
		t := &r.Batches[i]
		t.IsolatedFraction = isolatedFraction(t.GFLOPs, cfg, t.Batch*tokens, prec)
	}
	r.OneDNN = oneDNNReport(cfg, batches[len(batches)-1]*tokens)
	return r, nil
}

// timeInference builds the feature graph for batch images and times it.
func timeInference(m *graph.Model, batch, steps int) (*InferTiming, error) {
	images := randomImages(batch, m.Config)
	var fg *graph.FeatureGraph
	build, err := timeOnce(func() error {
		var err error
		fg, err = m.NewFeatureGraph(batch, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	defer fg.Close()
	var out []float32
	sec, err := medianOf(func() error {
		out, err = fg.Features(images, out[:0])
		return err
	}, 1, steps)
	if err != nil {
		return nil, err
	}
	return &InferTiming{Batch: batch, BatchSec: sec, ImagesPerSec: float64(batch) / sec, GraphBuildSec: build,
		FeatureBlocks: fg.Layers(), Steps: steps}, nil
}
