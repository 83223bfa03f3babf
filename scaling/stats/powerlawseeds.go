package stats

import (
	"cmp"

	"github.com/pkg/errors"
)

// PowerLawFit is the fit of the seed-mean curve plus percentile bootstrap
// intervals of each parameter over seeds (resample whole seed curves,
// refit); the intervals are absent (zero, HasInterval false) for one seed.
type PowerLawFit struct {
	Fit         PowerLaw `json:"fit"`
	Low         PowerLaw `json:"low"`
	High        PowerLaw `json:"high"`
	Seeds       int      `json:"seeds"`
	Level       float64  `json:"level"`
	Resamples   int      `json:"resamples"` // refits the intervals rest on
	HasInterval bool     `json:"has_interval"`
}

// maxFailedRefits is the fraction of bootstrap refits that may fail to
// converge before FitPowerLawSeeds gives up on the intervals.
const maxFailedRefits = 0.1

// FitPowerLawSeeds fits the mean over seeds of lossBySeed[s][i], seed s's
// loss at compute[i], and, with several seeds, bootstraps intervals at
// DefaultLevel: each of resamples draws as many seed curves as there are,
// with replacement, and refits their mean. Refits that fail are left out
// (Resamples counts those used) unless more than a tenth fail, which is an
// error. The result is deterministic for a given seed.
func FitPowerLawSeeds(compute []float64, lossBySeed [][]float64, resamples int, seed uint64) (PowerLawFit, error) {
	if err := checkSeedCurves(compute, lossBySeed); err != nil {
		return PowerLawFit{}, errors.Wrap(err, "power-law fit over seeds")
	}
	all := make([]int, len(lossBySeed))
	for i := range all {
		all[i] = i
	}
	fit, err := FitPowerLaw(compute, meanCurve(lossBySeed, all))
	if err != nil {
		return PowerLawFit{}, errors.Wrap(err, "power-law fit over seeds: the seed-mean curve")
	}
	out := PowerLawFit{Fit: fit, Seeds: len(lossBySeed), Level: DefaultLevel}
	if len(lossBySeed) < 2 {
		return out, nil
	}
	if resamples < 1 {
		return PowerLawFit{}, errors.Errorf("power-law fit over seeds: resamples is %d, expected at least 1", resamples)
	}
	refits, err := powerLawResamples(compute, lossBySeed, resamples, seed)
	if err != nil {
		return PowerLawFit{}, errors.Wrap(err, "power-law fit over seeds")
	}
	out.Low, out.High = powerLawIntervals(refits)
	out.Resamples, out.HasInterval = len(refits), true
	return out, nil
}

// checkSeedCurves checks that there is at least one seed and that every seed
// has one finite loss per compute.
func checkSeedCurves(compute []float64, lossBySeed [][]float64) error {
	if len(lossBySeed) == 0 {
		return errors.New("no seeds")
	}
	for s, curve := range lossBySeed {
		if len(curve) != len(compute) {
			return errors.Errorf("seed %d has %d losses for %d compute values, expected one per compute", s, len(curve), len(compute))
		}
		if err := CheckFinite("loss", curve); err != nil {
			return errors.Wrapf(err, "seed %d", s)
		}
	}
	return nil
}

// meanCurve is the pointwise mean of the curves of the seeds picked.
func meanCurve(lossBySeed [][]float64, picked []int) []float64 {
	mean := make([]float64, len(lossBySeed[0]))
	for _, s := range picked {
		for i, l := range lossBySeed[s] {
			mean[i] += l
		}
	}
	for i := range mean {
		mean[i] /= float64(len(picked))
	}
	return mean
}

// powerLawResamples refits resamples bootstrap draws of whole seed curves.
func powerLawResamples(compute []float64, lossBySeed [][]float64, resamples int, seed uint64) ([]PowerLaw, error) {
	rng := newRand(seed)
	picked := make([]int, len(lossBySeed))
	refits := make([]PowerLaw, 0, resamples)
	var failed int
	var firstErr error
	for range resamples {
		drawSeeds(rng, picked)
		p, err := FitPowerLaw(compute, meanCurve(lossBySeed, picked))
		if err != nil {
			failed++
			firstErr = cmp.Or(firstErr, err)
			continue
		}
		refits = append(refits, p)
	}
	if float64(failed) > maxFailedRefits*float64(resamples) {
		return nil, errors.Wrapf(firstErr, "%d of %d bootstrap refits failed, the first", failed, resamples)
	}
	return refits, nil
}

// powerLawIntervals is the percentile interval of each parameter over refits.
func powerLawIntervals(refits []PowerLaw) (low, high PowerLaw) {
	column := func(get func(PowerLaw) float64) []float64 {
		v := make([]float64, len(refits))
		for i, p := range refits {
			v[i] = get(p)
		}
		return v
	}
	low.A, high.A = percentileInterval(column(func(p PowerLaw) float64 { return p.A }), DefaultLevel)
	low.B, high.B = percentileInterval(column(func(p PowerLaw) float64 { return p.B }), DefaultLevel)
	low.E, high.E = percentileInterval(column(func(p PowerLaw) float64 { return p.E }), DefaultLevel)
	return low, high
}
