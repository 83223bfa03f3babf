package plots

import (
	"math"

	"gonum.org/v1/gonum/stat"
)

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
