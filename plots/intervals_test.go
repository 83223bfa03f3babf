package plots

import (
	"math"
	"testing"
)

// seedPoints are four models with 95% intervals on loss and accuracy.
func seedPoints() []LabeledPoint {
	pts := append([]LabeledPoint(nil), paperPoints...)
	for i := range pts {
		pts[i].XErr = &Interval{Low: pts[i].X - 0.001*float64(i+1), High: pts[i].X + 0.002}
		pts[i].YErr = &Interval{Low: pts[i].Y - 0.4, High: pts[i].Y + 0.3*float64(i+1)}
	}
	return pts
}

// bandedRuns are lossRuns with a band of ±2% around each validation loss.
func bandedRuns() []LossHistory {
	runs := lossRuns()
	for i := range runs {
		for _, v := range runs[i].Val {
			runs[i].ValLow, runs[i].ValHigh = append(runs[i].ValLow, 0.98*v), append(runs[i].ValHigh, 1.02*v)
		}
	}
	return runs
}

// intervalCurves are imageCurves with error bars on the average, and flopCurves with bands
// and fits.
func intervalCurves() (images, flops []Curve) {
	images = imageCurves()
	for _, y := range images[0].Y {
		images[0].Low, images[0].High = append(images[0].Low, y-1.5), append(images[0].High, y+0.5)
	}
	flops = flopCurves()[:2]
	for i := range flops {
		c := &flops[i]
		c.Band = true
		for k, y := range c.Y {
			c.Low, c.High = append(c.Low, y-0.01), append(c.High, y+0.02)
			if k%3 == 0 {
				c.FitX, c.FitY = append(c.FitX, c.X[k]), append(c.FitY, y+0.005)
			}
		}
	}
	return images, flops
}

// TestIntervalsAreDrawnAsGiven: every interval a figure is given is drawn, at its point, with
// its ends, as error bars or as a band.
func TestIntervalsAreDrawnAsGiven(t *testing.T) {
	pts := seedPoints()
	f, err := lossVsAccuracy(pts)
	if err != nil {
		t.Fatal(err)
	}
	for i, pt := range pts {
		for _, along := range []bool{true, false} {
			want := drawn{X: pt.X, Y: pt.Y, Low: pt.YErr.Low, High: pt.YErr.High, AlongX: along}
			if along {
				want.Low, want.High = pt.XErr.Low, pt.XErr.High
			}
			if !hasDrawn(f.drawn, want) {
				t.Errorf("point %d: no error bar %+v among %+v", i, want, f.drawn)
			}
		}
	}
	if len(f.drawn) != 2*len(pts) {
		t.Errorf("%d error bars drawn for %d points with two intervals each", len(f.drawn), len(pts))
	}

	images, flops := intervalCurves()
	g, err := accuracyVsImages(images)
	if err != nil {
		t.Fatal(err)
	}
	checkCurveIntervals(t, g.drawn, images)
	h, err := lossVsFLOPs(flops)
	if err != nil {
		t.Fatal(err)
	}
	checkCurveIntervals(t, h.drawn, flops)

	runs := bandedRuns()
	l, err := lossCurves(runs)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range runs {
		for k := range r.Val {
			want := drawn{Series: r.Label, X: r.ValSteps[k], Y: r.Val[k], Low: r.ValLow[k], High: r.ValHigh[k], Band: true}
			if !hasDrawn(l.drawn, want) {
				t.Errorf("run %s: no band %+v", r.Label, want)
			}
			n++
		}
	}
	if len(l.drawn) != n {
		t.Errorf("%d band points drawn, want %d", len(l.drawn), n)
	}
	// The band sets the y range: no band runs off the figure.
	p := l.finish()
	for _, d := range l.drawn {
		if d.Low < p.Y.Min || d.High > p.Y.Max {
			t.Fatalf("band [%g, %g] outside the y range [%g, %g]", d.Low, d.High, p.Y.Min, p.Y.Max)
		}
	}
}

func checkCurveIntervals(t *testing.T, got []drawn, curves []Curve) {
	t.Helper()
	n := 0
	for _, c := range curves {
		for k := range c.Low {
			want := drawn{Series: c.Label, X: c.X[k], Y: c.Y[k], Low: c.Low[k], High: c.High[k], Band: c.Band}
			if !hasDrawn(got, want) {
				t.Errorf("curve %s: no interval %+v among %d drawn", c.Label, want, len(got))
			}
			n++
		}
	}
	if len(got) != n {
		t.Errorf("%d intervals drawn, want %d", len(got), n)
	}
}

func hasDrawn(ds []drawn, want drawn) bool {
	for _, d := range ds {
		if d == want {
			return true
		}
	}
	return false
}

func TestBadIntervals(t *testing.T) {
	nan := math.NaN()
	good := []float64{1e3, 1e4}
	tests := []errorCase{
		{"low above high", func() error {
			_, err := LossVsAccuracy([]LabeledPoint{{Label: "1B", X: 0.3, Y: 75, YErr: &Interval{Low: 76, High: 74}}})
			return err
		}, []string{`point "1B"`, "YErr[0] = [76, 74] has Low above High"}},
		{"NaN end", func() error {
			_, err := LossVsAccuracy([]LabeledPoint{{Label: "1B", X: 0.3, Y: 75, XErr: &Interval{Low: nan, High: 0.4}}})
			return err
		}, []string{`point "1B"`, "XErr[0]", "not finite"}},
		{"too few ends", func() error {
			_, err := AccuracyVsImages([]Curve{{Label: "avg", X: good, Y: []float64{1, 2}, Low: []float64{0}, High: []float64{2, 3}}})
			return err
		}, []string{`curve "avg"`, "1 Low and 2 High values for 2 points"}},
		{"bad band", func() error {
			_, err := LossCurves([]LossHistory{{Label: "1B", ValSteps: []float64{1, 2}, Val: []float64{0.5, 0.4}, ValLow: []float64{0.4, 0.5}, ValHigh: []float64{0.6, 0.45}}})
			return err
		}, []string{`run "1B" validation`, "interval[1] = [0.5, 0.45] has Low above High"}},
		{"fit on a log axis", func() error {
			_, err := LossVsFLOPs([]Curve{{Label: "1B", X: good, Y: []float64{1, 2}, FitX: []float64{0, 1e4}, FitY: []float64{1, 2}}})
			return err
		}, []string{`curve "1B" fit`, "FitX[0] = 0 is not positive"}},
	}
	checkErrors(t, tests)
}
