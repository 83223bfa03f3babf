package plots

import (
	"fmt"
	"math"
	"strings"

	"github.com/pkg/errors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/aim-go/aim/scaling/stats"
)

// LabeledPoint is one model or run: a label drawn next to its marker. XErr and YErr, when not
// nil, are intervals around X and Y (say, 95% confidence intervals over seeds), drawn as error
// bars.
type LabeledPoint struct {
	Label      string
	X, Y       float64
	XErr, YErr *Interval
}

// Curve is one line: X and Y of equal length, drawn in order. Curves with a label get a legend
// entry; Dashed draws the line dashed (say, per-dataset curves beside a solid average).
//
// Low and High, when given (one per point), are an interval around each Y, such as a 95%
// confidence interval over seeds: drawn as error bars, or as a shaded band when Band is set.
// FitX and FitY, when given, are a fitted curve (a power law, say) drawn dotted in the curve's
// colour, without markers.
type Curve struct {
	Label      string
	X, Y       []float64
	Dashed     bool
	Low, High  []float64
	Band       bool
	FitX, FitY []float64
}

// LossHistory is one model's losses during pre-training: Train[i] logged at TrainSteps[i] and
// Val[i] at ValSteps[i]. Either half may be empty, not both. ValLow and ValHigh, when given
// (one per validation loss), are an interval around each validation loss (over seeds, say),
// drawn as a shaded band.
type LossHistory struct {
	Label             string
	TrainSteps, Train []float64
	ValSteps, Val     []float64
	ValLow, ValHigh   []float64
}

// LossVsAccuracy draws downstream accuracy against pre-training validation loss (the paper's
// Fig. 1 left and Fig. 3): one marker per model, labelled with its Label and joined to the next
// in the given order (pass them by model size), with X the validation loss and Y the average
// top-1 accuracy in percent. With three or more points a dotted least-squares line shows the
// trend; with three or more (neither loss nor accuracy all equal) the legend gives the Spearman
// rank correlation of loss and accuracy (of two points it says nothing). Points with XErr or
// YErr get error bars.
func LossVsAccuracy(points []LabeledPoint) (*plot.Plot, error) {
	return finished(lossVsAccuracy(points))
}

func lossVsAccuracy(points []LabeledPoint) (*figure, error) {
	const fn = "LossVsAccuracy"
	if len(points) == 0 {
		return nil, errors.Errorf("plots: %s: no points", fn)
	}
	x, y := make([]float64, len(points)), make([]float64, len(points))
	for i, pt := range points {
		who := seriesName("point", pt.Label, i)
		for _, v := range []struct {
			axis string
			v    float64
		}{{"X (loss)", pt.X}, {"Y (accuracy)", pt.Y}} {
			if math.IsNaN(v.v) || math.IsInf(v.v, 0) {
				return nil, errors.Errorf("plots: %s: %s: %s is %v", fn, who, v.axis, v.v)
			}
		}
		x[i], y[i] = pt.X, pt.Y
		for _, e := range []struct {
			name string
			iv   *Interval
			v    float64
		}{{"XErr", pt.XErr, pt.X}, {"YErr", pt.YErr, pt.Y}} {
			if e.iv == nil {
				continue
			}
			if err := checkIntervals(who, e.name, []float64{e.v}, []Interval{*e.iv}); err != nil {
				return nil, errors.Wrapf(err, "plots: %s", fn)
			}
		}
	}

	f := newFigure("Pre-training loss vs downstream accuracy",
		"Pre-training validation loss (normalised-pixel MSE)",
		"Average downstream top-1 accuracy (%)", false)
	f.padX, f.padY = 0.14, 0.14
	if a, b, ok := fitLine(x, y); ok && len(points) >= 3 {
		lo, hi := minMax(x)
		ext := 0.06 * (hi - lo)
		tx := []float64{lo - ext, hi + ext}
		ty := []float64{a + b*tx[0], a + b*tx[1]}
		ls := draw.LineStyle{Color: grey, Width: vg.Points(thinWidth), Dashes: trendDashes}
		thumbs, err := f.curve(tx, ty, ls, nil, nil)
		if err != nil {
			return nil, errors.Wrapf(err, "plots: %s: trend line", fn)
		}
		f.ov.legend = append(f.ov.legend, legendEntry{text: "least-squares fit", thumbs: thumbs})
	}
	if iv, ok := pointIntervals(points, true); ok {
		if err := f.xErrorBars("", x, y, iv, palette[0]); err != nil {
			return nil, errors.Wrapf(err, "plots: %s", fn)
		}
	}
	if iv, ok := pointIntervals(points, false); ok {
		if err := f.errorBars("", x, y, iv, palette[0]); err != nil {
			return nil, errors.Wrapf(err, "plots: %s", fn)
		}
	}
	gs := seriesGlyph(0)
	if _, err := f.curve(x, y, seriesLine(0, false), &gs, markerIndices(len(x), 0, 1)); err != nil {
		return nil, errors.Wrapf(err, "plots: %s", fn)
	}
	if rho, err := stats.Spearman(x, y); err == nil && len(points) >= 3 {
		note := fmt.Sprintf("Spearman ρ = %s (n = %d)", minus(fmt.Sprintf("%.2f", rho)), len(points))
		f.ov.legend = append(f.ov.legend, legendEntry{text: note})
	}
	for i, pt := range points {
		f.ov.labels = append(f.ov.labels, pointLabel{text: pt.Label, at: plotter.XY{X: x[i], Y: y[i]}})
	}
	return f, nil
}

