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
		// Loss falling by the same step each decade is no power law with a
		// floor: the fit runs off towards B → 0 and never converges.
		{c, []float64{6, 5, 4, 3, 2}, "did not converge"},
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
