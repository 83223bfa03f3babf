package kit

import "math"

// SoftmaxRow replaces a row of scores by its softmax, computed from the row
// maximum in float64.
func SoftmaxRow[T Float](p []T) {
	m := float64(p[0])
	for _, v := range p[1:] {
		m = math.Max(m, float64(v))
	}
	var sum float64
	for j, v := range p {
		e := math.Exp(float64(v) - m)
		p[j] = T(e)
		sum += e
	}
	inv := T(1 / sum)
	for j := range p {
		p[j] *= inv
	}
}