// AccuracyVsImages draws downstream accuracy (Y, %) against the number of unique pre-training
// images (X, log axis; the paper's Fig. 1 right and Fig. 4), one curve per benchmark or
// average. When the curves share a few image counts (1k, 6k, 60k), those are the labelled ticks.
func AccuracyVsImages(curves []Curve) (*plot.Plot, error) {
	return finished(accuracyVsImages(curves))
}

func accuracyVsImages(curves []Curve) (*figure, error) {
	f := newFigure("Accuracy vs pre-training data",
		"Unique pre-training images (log scale)",
		"Downstream top-1 accuracy (%)", true)
	if err := f.curves("AccuracyVsImages", curves); err != nil {
		return nil, err
	}
	return f, nil
}

// LossVsFLOPs draws validation loss (Y) against pre-training compute (X, FLOPs, log axis; the
// paper's Fig. 6), one curve per model, with its band or error bars and its fit where given. A
// one-point curve is a single marker.
func LossVsFLOPs(curves []Curve) (*plot.Plot, error) {
	return finished(lossVsFLOPs(curves))
}

func lossVsFLOPs(curves []Curve) (*figure, error) {
	f := newFigure("Validation loss vs pre-training compute",
		"Pre-training compute (FLOPs, log scale)",
		"Validation loss (normalised-pixel MSE)", true)
	if err := f.curves("LossVsFLOPs", curves); err != nil {
		return nil, err
	}
	return f, nil
}

// LossCurves draws training and validation loss against the training step (the paper's Fig. 5),
// one colour per model: validation solid with markers (and a shaded band where ValLow and
// ValHigh are given), training dashed and thinner beneath it.
// The training losses of the first tenth of a run's steps do not set the y range: they run off
// the top rather than squeeze the curves together.
func LossCurves(runs []LossHistory) (*plot.Plot, error) {
	return finished(lossCurves(runs))
}

