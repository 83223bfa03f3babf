package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// logSpaced is n computes from lo, each factor times the last.
func logSpaced(lo, factor float64, n int) []float64 {
	c := make([]float64, n)
	for i := range c {
		c[i] = lo * math.Pow(factor, float64(i))
	}
	return c
}

// curve is law's loss at each compute.
func curve(law PowerLaw, compute []float64) []float64 {
	l := make([]float64, len(compute))
	for i, c := range compute {
		l[i] = law.Loss(c)
	}
	return l
}

// relClose fails t unless each parameter of got is within rel of want's.
func relClose(t *testing.T, got, want PowerLaw, rel float64) {
	t.Helper()
	closeTo(t, "A", got.A, want.A, rel*math.Abs(want.A))
	closeTo(t, "B", got.B, want.B, rel*math.Abs(want.B))
	closeTo(t, "E", got.E, want.E, rel*math.Abs(want.E))
}

func TestFitPowerLawExact(t *testing.T) {
	for _, c := range []struct {
		truth   PowerLaw
		compute []float64
	}{
		{PowerLaw{A: 400, B: 0.3, E: 1.5}, logSpaced(1e9, 10, 7)},
		{PowerLaw{A: 2e6, B: 0.5, E: 2}, logSpaced(1e12, 4, 8)},
		{PowerLaw{A: 50, B: 0.1, E: 0.2}, logSpaced(1e15, 3, 5)},
		{PowerLaw{A: 3, B: 0.7, E: 0.05}, logSpaced(0.5, 2, 6)},
	} {
		got, err := FitPowerLaw(c.compute, curve(c.truth, c.compute))
		if err != nil {
			t.Fatalf("%+v: %v", c.truth, err)
		}
		relClose(t, got, c.truth, 1e-6)
		if got.NoFloor {
			t.Errorf("%+v: fitted with the floor held at 0", c.truth)
		}
	}
}

// sse is the sum of squared residuals of law on the curve, computed
// directly in the caller's units.
func sse(law PowerLaw, compute, loss []float64) float64 {
	var sum float64
	for i, c := range compute {
		r := law.Loss(c) - loss[i]
		sum += r * r
	}
	return sum
}

// bestPureLaw is the least-squares A·C^(−B) found by a grid over B with
// the optimal A of each B in closed form (A = Σ l·x / Σ x², x = C^(−B)):
// an independent computation of the fit with the floor at 0.
func bestPureLaw(compute, loss []float64) PowerLaw {
	best, bestSSE := PowerLaw{}, math.Inf(1)
	for b := 0.0; b <= 1; b += 1e-5 {
		var lx, xx float64
		for i, c := range compute {
			x := math.Pow(c, -b)
			lx += loss[i] * x
			xx += x * x
		}
		law := PowerLaw{A: lx / xx, B: b}
		if e := sse(law, compute, loss); e < bestSSE {
			best, bestSSE = law, e
		}
	}
	return best
}

// TestFitPowerLawNoFloor: curves about straight in log compute have no
// floor above 0 (unbounded, the fit runs off towards E → −∞); the fit is
// the optimum on the bound E = 0, the one a grid search finds, and raising
// the floor would not lower the squared error.
func TestFitPowerLawNoFloor(t *testing.T) {
	base := make([]float64, 10) // a model ladder run: ten evaluations, compute ∝ step
	for i := range base {
		base[i] = 4.3e13 * float64(i+1)
	}
	for _, tc := range []struct {
		name          string
		compute, loss []float64
	}{
		{"a step a decade", logSpaced(1, 10, 5), []float64{6, 5, 4, 3, 2}},
		{"a validation curve", base, []float64{0.1821, 0.1657, 0.1595, 0.1459, 0.1421, 0.1351, 0.1349, 0.1283, 0.1268, 0.1258}},
	} {
		got, err := FitPowerLaw(tc.compute, tc.loss)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !got.NoFloor || got.E != 0 {
			t.Errorf("%s: %+v, want the floor held at 0", tc.name, got)
		}
		want := bestPureLaw(tc.compute, tc.loss)
		closeTo(t, tc.name+": B", got.B, want.B, 2e-5)
		closeTo(t, tc.name+": A", got.A, want.A, 1e-3*want.A)
		at := sse(got, tc.compute, tc.loss)
		if grid := sse(want, tc.compute, tc.loss); at > grid*(1+1e-9) {
			t.Errorf("%s: squared error %g, the grid's optimum %g", tc.name, at, grid)
		}
		raised := got
		raised.E = 1e-4 * tc.loss[len(tc.loss)-1]
		if sse(raised, tc.compute, tc.loss) < at {
			t.Errorf("%s: a floor above 0 fits better", tc.name)
		}
	}
}

func TestFitPowerLawNoisy(t *testing.T) {
	truth := PowerLaw{A: 400, B: 0.3, E: 1.5}
	compute := logSpaced(1e9, 10, 7)
	loss := curve(truth, compute)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range loss {
		loss[i] *= 1 + 0.002*rng.NormFloat64()
	}
	got, err := FitPowerLaw(compute, loss)
	if err != nil {
		t.Fatal(err)
	}
	closeTo(t, "B", got.B, truth.B, 0.05)
	closeTo(t, "E", got.E, truth.E, 0.05)
	for _, c := range compute {
		closeTo(t, "fitted loss", got.Loss(c), truth.Loss(c), 0.01*truth.Loss(c))
	}
}

