package bench

import (
	"math/rand/v2"
	"runtime"
	"sort"
	"time"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/optim"
)

// Options select what to measure.
type Options struct {
	Preset string
	Batch  int
	Steps  int // timed steps (after 2 warm-up steps)
	// Precision is how the matrix products compute (blas.Precision).
	Precision blas.Precision
}

// Result is what Run measured. Times are medians over the timed steps.
type Result struct {
	Preset            string  `json:"preset"`
	Batch             int     `json:"batch"`
	Precision         string  `json:"precision"`
	BLAS              string  `json:"blas"`
	BLASInfo          string  `json:"blas_info"`
	Threads           int     `json:"threads"`
	TrainImagesPerSec float64 `json:"train_images_per_s"`
	InferImagesPerSec float64 `json:"infer_images_per_s"`
	TrainStepSec      float64 `json:"train_step_s"`
	InferBatchSec     float64 `json:"infer_batch_s"`
	TrainGFLOPPerImg  float64 `json:"train_gflop_per_image"`
	TrainGFLOPs       float64 `json:"train_gflops"`
	InferGFLOPs       float64 `json:"infer_gflops"`
	SgemmGFLOPs       float64 `json:"sgemm_gflops"` // 512×512×512 float32 on the same backend
	PeakRSSMB         float64 `json:"peak_rss_mb"`
	// TrainIsolatedFraction is TrainGFLOPs over the rate of the trunk's
	// linear products timed alone on oneDNN at the batch's rows, in the
	// same precision (0: not measured).
	TrainIsolatedFraction float64       `json:"train_isolated_fraction,omitempty"`
	OneDNN                *OneDNNReport `json:"onednn,omitempty"` // nil: oneDNN not loaded
}

// Run builds the preset's model and measures it on random images.
func Run(o Options) (*Result, error) {
	cfg, err := graph.Preset(o.Preset)
	if err != nil {
		return nil, err
	}
	if o.Batch < 1 || o.Steps < 1 {
		return nil, errors.Errorf("batch %d and steps %d must be positive", o.Batch, o.Steps)
	}
	r := &Result{Preset: o.Preset, Batch: o.Batch, Precision: o.Precision.String(), BLAS: blas.Backend(), BLASInfo: blas.Info(), Threads: runtime.GOMAXPROCS(0)}
	m, err := graph.New(cfg, tensor.Float32, 1)
	if err != nil {
		return nil, err
	}
	if err := m.Params.SetPrecision(o.Precision); err != nil {
		return nil, err
	}
	images := randomImages(o.Batch, cfg)
	if r.TrainStepSec, err = timeTraining(m, images, o); err != nil {
		return nil, err
	}
	if r.InferBatchSec, err = timeFeatures(m, images, o); err != nil {
		return nil, err
	}
	train, infer := cfg.FLOPs()
	r.TrainImagesPerSec = float64(o.Batch) / r.TrainStepSec
	r.InferImagesPerSec = float64(o.Batch) / r.InferBatchSec
	r.TrainGFLOPPerImg = train / 1e9
	r.TrainGFLOPs = train * r.TrainImagesPerSec / 1e9
	r.InferGFLOPs = infer * r.InferImagesPerSec / 1e9
	r.SgemmGFLOPs = sgemmRate()
	r.PeakRSSMB = peakRSS()
	rows := o.Batch * cfg.Grid().Len()
	r.TrainIsolatedFraction = isolatedFraction(r.TrainGFLOPs, cfg, rows, o.Precision)
	r.OneDNN = oneDNNReport(cfg, rows)
	return r, nil
}

func randomImages(n int, cfg graph.Config) []float32 {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]float32, n*cfg.Channels*cfg.ImageHeight*cfg.ImageWidth)
	for i := range out {
		out[i] = float32(rng.NormFloat64())
	}
	return out
}

// timeTraining times full training steps: forward, backward, clipping and
// the AdamW update.
func timeTraining(m *graph.Model, images []float32, o Options) (float64, error) {
	tg, err := m.NewTrainGraph(o.Batch, graph.Objective{})
	if err != nil {
		return 0, err
	}
	defer tg.Close()
	opt := optim.NewAdamW[float32]()
	var params []optim.Param[float32]
	rng := rand.New(rand.NewPCG(3, 4))
	prefixes := make([]int, o.Batch)
	k := m.Config.Grid().Len()
	step := func() error {
		for i := range prefixes {
			prefixes[i] = 1 + rng.IntN(k-1)
		}
		if _, err := tg.Step(images, prefixes); err != nil {
			return err
		}
		if params == nil {
			grads, err := tg.Gradients()
			if err != nil {
				return err
			}
			for _, g := range grads {
				params = append(params, optim.Param[float32]{Name: g.Name, Data: g.Value.Float32s(), Grad: g.Grad.Float32s(), Decay: len(g.Value.Shape()) >= 2})
			}
		}
		_, err := opt.Step(params, 1e-4)
		return err
	}
	return median(step, o.Steps)
}

func timeFeatures(m *graph.Model, images []float32, o Options) (float64, error) {
	fg, err := m.NewFeatureGraph(o.Batch, nil)
	if err != nil {
		return 0, err
	}
	defer fg.Close()
	var out []float32
	return median(func() error {
		out, err = fg.Features(images, out[:0])
		return err
	}, o.Steps)
}

// median runs f twice to warm up, then steps times, and returns the median
// duration in seconds.
func median(f func() error, steps int) (float64, error) { return medianOf(f, 2, steps) }

// timeOnce returns how long f takes, once.
func timeOnce(f func() error) (float64, error) {
	start := time.Now()
	err := f()
	return time.Since(start).Seconds(), err
}

// medianOf runs f warmup times, then steps times, and returns the median
// duration in seconds.
func medianOf(f func() error, warmup, steps int) (float64, error) {
	for i := 0; i < warmup; i++ {
		if err := f(); err != nil {
			return 0, err
		}
	}
	times := make([]float64, steps)
	for i := range times {
		start := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		times[i] = time.Since(start).Seconds()
	}
	sort.Float64s(times)
	return times[steps/2], nil
}

// sgemmRate measures a 512×512×512 float32 product on the active backend.
func sgemmRate() float64 {
	const n = 512
	a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
	for i := range a {
		a[i], b[i] = float32(i%7)/7, float32(i%5)/5
	}
	sec, _ := median(func() error {
		blas.Gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n)
		return nil
	}, 9)
	return 2 * n * n * n / sec / 1e9
}
