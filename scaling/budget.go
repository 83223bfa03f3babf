package scaling

import (
	"fmt"
	"math"
	"time"

	"github.com/aim-go/aim/blas"
)

// Throughput is what a preset costs on the reference machine (two cores of
// the AMD EPYC of docs/results.md): seconds per pre-training step of batch
// 64, and the seconds of one downstream suite of the full mode (feature
// passes over about 44,000 images and about 2,500 probe steps).
type Throughput struct {
	StepSeconds  float64
	SuiteSeconds float64
}

// Measured holds the medians measured on the reference machine, by preset
// and precision (docs/results.md, "Set-up").
var Measured = map[string]map[blas.Precision]Throughput{
	"micro": {blas.PrecisionF32: {0.019, 60}, blas.PrecisionBF16: {0.042, 70}},
	"tiny":  {blas.PrecisionF32: {0.061, 110}, blas.PrecisionBF16: {0.084, 120}},
	"small": {blas.PrecisionF32: {0.49, 200}, blas.PrecisionBF16: {0.30, 180}},
	"bench": {blas.PrecisionF32: {1.35, 300}, blas.PrecisionBF16: {1.13, 260}},
	"base":  {blas.PrecisionF32: {3.07, 450}, blas.PrecisionBF16: {2.15, 380}},
}

// referenceGFLOPs is the training rate assumed for a preset missing from
// Measured.
const referenceGFLOPs = 20

// FasterPrecision is the precision Measured finds faster for pre-training
// a preset: bf16 where its steps are shorter, float32 otherwise (and for
// presets not measured).
func FasterPrecision(preset string) blas.Precision {
	m, ok := Measured[preset]
	if !ok {
		return blas.PrecisionF32
	}
	f, b := m[blas.PrecisionF32], m[blas.PrecisionBF16]
	if b.StepSeconds > 0 && b.StepSeconds < f.StepSeconds {
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
// with several seeds, the time of one seed's runs.
func (e Estimate) String() string {
	todo := fmt.Sprintf("%d to train, %d suites to probe", e.Train, e.Probe)
	if e.Train == 0 && e.Probe == 0 {
		todo = "all done"
	}
	s := fmt.Sprintf("%d runs (%s), ≈ %s", e.Specs, todo, hours(e.Seconds))
	if e.Seeds > 1 && e.Seconds > 0 {
		s += fmt.Sprintf(", ≈ %s a seed", hours(e.Seconds/float64(e.Seeds)))
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
// reference machine, its evaluations included (about 5%).
func (m Mode) trainSeconds(s Spec) float64 {
	return 1.05 * float64(s.Steps) * float64(s.Batch) / 64 * m.throughput(s).StepSeconds
}

// suiteSeconds is the expected time of one downstream suite of a spec's
// model in this mode: the full mode's, scaled by the images it probes.
func (m Mode) suiteSeconds(s Spec) float64 {
	full := FullMode().Suite
	scale := float64(capOr(m.Suite.TrainImages, 10000)+capOr(m.Suite.TestImages, 10000)) /
		float64(capOr(full.TrainImages, 10000)+capOr(full.TestImages, 10000))
	return scale * m.throughput(s).SuiteSeconds
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
		StepSeconds:  train * 64 / (referenceGFLOPs * 1e9),
		SuiteSeconds: 3 * infer * 44000 / (referenceGFLOPs * 1e9),
	}
}