func lossCurves(runs []LossHistory) (*figure, error) {
	const fn = "LossCurves"
	if len(runs) == 0 {
		return nil, errors.Errorf("plots: %s: no runs", fn)
	}
	if err := uniqueLabels(fn, "run", len(runs), func(i int) string { return runs[i].Label }); err != nil {
		return nil, err
	}
	var anyTrain, anyVal bool
	for i, r := range runs {
		who := seriesName("run", r.Label, i)
		if len(r.Train) == 0 && len(r.TrainSteps) == 0 && len(r.Val) == 0 && len(r.ValSteps) == 0 {
			return nil, errors.Errorf("plots: %s: %s: no training or validation losses", fn, who)
		}
		if len(r.TrainSteps)+len(r.Train) > 0 {
			if err := checkXY(who+" training", "TrainSteps", "Train", r.TrainSteps, r.Train, false); err != nil {
				return nil, errors.Wrapf(err, "plots: %s", fn)
			}
			anyTrain = true
		}
		if len(r.ValSteps)+len(r.Val) > 0 {
			if err := checkXY(who+" validation", "ValSteps", "Val", r.ValSteps, r.Val, false); err != nil {
				return nil, errors.Wrapf(err, "plots: %s", fn)
			}
			anyVal = true
		}
		if _, err := intervalsOf(who+" validation", r.Val, r.ValLow, r.ValHigh); err != nil {
			return nil, errors.Wrapf(err, "plots: %s", fn)
		}
	}

	f := newFigure("Training and validation loss", "Training step", "Loss (normalised-pixel MSE)", false)
	f.padX = 0.03
	// Bands first, then training curves, so that the validation curves are drawn over them.
	bands := make([]plot.Thumbnailer, len(runs))
	for i, r := range runs {
		iv, _ := intervalsOf("", r.Val, r.ValLow, r.ValHigh)
		if iv == nil {
			continue
		}
		var err error
		if bands[i], err = f.band(r.Label, r.ValSteps, r.Val, iv, palette[i%len(palette)]); err != nil {
			return nil, errors.Wrapf(err, "plots: %s: %s", fn, seriesName("run", r.Label, i))
		}
	}
	for i, r := range runs {
		if len(r.Train) == 0 {
			continue
		}
		ls := seriesLine(i, true)
		ls.Width = vg.Points(thinWidth)
		if _, err := f.curve(r.TrainSteps, r.Train, ls, nil, nil); err != nil {
			return nil, errors.Wrapf(err, "plots: %s: %s", fn, seriesName("run", r.Label, i))
		}
	}
	for i, r := range runs {
		thumbs := []plot.Thumbnailer{&plotter.Line{LineStyle: seriesLine(i, false)}}
		if len(r.Val) > 0 {
			gs := seriesGlyph(i)
			var err error
			thumbs, err = f.curve(r.ValSteps, r.Val, seriesLine(i, false), &gs, markerIndices(len(r.Val), i, len(runs)))
			if err != nil {
				return nil, errors.Wrapf(err, "plots: %s: %s", fn, seriesName("run", r.Label, i))
			}
		}
		if bands[i] != nil {
			thumbs = append([]plot.Thumbnailer{bands[i]}, thumbs...)
		}
		if r.Label != "" {
			f.ov.legend = append(f.ov.legend, legendEntry{text: r.Label, thumbs: thumbs})
		}
	}
	key := func(name string, dashed bool) legendEntry {
		ls := draw.LineStyle{Color: grey, Width: vg.Points(lineWidth)}
		if dashed {
			ls.Width, ls.Dashes = vg.Points(thinWidth), dashes
		}
		return legendEntry{text: name, thumbs: []plot.Thumbnailer{&plotter.Line{LineStyle: ls}}}
	}
	f.yRange = lossRange(runs)
	if anyVal {
		f.ov.legend = append(f.ov.legend, key("validation", false))
	}
	if anyTrain {
		f.ov.legend = append(f.ov.legend, key("training", true))
	}
	return f, nil
}

// earlyFraction is the part of a run's training steps whose losses do not set the y range of
// the loss curves: the first losses, far above the rest, would squeeze the curves flat.
const earlyFraction = 0.1

// lossRange is the losses the y range of the loss curves covers: every validation loss and
// its band, and
// the training losses after the first earlyFraction of each run's steps (all of a run with
// fewer than ten training points). The earlier ones run off the top of the figure.
func lossRange(runs []LossHistory) []float64 {
	var ys []float64
	for _, r := range runs {
		ys = append(ys, r.Val...)
		ys = append(append(ys, r.ValLow...), r.ValHigh...)
		if len(r.Train) < 10 {
			ys = append(ys, r.Train...)
			continue
		}
		lo, hi := minMax(r.TrainSteps)
		for i, v := range r.Train {
			if r.TrainSteps[i] >= lo+earlyFraction*(hi-lo) {
				ys = append(ys, v)
			}
		}
	}
	return ys
}

// figure is a plot under construction: the plot, its overlay and the extent of its data.
type figure struct {
	p          *plot.Plot
	ov         overlay
	xs, ys     []float64
	yRange     []float64 // the values the y range covers, when not all of ys
	xLog       bool
	padX, padY float64 // fraction of the data span added on either side of each axis
	drawn      []drawn // the intervals drawn, for tests
}

func newFigure(title, xLabel, yLabel string, xLog bool) *figure {
	return &figure{p: newPlot(title, xLabel, yLabel), xLog: xLog, padX: 0.05, padY: 0.08}
}

// finished finishes a figure built without error.
func finished(f *figure, err error) (*plot.Plot, error) {
	if err != nil {
		return nil, err
	}
	return f.finish(), nil
}

