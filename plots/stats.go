package plots

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Spearman returns the Spearman rank correlation of x and y: the Pearson correlation of their
// ranks, tied values sharing the average of the ranks they span. It fails when the lengths
// differ, there are fewer than two pairs, a value is NaN or infinite, or x or y is constant.
func Spearman(x, y []float64) (float64, error) {
	if len(x) != len(y) {
		return 0, fmt.Errorf("plots: Spearman: x has %d values, y has %d", len(x), len(y))
	}
	if len(x) < 2 {
		return 0, fmt.Errorf("plots: Spearman: need at least 2 pairs, got %d", len(x))
	}
	for _, s := range []struct {
		name string
		v    []float64
	}{{"x", x}, {"y", y}} {
		if i, bad := firstNonFinite(s.v); bad {
			return 0, fmt.Errorf("plots: Spearman: %s[%d] is %v", s.name, i, s.v[i])
		}
	}
	r, err := pearson(ranks(x), ranks(y))
	if err != nil {
		return 0, fmt.Errorf("plots: Spearman: %w", err)
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

func pearson(x, y []float64) (float64, error) {
	mx, my := mean(x), mean(y)
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 {
		return 0, errors.New("x is constant, so the correlation is undefined")
	}
	if syy == 0 {
		return 0, errors.New("y is constant, so the correlation is undefined")
	}
	return math.Max(-1, math.Min(1, sxy/math.Sqrt(sxx*syy))), nil
}

// fitLine returns the least-squares line y = a + b·x; ok is false when x is constant.
func fitLine(x, y []float64) (a, b float64, ok bool) {
	mx, my := mean(x), mean(y)
	var sxy, sxx float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
	}
	if sxx == 0 {
		return 0, 0, false
	}
	b = sxy / sxx
	return my - b*mx, b, true
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func firstNonFinite(v []float64) (int, bool) {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return i, true
		}
	}
	return 0, false
}
