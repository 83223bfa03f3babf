package plots

import (
	"image/color"
	"math"
	"strings"
	"testing"
)

// TestQuickPlots: Line and Scatter draw in one call, with the package's
// sans-serif font and a legend, and refuse bad input by name.
func TestQuickPlots(t *testing.T) {
	steps := []float64{0, 10, 20, 30}
	p, err := Line("Loss", "step", "loss", Series{Label: "train", X: steps, Y: []float64{1, 0.5, 0.3, 0.2}},
		Series{Label: "val", Y: []float64{1.1, 0.6, 0.4, 0.35}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Title.Text != "Loss" || p.Title.TextStyle.Font.Variant != "Sans" || p.X.Label.Text != "step" {
		t.Errorf("title %q in %v, x label %q", p.Title.Text, p.Title.TextStyle.Font, p.X.Label.Text)
	}
	if _, err := PNG(p, 4*72, 3*72); err != nil {
		t.Errorf("drawing the line plot: %v", err)
	}
	s, err := Scatter("PCA", "PC 1", "PC 2", Series{Label: "a", X: []float64{1, 2, 3}, Y: []float64{3, 1, 2}, Names: []string{"x", "y", "z"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := PNG(s, 4*72, 3*72); err != nil {
		t.Errorf("drawing the scatter plot: %v", err)
	}
	for _, tc := range []struct {
		series []Series
		want   string
	}{
		{nil, "no series"},
		{[]Series{{Label: "a", X: []float64{1}, Y: []float64{1, 2}}}, `series "a"`},
		{[]Series{{Label: "n", Y: []float64{1, math.NaN()}}}, "NaN"},
		{[]Series{{Label: "a", Y: []float64{1}, Names: []string{"p", "q"}}}, "2 Names for 1 points"},
		{[]Series{{Label: "d", Y: []float64{1}}, {Label: "d", Y: []float64{2}}}, `"d"`},
	} {
		if _, err := Scatter("t", "x", "y", tc.series...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one naming %q", tc.series, err, tc.want)
		}
	}
}

// TestPaletteHasTenDistinctColours: a plot of ten series tells them apart.
func TestPaletteHasTenDistinctColours(t *testing.T) {
	seen := map[color.RGBA]bool{}
	for _, c := range palette {
		seen[color.RGBAModel.Convert(c).(color.RGBA)] = true
	}
	if len(palette) < 10 || len(seen) != len(palette) {
		t.Errorf("%d colours, %d distinct; want at least 10, all distinct", len(palette), len(seen))
	}
}

// TestLossCurvesRangeSkipsTheFirstLosses: a first training loss far above
// the rest does not set the y range.
func TestLossCurvesRangeSkipsTheFirstLosses(t *testing.T) {
	var steps, train []float64
	for s := 0; s <= 100; s += 5 {
		steps = append(steps, float64(s))
		train = append(train, 1+1/float64(s+1))
	}
	train[0] = 50
	p, err := LossCurves([]LossHistory{{Label: "run", TrainSteps: steps, Train: train, ValSteps: []float64{50, 100}, Val: []float64{1.2, 1.1}}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Y.Max > 3 || p.Y.Min > 1 {
		t.Errorf("y range %g … %g: want it set by the losses after the first, about 1 … 1.5", p.Y.Min, p.Y.Max)
	}
}

// TestSpearmanNeedsThreePoints: of two models, no correlation is given.
func TestSpearmanNeedsThreePoints(t *testing.T) {
	for n, want := range map[int]bool{2: false, 3: true} {
		var pts []LabeledPoint
		for i := range n {
			pts = append(pts, LabeledPoint{Label: string(rune('a' + i)), X: float64(i), Y: float64(10 - i)})
		}
		f, err := lossVsAccuracy(pts)
		if err != nil {
			t.Fatal(err)
		}
		got := false
		for _, e := range f.ov.legend {
			got = got || strings.HasPrefix(e.text, "Spearman")
		}
		if got != want {
			t.Errorf("%d points: Spearman shown %v, want %v", n, got, want)
		}
	}
}