func TestFitPowerLawErrors(t *testing.T) {
	c := []float64{1, 10, 100, 1000, 1e4}
	for _, tc := range []struct {
		compute, loss []float64
		want          string
	}{
		{c, []float64{3, 2, 1.5}, "5 compute values and 3 losses"},
		{c[:3], []float64{3, 2, 1.5}, "3 points, expected at least 4"},
		{[]float64{1, 10, -100, 1000}, []float64{3, 2, 1.5, 1.3}, "compute[2] is -100"},
		{[]float64{1, 10, 0, 1000}, []float64{3, 2, 1.5, 1.3}, "compute[2] is 0"},
		{[]float64{1, 10, math.NaN(), 1000}, []float64{3, 2, 1.5, 1.3}, "compute[2] is NaN"},
		{[]float64{1, 1, 10, 10}, []float64{3, 3, 2, 2}, "2 distinct values, expected at least 3"},
		{c, []float64{3, 2, math.Inf(1), 1.3, 1.2}, "loss[2] is +Inf"},
		{c, []float64{2, 2, 2, 2, 2}, "loss is 2 at every compute"},
		{c, []float64{3, 2, 0, 1.3, 1.2}, "loss[2] is 0, expected a positive loss"},
	} {
		_, err := FitPowerLaw(tc.compute, tc.loss)
		wantError(t, err, "power-law fit", tc.want)
	}
}

// seedCurves is seeds noisy copies of law's curve whose noise cancels over
// the seeds, so that their mean is law's curve exactly.
func seedCurves(law PowerLaw, compute []float64, seeds int, noise float64) [][]float64 {
	rng := rand.New(rand.NewPCG(11, 12))
	curves := make([][]float64, seeds)
	for s := range curves {
		curves[s] = make([]float64, len(compute))
		for i := range compute {
			curves[s][i] = noise * rng.NormFloat64()
		}
	}
	truth := curve(law, compute)
	for i := range compute {
		var mean float64
		for s := range curves {
			mean += curves[s][i] / float64(seeds)
		}
		for s := range curves {
			curves[s][i] += truth[i] - mean
		}
	}
	return curves
}

func TestFitPowerLawSeeds(t *testing.T) {
	truth := PowerLaw{A: 400, B: 0.3, E: 1.5}
	compute := logSpaced(1e9, 10, 7)
	curves := seedCurves(truth, compute, 5, 0.005)
	fit, err := FitPowerLawSeeds(compute, curves, 500, 21)
	if err != nil {
		t.Fatal(err)
	}
	relClose(t, fit.Fit, truth, 1e-6)
	if !fit.HasInterval || fit.Seeds != 5 || fit.Resamples < 450 {
		t.Fatalf("FitPowerLawSeeds = %+v, want intervals over 5 seeds from ≥ 450 refits", fit)
	}
	for _, p := range []struct {
		name             string
		low, truth, high float64
	}{{"A", fit.Low.A, truth.A, fit.High.A}, {"B", fit.Low.B, truth.B, fit.High.B}, {"E", fit.Low.E, truth.E, fit.High.E}} {
		if !(p.low < p.truth && p.truth < p.high) {
			t.Errorf("%s interval %v … %v does not bracket the truth %v", p.name, p.low, p.high, p.truth)
		}
	}
	again, err := FitPowerLawSeeds(compute, curves, 500, 21)
	if err != nil || again != fit {
		t.Errorf("same seed gave %+v (%v), then %+v", fit, err, again)
	}
}

func TestFitPowerLawSeedsOneSeed(t *testing.T) {
	truth := PowerLaw{A: 400, B: 0.3, E: 1.5}
	compute := logSpaced(1e9, 10, 7)
	fit, err := FitPowerLawSeeds(compute, [][]float64{curve(truth, compute)}, 500, 1)
	if err != nil {
		t.Fatal(err)
	}
	relClose(t, fit.Fit, truth, 1e-6)
	if fit.HasInterval || fit.Low != (PowerLaw{}) || fit.High != (PowerLaw{}) || fit.Seeds != 1 {
		t.Errorf("FitPowerLawSeeds(one seed) = %+v, want no intervals", fit)
	}
}

func TestFitPowerLawSeedsErrors(t *testing.T) {
	compute := logSpaced(1e9, 10, 5)
	good := curve(PowerLaw{A: 400, B: 0.3, E: 1.5}, compute)
	_, err := FitPowerLawSeeds(compute, nil, 100, 1)
	wantError(t, err, "no seeds")
	_, err = FitPowerLawSeeds(compute, [][]float64{good, good[:4]}, 100, 1)
	wantError(t, err, "seed 1 has 4 losses for 5 compute values")
	_, err = FitPowerLawSeeds(compute, [][]float64{good, {3, 2, math.NaN(), 1.6, 1.55}}, 100, 1)
	wantError(t, err, "seed 1", "loss[2] is NaN")
	_, err = FitPowerLawSeeds(compute, [][]float64{good, good}, 0, 1)
	wantError(t, err, "resamples is 0")
	_, err = FitPowerLawSeeds(compute[:3], [][]float64{good[:3]}, 100, 1)
	wantError(t, err, "seed-mean curve", "3 points")
}
