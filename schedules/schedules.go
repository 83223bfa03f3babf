package schedules

import (
	"math"

	"github.com/pkg/errors"
)

// Schedule gives the learning rate of each optimizer step; step counts from
// 0 for the first update.
type Schedule interface {
	LR(step int) float64
}

// Constant is the same rate at every step.
type Constant struct{ Rate float64 }

// LR returns c.Rate.
func (c Constant) LR(int) float64 { return c.Rate }

// Validate reports whether the rate is finite and not negative.
func (c Constant) Validate() error {
	if !(c.Rate >= 0) || math.IsInf(c.Rate, 0) {
		return errors.Errorf("schedules: constant rate %v, want a finite rate ≥ 0", c.Rate)
	}
	return nil
}

// WarmupCosine is a linear warmup to Peak over the first Warmup steps
// followed by a half-cosine decay from Peak to Final that ends at step
// Total−1. With w = Warmup and T = Total:
//
//	lr(s) = Peak·(s+1)/w                              for 0 ≤ s < w
//	lr(s) = Final + (Peak−Final)·(1 + cos(π·p))/2     for w ≤ s < T,
//	        p = (s − s₀)/(T − 1 − s₀), s₀ = max(w−1, 0)
//	lr(s) = Final                                      for s ≥ T
//
// s₀ is the step that runs at Peak: the last warmup step, or step 0 without
// warmup, so Peak is used exactly once and the decay continues the warmup
// without a plateau. The first step runs at Peak/w, never at 0, and step
// T−1 runs at Final. With Warmup = Total there is no decay: the steps after
// the warmup run at Final. Negative steps count as step 0.
//
// LR does not validate the fields; call Validate once before training.
type WarmupCosine struct {
	Peak, Final   float64
	Warmup, Total int
}

// Validate reports whether 0 ≤ Warmup ≤ Total, Total > 0 and both rates are
// finite and not negative.
func (s WarmupCosine) Validate() error {
	switch {
	case s.Total <= 0:
		return errors.Errorf("schedules: warmup-cosine Total %d, want > 0", s.Total)
	case s.Warmup < 0 || s.Warmup > s.Total:
		return errors.Errorf("schedules: warmup-cosine Warmup %d, want 0 ≤ Warmup ≤ Total (%d)", s.Warmup, s.Total)
	case !(s.Peak >= 0) || math.IsInf(s.Peak, 0):
		return errors.Errorf("schedules: warmup-cosine Peak %v, want a finite rate ≥ 0", s.Peak)
	case !(s.Final >= 0) || math.IsInf(s.Final, 0):
		return errors.Errorf("schedules: warmup-cosine Final %v, want a finite rate ≥ 0", s.Final)
	}
	return nil
}

// LR returns the learning rate of step, as documented on WarmupCosine.
func (s WarmupCosine) LR(step int) float64 {
	step = max(step, 0)
	switch {
	case step >= s.Total:
		return s.Final
	case step < s.Warmup:
		return s.Peak * float64(step+1) / float64(s.Warmup)
	}
	start := max(s.Warmup-1, 0)
	span := s.Total - 1 - start
	if span <= 0 { // Total = 1 without warmup: the single step runs at Peak
		return s.Peak
	}
	p := float64(step-start) / float64(span)
	return s.Final + (s.Peak-s.Final)*(1+math.Cos(math.Pi*p))/2
}
