package plots

import (
	"math"
	"sort"

	"github.com/pkg/errors"
	"gonum.org/v1/gonum/stat"
)

// Spearman returns the Spearman rank correlation of x and y: the Pearson correlation of their
// ranks, tied values sharing the average of the ranks they span. It fails when the lengths
// differ, there are fewer than two pairs, a value is NaN or infinite, or x or y is constant.
func Spearman(x, y []float64) (float64, error) {
	if len(x) != len(y) {
		return 0, errors.Errorf("plots: Spearman: x has %d values, y has %d", len(x), len(y))
	}
	if len(x) < 2 {
		return 0, errors.Errorf("plots: Spearman: need at least 2 pairs, got %d", len(x))
	}
	for _, s := range []struct {
		name string
		v    []float64
	}{{"x", x}, {"y", y}} {
		if i, bad := firstNonFinite(s.v); bad {
			return 0, errors.Errorf("plots: Spearman: %s[%d] is %v", s.name, i, s.v[i])
		}
	}
	r, err := pearson(ranks(x), ranks(y))
	if err != nil {
		return 0, errors.Wrap(err, "plots: Spearman")
	}
	return r, nil
}

// ranks returns the 1-based ranks of v, ties getting the mean of their ranks.
func ranks(v []float64) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return v[idx[a]] < v[idx[b]] })
	r := make([]float64, len(v))
	for start := 0; start < len(idx); {
		end := start + 1
		for end < len(idx) && v[idx[end]] == v[idx[start]] {
			end++
		}
		mean := float64(start+end+1) / 2 // mean of the ranks start+1 … end
		for _, i := range idx[start:end] {
			r[i] = mean
		}
		start = end
	}
	return r
}

// pearson returns the Pearson correlation of x and y (same length, at least two, finite),
// clamped to [-1, 1] against rounding. It fails when x or y is constant, or when the
// correlation is not a finite number (a variance that overflows).
func pearson(x, y []float64) (float64, error) {
	if constant(x) {
		return 0, errors.New("x is constant, so the correlation is undefined")
	}
	if constant(y) {
		return 0, errors.New("y is constant, so the correlation is undefined")
	}
	r := stat.Correlation(x, y, nil)
	if math.IsNaN(r) {
		return 0, errors.New("the correlation is not a number (a variance is zero or overflows)")
	}
	return math.Max(-1, math.Min(1, r)), nil
}

// fitLine returns the least-squares line y = a + b·x; ok is false when x is constant (or the
// fit is not finite).
func fitLine(x, y []float64) (a, b float64, ok bool) {
	if len(x) != len(y) || len(x) < 2 || constant(x) {
		return 0, 0, false
	}
	a, b = stat.LinearRegression(x, y, nil, false)
	if math.IsNaN(a) || math.IsInf(a, 0) || math.IsNaN(b) || math.IsInf(b, 0) {
		return 0, 0, false
	}
	return a, b, true
}

// constant reports whether every value of v equals the first (true for fewer than two).
func constant(v []float64) bool {
	for _, x := range v[min(1, len(v)):] {
		if x != v[0] {
			return false
		}
	}
	return true
}

func firstNonFinite(v []float64) (int, bool) {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return i, true
		}
	}
	return 0, false
}
