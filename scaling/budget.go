package scaling

import (
	"fmt"
	"math"
	"time"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/probe"
)

// Throughput is what a preset costs on the reference machine: the two
// cores of docs/results.md ("Set-up"), shared with other jobs as they
// were when measured. StepSeconds is a pre-training step of batch 64
// (aim bench, median of 7 repetitions); FeatureSeconds the feature pass of one
// downstream image; ProbeStepSeconds one step of the attentive probe.
type Throughput struct {
	StepSeconds      float64
	FeatureSeconds   float64
	ProbeStepSeconds float64
}

// Measured holds the medians measured on the reference machine, by preset
// and precision.
var Measured = map[string]map[blas.Precision]Throughput{
	"micro": {blas.PrecisionF32: {0.0255, 0.0061 / 64, 0.008}, blas.PrecisionBF16: {0.0435, 0.0083 / 64, 0.008}},
	"tiny":  {blas.PrecisionF32: {0.1114, 0.0334 / 64, 0.020}, blas.PrecisionBF16: {0.1112, 0.0260 / 64, 0.020}},
	"small": {blas.PrecisionF32: {0.541, 0.1303 / 64, 0.023}, blas.PrecisionBF16: {0.330, 0.0980 / 64, 0.023}},
	"bench": {blas.PrecisionF32: {1.347, 0.3549 / 64, 0.044}, blas.PrecisionBF16: {0.599, 0.1372 / 64, 0.044}},
	"base":  {blas.PrecisionF32: {2.495, 0.7728 / 64, 0.060}, blas.PrecisionBF16: {1.200, 0.2882 / 64, 0.060}},
}

// bf16Margin is how much shorter bf16's steps must be for FasterPrecision
// to choose it: float32 is exact, so a tie goes to it.
const bf16Margin = 0.9

// Budget is the wall time one invocation of aim scaling should fit in.
const Budget = 2.5 * 3600

// trainOverhead is the pre-training loop's time over aim bench's steps:
// batches, augmentation, evaluations and checkpoints (measured with the
// quick sweep).
const trainOverhead = 1.1

// datasetSeconds is the time of loading one downstream dataset.
const datasetSeconds = 2

// referenceGFLOPs is the training rate assumed for a preset missing from
// Measured.
const referenceGFLOPs = 20

// FasterPrecision is the precision Measured finds faster for pre-training
// a preset: bf16 where its steps are at least 10% shorter, float32
// otherwise (and for presets not measured).
func FasterPrecision(preset string) blas.Precision {
	m, ok := Measured[preset]
	if !ok {
		return blas.PrecisionF32
	}
	f, b := m[blas.PrecisionF32], m[blas.PrecisionBF16]
	if b.StepSeconds > 0 && b.StepSeconds < bf16Margin*f.StepSeconds {
		return blas.PrecisionBF16
	}
	return blas.PrecisionF32
}

// Estimate is the expected wall time of a sweep on the reference machine.
type Estimate struct {
	Specs    int     // runs of the plan (seeds included)
	Train    int     // pre-training runs still to do
	Probe    int     // suites still to run (one per run, or per kept checkpoint)
	Seconds  float64 // their time
	Finished int     // specs already done
	Seeds    int     // seeds of the plan
}

// String writes "15 runs (12 to train, 12 suites to probe), ≈ 2.1 h" and,
// with several seeds, the time of one seed's runs; beyond Budget, it says
// to run one seed at a time.
func (e Estimate) String() string {
	todo := fmt.Sprintf("%d to train, %d suites to probe", e.Train, e.Probe)
	if e.Train == 0 && e.Probe == 0 {
		todo = "all done"
	}
	s := fmt.Sprintf("%d runs (%s), ≈ %s", e.Specs, todo, hours(e.Seconds))
	if e.Seeds > 1 && e.Seconds > 0 {
		s += fmt.Sprintf(", ≈ %s a seed", hours(e.Seconds/float64(e.Seeds)))
		if e.Seconds > Budget {
			s += fmt.Sprintf(" (over %s: run one seed at a time, --seed N --seeds 1, into the same --out)", hours(Budget))
		}
	}
	return s
}

// hours writes a duration as "2.1 h" or "14 min".
func hours(seconds float64) string {
	d := time.Duration(seconds * float64(time.Second))
	if d >= time.Hour {
		return fmt.Sprintf("%.1f h", d.Hours())
	}
	return fmt.Sprintf("%.0f min", math.Max(1, d.Minutes()))
}

// trainSeconds is the expected pre-training time of a spec on the
// reference machine.
func (m Mode) trainSeconds(s Spec) float64 {
	return trainOverhead * float64(s.Steps) * float64(s.Batch) / 64 * m.throughput(s).StepSeconds
}

// suiteSeconds is the expected time of one downstream suite of a spec's
// model in this mode: loading each dataset, the feature passes and the
// probes' steps.
func (m Mode) suiteSeconds(s Spec) float64 {
	images, steps, datasets := suiteWork(m.Suite)
	t := m.throughput(s)
	return datasets*datasetSeconds + images*t.FeatureSeconds + steps*t.ProbeStepSeconds
}

// suiteSizes are the training and test images of the suite's datasets
// (probe.SuiteDatasets that are installed by a package manager).
var suiteSizes = [][2]int{{60000, 10000}, {60000, 10000}, {1438, 359}, {160, 40}, {1524, 382}}

// suiteWork is the images one suite passes through the trunk and the
// probe steps it takes, with the suite's caps on training and test images.
func suiteWork(o probe.Options) (images, steps, datasets float64) {
	for _, size := range suiteSizes {
		train, test := capOr(o.TrainImages, size[0]), capOr(o.TestImages, size[1])
		images += float64(train + test)
		perEpoch := (train + o.Batch - 1) / max(o.Batch, 1)
		steps += float64(max(o.MinSteps, o.Epochs*perEpoch))
	}
	return images, steps, float64(len(suiteSizes))
}

// capOr is n, or limit when n is 0 (no cap) or above it.
func capOr(n, limit int) int {
	if n <= 0 || n > limit {
		return limit
	}
	return n
}

// throughput is the measured cost of a spec's preset, or one derived from
// its FLOPs at referenceGFLOPs.
func (m Mode) throughput(s Spec) Throughput {
	if t, ok := Measured[s.Preset][s.Precision]; ok {
		return t
	}
	train, infer := s.Model.FLOPs()
	return Throughput{
		StepSeconds:      train * 64 / (referenceGFLOPs * 1e9),
		FeatureSeconds:   infer / (referenceGFLOPs * 1e9),
		ProbeStepSeconds: 0.05,
	}
}
