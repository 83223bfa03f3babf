package schedules

import (
	"math"
	"strings"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

// TestWarmupCosineValues checks values worked out by hand.
func TestWarmupCosineValues(t *testing.T) {
	c := (1 + math.Sqrt2/2) / 2 // (1 + cos(π/4))/2
	tests := []struct {
		name  string
		s     WarmupCosine
		steps []int
		want  []float64
	}{
		{
			name:  "warmup 4 of 8",
			s:     WarmupCosine{Peak: 1, Final: 0, Warmup: 4, Total: 8},
			steps: []int{-3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 100},
			want:  []float64{0.25, 0.25, 0.5, 0.75, 1, c, 0.5, 1 - c, 0, 0, 0},
		},
		{
			name:  "floor above zero",
			s:     WarmupCosine{Peak: 3, Final: 1, Warmup: 1, Total: 3},
			steps: []int{0, 1, 2, 3},
			want:  []float64{3, 2, 1, 1},
		},
		{
			name:  "no warmup",
			s:     WarmupCosine{Peak: 2, Final: 0, Warmup: 0, Total: 5},
			steps: []int{0, 1, 2, 3, 4, 5},
			want:  []float64{2, 2 * c, 1, 2 * (1 - c), 0, 0},
		},
		{
			name:  "warmup only",
			s:     WarmupCosine{Peak: 1, Final: 0.1, Warmup: 2, Total: 2},
			steps: []int{0, 1, 2},
			want:  []float64{0.5, 1, 0.1},
		},
		{
			name:  "single step",
			s:     WarmupCosine{Peak: 1, Final: 0, Warmup: 0, Total: 1},
			steps: []int{0, 1},
			want:  []float64{1, 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.s.Validate(); err != nil {
				t.Fatal(err)
			}
			for i, step := range tt.steps {
				if got := tt.s.LR(step); !near(got, tt.want[i]) {
					t.Errorf("LR(%d) = %.17g, want %.17g", step, got, tt.want[i])
				}
			}
		})
	}
}

// reference is the schedule written the other way round: the decay as a
// fraction of the remaining steps left after the peak step.
func reference(peak, final float64, warmup, total, step int) float64 {
	if step >= total {
		return final
	}
	if step < warmup {
		return peak * float64(step+1) / float64(warmup)
	}
	peakStep := warmup - 1
	if warmup == 0 {
		peakStep = 0
	}
	left := float64(total - 1 - step)
	all := float64(total - 1 - peakStep)
	// cos(π(1 − left/all)) = −cos(π·left/all)
	return final + (peak-final)*(1-math.Cos(math.Pi*left/all))/2
}

// TestWarmupCosineShape checks many configurations against reference, and
// that the rate rises during warmup, falls during decay and peaks once.
func TestWarmupCosineShape(t *testing.T) {
	for _, total := range []int{2, 3, 10, 97} {
		for _, warmup := range []int{0, 1, 2, total / 3, total - 1, total} {
			s := WarmupCosine{Peak: 1e-3, Final: 1e-5, Warmup: warmup, Total: total}
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			peaks := 0
			for step := 0; step < total+3; step++ {
				got := s.LR(step)
				if want := reference(s.Peak, s.Final, warmup, total, step); !near(got, want) {
					t.Errorf("%+v: LR(%d) = %g, want %g", s, step, got, want)
				}
				if got == s.Peak {
					peaks++
				}
				if step == 0 {
					continue
				}
				prev := s.LR(step - 1)
				if step < warmup && !(got > prev) {
					t.Errorf("%+v: warmup not rising at step %d: %g after %g", s, step, got, prev)
				}
				if step >= warmup && !(got <= prev) {
					t.Errorf("%+v: decay rising at step %d: %g after %g", s, step, got, prev)
				}
			}
			if peaks != 1 {
				t.Errorf("%+v: Peak used at %d steps, want 1", s, peaks)
			}
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		s    interface{ Validate() error }
		want string // "" for valid
	}{
		{"ok", WarmupCosine{Peak: 1e-3, Final: 0, Warmup: 10, Total: 100}, ""},
		{"warmup equals total", WarmupCosine{Peak: 1, Warmup: 5, Total: 5}, ""},
		{"zero total", WarmupCosine{Peak: 1}, "Total 0"},
		{"negative warmup", WarmupCosine{Peak: 1, Warmup: -1, Total: 5}, "Warmup -1"},
		{"warmup over total", WarmupCosine{Peak: 1, Warmup: 6, Total: 5}, "Warmup 6"},
		{"negative peak", WarmupCosine{Peak: -1, Total: 5}, "Peak -1"},
		{"NaN peak", WarmupCosine{Peak: math.NaN(), Total: 5}, "Peak NaN"},
		{"infinite final", WarmupCosine{Peak: 1, Final: math.Inf(1), Total: 5}, "Final +Inf"},
		{"constant ok", Constant{Rate: 0.1}, ""},
		{"constant negative", Constant{Rate: -0.1}, "rate -0.1"},
		{"constant NaN", Constant{Rate: math.NaN()}, "rate NaN"},
	}
	for _, tt := range tests {
		err := tt.s.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestConstant(t *testing.T) {
	var s Schedule = Constant{Rate: 0.25}
	for _, step := range []int{-1, 0, 1, 1 << 40} {
		if got := s.LR(step); got != 0.25 {
			t.Errorf("LR(%d) = %g, want 0.25", step, got)
		}
	}
}

// TestInvalidStaysFinite evaluates schedules that Validate rejects: LR must
// neither panic nor return NaN or infinity for them.
func TestInvalidStaysFinite(t *testing.T) {
	for _, s := range []WarmupCosine{{}, {Peak: 1, Warmup: -3, Total: -1}, {Peak: 1, Warmup: 9, Total: 2}, {Peak: 1, Warmup: -2, Total: 4}} {
		if s.Validate() == nil {
			t.Errorf("%+v: Validate accepted it", s)
		}
		for step := -2; step < 12; step++ {
			if lr := s.LR(step); math.IsNaN(lr) || math.IsInf(lr, 0) {
				t.Errorf("%+v: LR(%d) = %g", s, step, lr)
			}
		}
	}
}
