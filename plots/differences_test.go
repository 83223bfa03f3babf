package plots

import (
	"math"
	"testing"

	"gonum.org/v1/plot/vg"
)

// ablationDiffs are three ablations on two metrics, with intervals except one difference of
// a single seed.
func ablationDiffs() []Difference {
	return []Difference{
		{Variant: "causal", Metric: "suite average", Mean: 0.06, Err: &Interval{Low: -1.21, High: 1.34}},
		{Variant: "causal", Metric: "Fashion-MNIST", Mean: 0.48, Err: &Interval{Low: -0.99, High: 1.95}},
		{Variant: "raw targets", Metric: "suite average", Mean: 0.87, Err: &Interval{Low: -0.74, High: 2.49}},
		{Variant: "raw targets", Metric: "Fashion-MNIST", Mean: 0.13, Err: &Interval{Low: -1.16, High: 1.41}},
		{Variant: "head depth 0", Metric: "suite average", Mean: -0.45},
	}
}

// TestDifferencesDrawnAsGiven: every interval is drawn along x around its mean, on its
// variant's row (the first variant on top, the metrics of a row side by side), a difference
// without an interval gets none, and the rows are labelled with the variants.
func TestDifferencesDrawnAsGiven(t *testing.T) {
	diffs := ablationDiffs()
	f, variants, err := differences("ablations", "difference (points)", diffs)
	if err != nil {
		t.Fatal(err)
	}
	rowOf := map[string]float64{"causal": 2, "raw targets": 1, "head depth 0": 0}
	offset := map[string]float64{"suite average": rowSpread / 2, "Fashion-MNIST": -rowSpread / 2}
	n := 0
	for _, d := range diffs {
		if d.Err == nil {
			continue
		}
		n++
		want := drawn{Series: d.Metric, X: d.Mean, Y: rowOf[d.Variant] + offset[d.Metric], Low: d.Err.Low, High: d.Err.High, AlongX: true}
		if !hasDrawn(f.drawn, want) {
			t.Errorf("%s %s: no error bar %+v among %+v", d.Variant, d.Metric, want, f.drawn)
		}
	}
	if len(f.drawn) != n {
		t.Errorf("%d error bars drawn for %d differences with intervals", len(f.drawn), n)
	}
	if len(variants) != 3 || variants[0] != "causal" || variants[2] != "head depth 0" {
		t.Errorf("variants %q, want causal, raw targets, head depth 0", variants)
	}
	p, err := Differences("ablations", "difference (points)", diffs)
	if err != nil {
		t.Fatal(err)
	}
	if p.X.Min > -1.21 || p.X.Max < 2.49 {
		t.Errorf("x axis [%g, %g] does not hold every interval", p.X.Min, p.X.Max)
	}
	ticks := p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max)
	for _, tk := range ticks {
		if want, ok := rowOf[tk.Label]; !ok || want != tk.Value {
			t.Errorf("y tick %+v: want the rows %v", tk, rowOf)
		}
	}
	if len(ticks) != 3 {
		t.Errorf("%d y ticks, want one per variant", len(ticks))
	}
}

func TestDifferencesErrors(t *testing.T) {
	one := func(d Difference) func() error {
		return func() error {
			_, err := Differences("t", "x", []Difference{d})
			return err
		}
	}
	tests := []errorCase{
		{"none", func() error { _, err := Differences("t", "x", nil); return err }, []string{"no differences"}},
		{"twice", func() error {
			d := ablationDiffs()
			_, err := Differences("t", "x", append(d, d[1]))
			return err
		}, []string{`"causal, Fashion-MNIST"`, "appears twice"}},
		{"no metric", one(Difference{Variant: "causal", Mean: 1}), []string{"difference 0 has no variant or no metric"}},
		{"NaN mean", one(Difference{Variant: "causal", Metric: "suite", Mean: math.NaN()}), []string{`"causal, suite"`, "mean is NaN"}},
		{"low above high", one(Difference{Variant: "causal", Metric: "suite", Mean: 1, Err: &Interval{Low: 2, High: 0}}),
			[]string{`"causal, suite"`, "[2, 0] has Low above High"}},
	}
	checkErrors(t, tests)
}

// TestDifferencesLeaveRoomForTheLegend: above the top row the y range keeps a strip at least as
// tall as the legend, for few rows and for many, so the legend covers no error bar whatever
// width the row labels take.
func TestDifferencesLeaveRoomForTheLegend(t *testing.T) {
	for _, rows := range []int{1, 3, 8} {
		var diffs []Difference
		for i := 0; i < rows; i++ {
			v := string(rune('A' + i))
			diffs = append(diffs, Difference{Variant: v, Metric: "suite", Mean: 1, Err: &Interval{Low: -3, High: 5}},
				Difference{Variant: v, Metric: "Fashion-MNIST", Mean: 0.5, Err: &Interval{Low: -3, High: 5}})
		}
		f, _, err := differences("t", "x", diffs)
		if err != nil {
			t.Fatal(err)
		}
		need := float64((f.ov.legendSize().Y + 2*vg.Points(legendMargin)) / nominal.Max.Y)
		p := f.finish()
		if got := (p.Y.Max - (float64(rows) - 0.5)) / (p.Y.Max - p.Y.Min); got < need-1e-9 {
			t.Errorf("%d rows: the strip above the top row is %.3f of the height; the legend needs %.3f", rows, got, need)
		}
	}
}
