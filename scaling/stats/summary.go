package stats

import (
	"math"

	"github.com/pkg/errors"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// DefaultLevel is the confidence level of every interval unless asked
// otherwise.
const DefaultLevel = 0.95

// Verdicts of a paired difference.
const (
	VerdictBeyondNoise = "beyond noise"
	VerdictWithinNoise = "within noise"
	VerdictOneSeed     = "one seed: no interval"
)

// Summary is one point's figure over its seeds: mean, sample standard
// deviation (n−1) and a two-sided t-based confidence interval of the mean at
// Level (0.95 by default). With N < 2, SD, Low and High are 0 and
// HasInterval is false (JSON-safe: never NaN).
type Summary struct {
	N           int     `json:"n"`
	Mean        float64 `json:"mean"`
	SD          float64 `json:"sd"`
	Low         float64 `json:"low"`
	High        float64 `json:"high"`
	Level       float64 `json:"level"`
	HasInterval bool    `json:"has_interval"`
}

// Summarize summarises values at DefaultLevel (see SummarizeAt).
func Summarize(values []float64) Summary { return SummarizeAt(values, DefaultLevel) }

// SummarizeAt summarises values with a two-sided t interval at level. The
// values must be finite (CheckFinite says which is not); a level outside
// (0, 1) (see CheckLevel) gives no interval. With no values the mean is 0.
func SummarizeAt(values []float64, level float64) Summary {
	s := Summary{N: len(values), Level: level}
	switch {
	case s.N == 0:
		return s
	case s.N == 1:
		s.Mean = values[0]
		return s
	}
	s.Mean, s.SD = stat.MeanStdDev(values, nil)
	if CheckLevel(level) != nil {
		return s
	}
	half := tQuantile(level, s.N-1) * s.SD / math.Sqrt(float64(s.N))
	s.Low, s.High, s.HasInterval = s.Mean-half, s.Mean+half, true
	return s
}

// tQuantile is the 1−α/2 quantile of Student's t with df degrees of freedom,
// α = 1−level.
func tQuantile(level float64, df int) float64 {
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(df)}
	return t.Quantile(1 - (1-level)/2)
}

// CheckLevel reports whether level is a usable confidence level, strictly
// between 0 and 1.
func CheckLevel(level float64) error {
	if !(level > 0 && level < 1) {
		return errors.Errorf("confidence level is %v, expected a value strictly between 0 and 1 (e.g. 0.95)", level)
	}
	return nil
}

// CheckFinite returns an error naming the first value of values that is NaN
// or infinite; name says what values are.
func CheckFinite(name string, values []float64) error {
	for i, v := range values {
		if !isFinite(v) {
			return errors.Errorf("%s[%d] is %v, expected a finite number", name, i, v)
		}
	}
	return nil
}

// Paired is the mean of per-seed differences variant[i] − baseline[i] (same
// seed i) with its t interval.
type Paired struct {
	Summary
	// Verdict is "beyond noise" when the interval excludes 0, "within noise"
	// otherwise, "one seed: no interval" when N < 2.
	Verdict string `json:"verdict"`
}

// PairedDifference summarises variant[i] − baseline[i] over seeds i at
// DefaultLevel. It is an error when the lengths differ, when there are no
// seeds or when a value is not finite.
func PairedDifference(baseline, variant []float64) (Paired, error) {
	if len(baseline) != len(variant) {
		return Paired{}, errors.Errorf("paired difference: baseline has %d seeds, variant %d; expected one value per seed in both", len(baseline), len(variant))
	}
	if len(baseline) == 0 {
		return Paired{}, errors.New("paired difference: no seeds")
	}
	for _, c := range []struct {
		name   string
		values []float64
	}{{"baseline", baseline}, {"variant", variant}} {
		if err := CheckFinite(c.name, c.values); err != nil {
			return Paired{}, errors.Wrap(err, "paired difference")
		}
	}
	diff := make([]float64, len(baseline))
	for i := range diff {
		diff[i] = variant[i] - baseline[i]
	}
	if err := CheckFinite("variant − baseline", diff); err != nil {
		return Paired{}, errors.Wrap(err, "paired difference")
	}
	p := Paired{Summary: Summarize(diff)}
	p.Verdict = verdict(p.Summary)
	return p, nil
}

// verdict says whether s's interval excludes zero.
func verdict(s Summary) string {
	switch {
	case !s.HasInterval:
		return VerdictOneSeed
	case s.Low > 0 || s.High < 0:
		return VerdictBeyondNoise
	default:
		return VerdictWithinNoise
	}
}

// isFinite reports whether v is neither NaN nor infinite.
func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