// curves validates and adds Curves, one colour and marker shape per curve.
func (f *figure) curves(fn string, curves []Curve) error {
	if len(curves) == 0 {
		return errors.Errorf("plots: %s: no curves", fn)
	}
	if err := uniqueLabels(fn, "curve", len(curves), func(i int) string { return curves[i].Label }); err != nil {
		return err
	}
	ivs := make([][]Interval, len(curves))
	for i, c := range curves {
		who := seriesName("curve", c.Label, i)
		if err := checkXY(who, "X", "Y", c.X, c.Y, f.xLog); err != nil {
			return errors.Wrapf(err, "plots: %s", fn)
		}
		var err error
		if ivs[i], err = intervalsOf(who, c.Y, c.Low, c.High); err != nil {
			return errors.Wrapf(err, "plots: %s", fn)
		}
		if len(c.FitX)+len(c.FitY) > 0 {
			if err := checkXY(who+" fit", "FitX", "FitY", c.FitX, c.FitY, f.xLog); err != nil {
				return errors.Wrapf(err, "plots: %s", fn)
			}
		}
	}
	for i, c := range curves {
		thumbs, err := f.curveWithIntervals(i, len(curves), c, ivs[i])
		if err != nil {
			return errors.Wrapf(err, "plots: %s: %s", fn, seriesName("curve", c.Label, i))
		}
		if c.Label != "" {
			f.ov.legend = append(f.ov.legend, legendEntry{text: c.Label, thumbs: thumbs})
		}
	}
	return nil
}

// curveWithIntervals draws curve i of n: its band or error bars and its fit beneath the line
// and the markers.
func (f *figure) curveWithIntervals(i, n int, c Curve, iv []Interval) ([]plot.Thumbnailer, error) {
	var thumbs []plot.Thumbnailer
	colour := palette[i%len(palette)]
	if iv != nil && c.Band {
		poly, err := f.band(c.Label, c.X, c.Y, iv, colour)
		if err != nil {
			return nil, err
		}
		thumbs = append(thumbs, poly)
	} else if iv != nil {
		if err := f.errorBars(c.Label, c.X, c.Y, iv, colour); err != nil {
			return nil, err
		}
	}
	if len(c.FitX) > 0 {
		ls := seriesLine(i, false)
		ls.Width, ls.Dashes = vg.Points(thinWidth), trendDashes
		if _, err := f.curve(c.FitX, c.FitY, ls, nil, nil); err != nil {
			return nil, err
		}
	}
	gs := seriesGlyph(i)
	line, err := f.curve(c.X, c.Y, seriesLine(i, c.Dashed), &gs, markerIndices(len(c.X), i, n))
	return append(thumbs, line...), err
}

// curve adds a line through x, y (unless it is a single point with a marker) and, when gs is not
// nil, markers at the points idx. It returns the thumbnails for its legend entry.
func (f *figure) curve(x, y []float64, ls draw.LineStyle, gs *draw.GlyphStyle, idx []int) ([]plot.Thumbnailer, error) {
	xys := make(plotter.XYs, len(x))
	for i := range x {
		xys[i] = plotter.XY{X: x[i], Y: y[i]}
	}
	var thumbs []plot.Thumbnailer
	if len(xys) > 1 || gs == nil {
		line := &plotter.Line{XYs: xys, LineStyle: ls}
		f.p.Add(line)
		f.ov.addLine(x, y)
		thumbs = append(thumbs, line)
	}
	if gs != nil {
		marks := make(plotter.XYs, len(idx))
		for k, i := range idx {
			marks[k] = xys[i]
		}
		s, err := plotter.NewScatter(marks)
		if err != nil {
			return nil, err
		}
		s.GlyphStyle = *gs
		f.p.Add(s)
		f.ov.addPoints(x, y, idx)
		thumbs = append(thumbs, s)
	}
	f.xs = append(f.xs, x...)
	f.ys = append(f.ys, y...)
	return thumbs, nil
}

// nominal is the data area of a 6×4.5 inch figure, used to decide before drawing whether the
// legend needs room made for it.
var nominal = vg.Rectangle{Max: vg.Point{X: 4.9 * vg.Inch, Y: 3.3 * vg.Inch}}

// finish sets the axis ranges and ticks, finds room for the legend and adds the overlay.
func (f *figure) finish() *plot.Plot {
	p := f.p
	p.X.Min, p.X.Max = padRange(f.xs, f.padX, f.xLog)
	ys := f.ys
	if f.yRange != nil {
		ys = f.yRange
	}
	p.Y.Min, p.Y.Max = padRange(ys, f.padY, false)
	if f.xLog {
		setLogAxis(&p.X, logAxisTicks(f.xs, p.X.Min, p.X.Max))
	} else {
		p.X.Tick.Marker = linearTicks{}
	}
	p.Y.Tick.Marker = linearTicks{}
	if len(f.ov.legend) > 0 {
		f.placeLegend()
	}
	p.Add(&f.ov)
	return p
}

