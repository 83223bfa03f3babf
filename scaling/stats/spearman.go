package stats

import (
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/pkg/errors"
	"gonum.org/v1/gonum/stat"
)

// Spearman is Spearman's rank correlation of x and y: Pearson's correlation
// of their ranks, tied values sharing the mean of their ranks. It is an error
// when the lengths differ, when there are fewer than 3 pairs, when a value is
// not finite or when all of x or all of y tie.
func Spearman(x, y []float64) (float64, error) {
	if len(x) != len(y) {
		return 0, errors.Errorf("spearman: x has %d values, y has %d; expected one pair per point", len(x), len(y))
	}
	if len(x) < 3 {
		return 0, errors.Errorf("spearman: %d points, expected at least 3", len(x))
	}
	for _, c := range []struct {
		name   string
		values []float64
	}{{"x", x}, {"y", y}} {
		if err := CheckFinite(c.name, c.values); err != nil {
			return 0, errors.Wrap(err, "spearman")
		}
		if allEqual(c.values) {
			return 0, errors.Errorf("spearman: every value of %s is %v, so its ranks all tie and the correlation is undefined", c.name, c.values[0])
		}
	}
	return stat.Correlation(ranks(x), ranks(y), nil), nil
}

// allEqual reports whether every value of v equals the first.
func allEqual(v []float64) bool {
	for _, x := range v[1:] {
		if x != v[0] {
			return false
		}
	}
	return true
}

// ranks returns the 1-based ranks of v; tied values get the mean of the ranks
// they span.
func ranks(v []float64) []float64 {
	order := make([]int, len(v))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return v[order[a]] < v[order[b]] })
	r := make([]float64, len(v))
	for start := 0; start < len(order); {
		end := start + 1
		for end < len(order) && v[order[end]] == v[order[start]] {
			end++
		}
		mean := float64(start+1+end) / 2 // mean of the ranks start+1 … end
		for _, i := range order[start:end] {
			r[i] = mean
		}
		start = end
	}
	return r
}

// Correlation is an estimate with a percentile bootstrap interval.
type Correlation struct {
	Points      int     `json:"points"`
	Estimate    float64 `json:"estimate"` // Spearman of the per-point means
	Low         float64 `json:"low"`
	High        float64 `json:"high"`
	Level       float64 `json:"level"`
	Resamples   int     `json:"resamples"`    // resamples the interval rests on
	HasInterval bool    `json:"has_interval"` // false when every point has one seed
}

// SpearmanBootstrap is Spearman's correlation of the per-point means of x and
// y with a percentile bootstrap interval at DefaultLevel. x[p] and y[p] hold
// point p's per-seed values, paired by seed index. Each resample draws, for
// every point independently, seeds with replacement, takes the means and
// computes Spearman. Resamples whose means all tie have no correlation and
// are left out; Resamples counts the ones used. The result is deterministic
// for a given seed. It is an error when there are fewer than 3 points, when a
// point's x and y lengths differ or are 0, when a value is not finite, or
// when some point has several seeds and resamples < 1.
func SpearmanBootstrap(x, y [][]float64, resamples int, seed uint64) (Correlation, error) {
	if err := checkPoints(x, y); err != nil {
		return Correlation{}, errors.Wrap(err, "spearman bootstrap")
	}
	est, err := Spearman(pointMeans(x, nil), pointMeans(y, nil))
	if err != nil {
		return Correlation{}, errors.Wrap(err, "spearman bootstrap: the per-point means")
	}
	c := Correlation{Points: len(x), Estimate: est, Level: DefaultLevel}
	if !anySeveral(x) {
		return c, nil
	}
	if resamples < 1 {
		return Correlation{}, errors.Errorf("spearman bootstrap: resamples is %d, expected at least 1", resamples)
	}
	rs := spearmanResamples(x, y, resamples, seed)
	if len(rs) == 0 {
		return Correlation{}, errors.Errorf("spearman bootstrap: all %d resamples had tied means, no interval", resamples)
	}
	c.Low, c.High = percentileInterval(rs, DefaultLevel)
	c.Resamples, c.HasInterval = len(rs), true
	return c, nil
}

// checkPoints checks that x and y hold the same points, each with the same
// positive number of finite seed values.
func checkPoints(x, y [][]float64) error {
	if len(x) != len(y) {
		return errors.Errorf("x has %d points, y has %d", len(x), len(y))
	}
	if len(x) < 3 {
		return errors.Errorf("%d points, expected at least 3", len(x))
	}
	for p := range x {
		if len(x[p]) != len(y[p]) {
			return errors.Errorf("point %d has %d x values and %d y values, expected one of each per seed", p, len(x[p]), len(y[p]))
		}
		if len(x[p]) == 0 {
			return errors.Errorf("point %d has no seeds", p)
		}
		if err := CheckFinite("x", x[p]); err != nil {
			return errors.Wrapf(err, "point %d", p)
		}
		if err := CheckFinite("y", y[p]); err != nil {
			return errors.Wrapf(err, "point %d", p)
		}
	}
	return nil
}

// anySeveral reports whether some point has more than one seed.
func anySeveral(v [][]float64) bool {
	return slices.ContainsFunc(v, func(s []float64) bool { return len(s) > 1 })
}

// pointMeans returns the mean of each point's values over the seeds picked[p]
// (all seeds when picked is nil).
func pointMeans(v [][]float64, picked [][]int) []float64 {
	m := make([]float64, len(v))
	for p, seeds := range v {
		if picked == nil {
			m[p] = stat.Mean(seeds, nil)
			continue
		}
		for _, s := range picked[p] {
			m[p] += seeds[s]
		}
		m[p] /= float64(len(picked[p]))
	}
	return m
}

// spearmanResamples returns the Spearman correlation of resamples bootstrap
// draws, leaving out draws whose means tie throughout.
func spearmanResamples(x, y [][]float64, resamples int, seed uint64) []float64 {
	rng := newRand(seed)
	picked := make([][]int, len(x))
	for p := range picked {
		picked[p] = make([]int, len(x[p]))
	}
	rs := make([]float64, 0, resamples)
	for range resamples {
		for p := range picked {
			drawSeeds(rng, picked[p])
		}
		if r, err := Spearman(pointMeans(x, picked), pointMeans(y, picked)); err == nil {
			rs = append(rs, r)
		}
	}
	return rs
}

// newRand is the package's deterministic generator for seed.
func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x5ca1ab1e))
}

// drawSeeds fills picked with seed indices drawn with replacement from
// 0 … len(picked)−1.
func drawSeeds(rng *rand.Rand, picked []int) {
	for i := range picked {
		picked[i] = rng.IntN(len(picked))
	}
}

// percentileInterval is the two-sided percentile interval of samples at
// level, interpolating between order statistics. It sorts samples.
func percentileInterval(samples []float64, level float64) (low, high float64) {
	slices.Sort(samples)
	alpha := 1 - level
	low = stat.Quantile(alpha/2, stat.LinInterp, samples, nil)
	high = stat.Quantile(1-alpha/2, stat.LinInterp, samples, nil)
	return low, high
}
