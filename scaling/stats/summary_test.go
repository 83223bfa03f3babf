package stats

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// closeTo fails t when got is further than tol from want.
func closeTo(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if !(math.Abs(got-want) <= tol) {
		t.Errorf("%s = %.10g, want %.10g (±%g)", what, got, want, tol)
	}
}

// wantError fails t unless err is non-nil and mentions every part.
func wantError(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one mentioning %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err, p)
		}
	}
}

func TestSummarizeFourValues(t *testing.T) {
	// values 1, 2, 3, 4: mean 10/4 = 2.5; squared deviations 2.25 + 0.25 +
	// 0.25 + 2.25 = 5, variance 5/3, sd √(5/3) = 1.2909944; standard error
	// sd/√4 = 0.6454972; t(0.975, 3) = 3.1824463 (t table), half-width
	// 3.1824463 × 0.6454972 = 2.0542603; interval 0.4457397 … 4.5542603.
	s := Summarize([]float64{1, 2, 3, 4})
	if s.N != 4 || !s.HasInterval || s.Level != 0.95 {
		t.Fatalf("Summarize = %+v, want N 4, an interval, level 0.95", s)
	}
	closeTo(t, "mean", s.Mean, 2.5, 1e-12)
	closeTo(t, "sd", s.SD, 1.2909944, 1e-7)
	closeTo(t, "low", s.Low, 2.5-2.0542603, 1e-6)
	closeTo(t, "high", s.High, 2.5+2.0542603, 1e-6)
}

func TestSummarizeAtLevel(t *testing.T) {
	// values 1, 2, 3, 4 at 90%: t(0.95, 3) = 2.3533634 (t table), half-width
	// 2.3533634 × 0.6454972 = 1.5190896.
	s := SummarizeAt([]float64{4, 3, 2, 1}, 0.90)
	closeTo(t, "low", s.Low, 2.5-1.5190896, 1e-6)
	closeTo(t, "high", s.High, 2.5+1.5190896, 1e-6)
	if s.Level != 0.90 {
		t.Errorf("level = %v, want 0.9", s.Level)
	}
}

func TestSummarizeFewValues(t *testing.T) {
	for _, c := range []struct {
		values []float64
		want   Summary
	}{
		{nil, Summary{Level: 0.95}},
		{[]float64{}, Summary{Level: 0.95}},
		{[]float64{0.7}, Summary{N: 1, Mean: 0.7, Level: 0.95}},
	} {
		got := Summarize(c.values)
		if got != c.want {
			t.Errorf("Summarize(%v) = %+v, want %+v", c.values, got, c.want)
		}
		if _, err := json.Marshal(got); err != nil {
			t.Errorf("Summarize(%v) does not marshal: %v", c.values, err)
		}
	}
}

func TestSummarizeIdenticalValues(t *testing.T) {
	s := Summarize([]float64{2, 2, 2})
	if !s.HasInterval || s.SD != 0 || s.Low != 2 || s.High != 2 {
		t.Errorf("Summarize(2, 2, 2) = %+v, want sd 0 and interval 2 … 2", s)
	}
}

func TestSummarizeAtBadLevel(t *testing.T) {
	for _, level := range []float64{0, 1, -0.5, 95, math.NaN()} {
		s := SummarizeAt([]float64{1, 2, 3}, level)
		if s.HasInterval || s.Low != 0 || s.High != 0 || s.Mean != 2 {
			t.Errorf("SummarizeAt(level %v) = %+v, want mean 2 and no interval", level, s)
		}
		wantError(t, CheckLevel(level), "confidence level", "between 0 and 1")
	}
	if err := CheckLevel(0.95); err != nil {
		t.Errorf("CheckLevel(0.95) = %v", err)
	}
}

func TestPairedDifferenceBeyondNoise(t *testing.T) {
	// differences 0.10, 0.12, 0.08: mean 0.10, sd √((0 + 0.0004 + 0.0004)/2)
	// = 0.02, standard error 0.02/√3 = 0.0115470; t(0.975, 2) = 4.3026527
	// (t table), half-width 0.0496828: 0.0503172 … 0.1496828 excludes 0.
	p, err := PairedDifference([]float64{1, 2, 3}, []float64{1.10, 2.12, 3.08})
	if err != nil {
		t.Fatal(err)
	}
	closeTo(t, "mean", p.Mean, 0.10, 1e-12)
	closeTo(t, "sd", p.SD, 0.02, 1e-12)
	closeTo(t, "low", p.Low, 0.10-0.0496828, 1e-7)
	closeTo(t, "high", p.High, 0.10+0.0496828, 1e-7)
	if p.Verdict != "beyond noise" {
		t.Errorf("verdict %q, want beyond noise", p.Verdict)
	}
}

func TestPairedDifferenceWithinNoise(t *testing.T) {
	// differences 0.3, −0.1, 0.1: mean 0.1, sd √((0.04 + 0.04 + 0)/2) = 0.2,
	// standard error 0.2/√3 = 0.1154701, half-width 4.3026527 × 0.1154701 =
	// 0.4968275: −0.3968275 … 0.5968275 holds 0.
	p, err := PairedDifference([]float64{1, 1, 1}, []float64{1.3, 0.9, 1.1})
	if err != nil {
		t.Fatal(err)
	}
	closeTo(t, "mean", p.Mean, 0.1, 1e-12)
	closeTo(t, "low", p.Low, 0.1-0.4968275, 1e-6)
	closeTo(t, "high", p.High, 0.1+0.4968275, 1e-6)
	if p.Verdict != "within noise" {
		t.Errorf("verdict %q, want within noise", p.Verdict)
	}
}

func TestPairedDifferenceOneSeed(t *testing.T) {
	p, err := PairedDifference([]float64{2}, []float64{1.5})
	if err != nil {
		t.Fatal(err)
	}
	if p.N != 1 || p.Mean != -0.5 || p.HasInterval || p.Verdict != "one seed: no interval" {
		t.Errorf("PairedDifference(one seed) = %+v, want mean −0.5, no interval, verdict one seed", p)
	}
}

func TestPairedDifferenceErrors(t *testing.T) {
	_, err := PairedDifference([]float64{1, 2}, []float64{1})
	wantError(t, err, "baseline has 2 seeds, variant 1")
	_, err = PairedDifference(nil, nil)
	wantError(t, err, "no seeds")
	_, err = PairedDifference([]float64{1, 2}, []float64{1, math.NaN()})
	wantError(t, err, "variant[1] is NaN")
	_, err = PairedDifference([]float64{math.Inf(1), 2}, []float64{1, 2})
	wantError(t, err, "baseline[0] is +Inf")
	_, err = PairedDifference([]float64{-math.MaxFloat64}, []float64{math.MaxFloat64})
	wantError(t, err, "variant − baseline[0] is +Inf")
}