// maxLegendRoom is the largest fraction of the data area's height given up to fit the legend
// inside it; a taller legend goes to the right of the data area.
const maxLegendRoom = 0.3

// placeLegend decides, at the nominal size, where the legend goes: inside the data area when
// some place there is clear of data, perhaps after widening the y range upwards or downwards by
// the least (in tenths of the legend's height) that clears one; to the right of it otherwise.
func (f *figure) placeLegend() {
	p := f.p
	size := f.ov.legendSize()
	inkAt := func(ymin, ymax float64) float64 {
		y := p.Y
		y.Min, y.Max = ymin, ymax
		trX := func(v float64) vg.Length { return nominal.Max.X * vg.Length(p.X.Norm(v)) }
		trY := func(v float64) vg.Length { return nominal.Max.Y * vg.Length(y.Norm(v)) }
		_, ink := legendSpot(nominal, size, f.ov.obstacles(trX, trY))
		return ink
	}
	lo, hi := p.Y.Min, p.Y.Max
	if inkAt(lo, hi) == 0 {
		return
	}
	need := float64((size.Y + 2*vg.Points(legendMargin)) / nominal.Max.Y)
	if need <= maxLegendRoom {
		for k := 1; k <= 10; k++ {
			grow := (hi - lo) / (1 - need*float64(k)/10) // the new span
			if inkAt(lo, lo+grow) == 0 {
				p.Y.Max = lo + grow
				return
			}
			if inkAt(hi-grow, hi) == 0 {
				p.Y.Min = hi - grow
				return
			}
		}
	}
	f.ov.outside = true
}

// padRange returns the extent of v widened by pad times its span on either side (in decades
// on a log axis); a single value gets a range around it.
func padRange(v []float64, pad float64, log bool) (lo, hi float64) {
	lo, hi = minMax(v)
	if log {
		l, h := padRange([]float64{math.Log10(lo), math.Log10(hi)}, pad, false)
		if lo == hi {
			l, h = math.Log10(lo)-0.5, math.Log10(hi)+0.5
		}
		return math.Pow(10, l), math.Pow(10, h)
	}
	if lo == hi {
		d := math.Max(math.Abs(lo)*0.05, 1e-3)
		return lo - d, hi + d
	}
	return lo - pad*(hi-lo), hi + pad*(hi-lo)
}

func minMax(v []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

// checkXY checks one series: equal, non-zero lengths and finite values, positive x on a log
// axis. who names the series; xName and yName its fields.
func checkXY(who, xName, yName string, x, y []float64, xLog bool) error {
	switch {
	case len(x) != len(y):
		return errors.Errorf("%s: %s has %d values but %s has %d", who, xName, len(x), yName, len(y))
	case len(x) == 0:
		return errors.Errorf("%s: no points", who)
	}
	for _, s := range []struct {
		name string
		v    []float64
	}{{xName, x}, {yName, y}} {
		if i, bad := firstNonFinite(s.v); bad {
			return errors.Errorf("%s: %s[%d] is %v", who, s.name, i, s.v[i])
		}
	}
	if xLog {
		for i, v := range x {
			if v <= 0 {
				return errors.Errorf("%s: %s[%d] = %v is not positive, and the x axis is logarithmic", who, xName, i, v)
			}
		}
	}
	return nil
}

// uniqueLabels fails when two of n series share a non-empty label: their legend entries
// could not be told apart.
func uniqueLabels(fn, kind string, n int, label func(int) string) error {
	seen := make(map[string]int, n)
	for i := 0; i < n; i++ {
		l := label(i)
		if l == "" {
			continue
		}
		if j, ok := seen[l]; ok {
			return errors.Errorf("plots: %s: %ss %d and %d are both labelled %q", fn, kind, j, i, l)
		}
		seen[l] = i
	}
	return nil
}

// seriesName names the i-th series in errors: by its label, or by its index when it has none.
func seriesName(kind, label string, i int) string {
	if label == "" {
		return fmt.Sprintf("%s %d (unlabelled)", kind, i)
	}
	return fmt.Sprintf("%s %q", kind, label)
}

// minus replaces hyphens by the typographic minus sign.
func minus(s string) string { return strings.ReplaceAll(s, "-", "−") }
