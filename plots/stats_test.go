package plots

import (
	"math"
	"math/rand/v2"
	"testing"
)

// naiveFit is the textbook two-pass least-squares fit, independent of gonum.
func naiveFit(x, y []float64) (a, b float64) {
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(len(x))
	my /= float64(len(y))
	var sxy, sxx float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
	}
	b = sxy / sxx
	return my - b*mx, b
}

// naivePearson is the textbook Pearson correlation, independent of gonum.
func naivePearson(x, y []float64) float64 {
	n := float64(len(x))
	var sx, sy, sxx, syy, sxy float64
	for i := range x {
		sx += x[i]
		sy += y[i]
	}
	mx, my := sx/n, sy/n
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxx += dx * dx
		syy += dy * dy
		sxy += dx * dy
	}
	return sxy / math.Sqrt(sxx*syy)
}

func TestFitLine(t *testing.T) {
	// Exact line y = 2 + 3x.
	a, b, ok := fitLine([]float64{-1, 0, 1, 2.5}, []float64{-1, 2, 5, 9.5})
	if !ok || math.Abs(a-2) > 1e-12 || math.Abs(b-3) > 1e-12 {
		t.Errorf("fitLine(y = 2 + 3x) = %v, %v, %v; want 2, 3, true", a, b, ok)
	}
	// By hand: x = 0, 1, 2 and y = 1, 1, 4 have means 1 and 2, Σdxdy = 3, Σdx² = 2,
	// so b = 1.5 and a = 2 − 1.5 = 0.5.
	if a, b, ok := fitLine([]float64{0, 1, 2}, []float64{1, 1, 4}); !ok || math.Abs(a-0.5) > 1e-12 || math.Abs(b-1.5) > 1e-12 {
		t.Errorf("fitLine(by hand) = %v, %v, %v; want 0.5, 1.5, true", a, b, ok)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 50 {
		n := 2 + rng.IntN(30)
		x, y := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i] = 3*rng.Float64() + 0.5
			y[i] = 70 - 10*x[i] + 5*rng.NormFloat64()
		}
		a, b, ok := fitLine(x, y)
		wa, wb := naiveFit(x, y)
		if !ok || math.Abs(a-wa) > 1e-9*(1+math.Abs(wa)) || math.Abs(b-wb) > 1e-9*(1+math.Abs(wb)) {
			t.Errorf("trial %d: fitLine = %v, %v, %v; textbook %v, %v", trial, a, b, ok, wa, wb)
		}
	}
	for _, x := range [][]float64{nil, {1}, {0.1, 0.1, 0.1}, {3, 3}} {
		y := make([]float64, len(x))
		for i := range y {
			y[i] = float64(i)
		}
		if a, b, ok := fitLine(x, y); ok {
			t.Errorf("fitLine(%v, %v) = %v, %v, true; want ok = false for a constant x", x, y, a, b)
		}
	}
}
