package stats

import (
	"maps"
	"math"
	"slices"
)

// Switch is a compute at which the model with the lowest fitted loss changes
// from From to To.
type Switch struct {
	Compute float64 `json:"compute"`
	From    string  `json:"from"`
	To      string  `json:"to"`
}

// frontierGrid is the number of log-spaced computes Frontier compares the
// models at; a change of best model between two neighbours is then located
// by bisection.
const frontierGrid = 1024

// Frontier reports which model has the lowest fitted loss at each compute
// over [cMin, cMax], on a log grid of 1024 points: best is the best model at
// cMin and switches lists, in order of compute, where the best model changes.
// Ties go to the name that sorts first. Changes that come and go between two
// neighbouring grid points are not seen (a ratio of (cMax/cMin)^(1/1023)).
// With no fits, or a range that is not 0 < cMin ≤ cMax with both finite, best
// is "" and there are no switches.
func Frontier(fits map[string]PowerLaw, cMin, cMax float64) (best string, switches []Switch) {
	if len(fits) == 0 || !(cMin > 0 && cMin <= cMax) || math.IsInf(cMax, 0) {
		return "", nil
	}
	f := frontier{names: slices.Sorted(maps.Keys(fits)), fits: fits}
	lo, hi := math.Log(cMin), math.Log(cMax)
	best = f.best(lo)
	prevX, prev := lo, best
	for i := 1; i < frontierGrid && hi > lo; i++ {
		x := lo + (hi-lo)*float64(i)/(frontierGrid-1)
		cur := f.best(x)
		if cur != prev {
			switches = append(switches, f.locate(prevX, x, prev))
		}
		prevX, prev = x, cur
	}
	return best, switches
}

// frontier compares fitted laws at log compute.
type frontier struct {
	names []string // sorted, so that ties go to the first
	fits  map[string]PowerLaw
}

// best is the model with the lowest loss at log compute x.
func (f frontier) best(x float64) string {
	best, bestLoss := "", math.Inf(1)
	for _, name := range f.names {
		if l := f.fits[name].Loss(math.Exp(x)); l < bestLoss {
			best, bestLoss = name, l
		}
	}
	return best
}

// locate bisects [lo, hi] in log compute, where the best model is from at lo
// and another at hi, down to the compute where it changes.
func (f frontier) locate(lo, hi float64, from string) Switch {
	for range 100 {
		mid := (lo + hi) / 2
		if mid == lo || mid == hi {
			break
		}
		if f.best(mid) == from {
			lo = mid
		} else {
			hi = mid
		}
	}
	return Switch{Compute: math.Exp(hi), From: from, To: f.best(hi)}
}
