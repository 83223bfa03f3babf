package plots

import (
	"image/color"
	"slices"

	"github.com/pkg/errors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Difference is one paired comparison: Variant's mean difference from its baseline on Metric
// (say, in accuracy points), with Err its interval (a 95% interval over seeds), nil when it has
// none (one seed).
type Difference struct {
	Variant, Metric string
	Mean            float64
	Err             *Interval
}

// rowSpread is how far apart, in rows, the metrics of one variant are drawn.
const rowSpread = 0.22

// Differences draws paired differences as a forest plot (an ablation table at a glance): one
// row per variant, top to bottom in the order they first appear; one marker colour and shape
// per metric, in the legend; each mean difference with a horizontal error bar of its interval;
// and a dashed vertical line at 0, no difference. A difference whose bar crosses the line is
// within noise. A variant and metric may appear once.
func Differences(title, xLabel string, diffs []Difference) (*plot.Plot, error) {
	f, variants, err := differences(title, xLabel, diffs)
	if err != nil {
		return nil, err
	}
	p := f.finish()
	ticks := make([]plot.Tick, len(variants))
	for i, v := range variants {
		ticks[i] = plot.Tick{Value: float64(len(variants) - 1 - i), Label: v}
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	return p, nil
}

// differences draws Differences' data and returns the figure, unfinished, and the variants
// from the top row down.
func differences(title, xLabel string, diffs []Difference) (*figure, []string, error) {
	variants, metrics, err := checkDifferences(diffs)
	if err != nil {
		return nil, nil, err
	}
	f := newFigure(title, xLabel, "", false)
	row := func(d Difference) float64 {
		m := slices.Index(metrics, d.Metric)
		return float64(len(variants)-1-slices.Index(variants, d.Variant)) -
			rowSpread*(float64(m)-float64(len(metrics)-1)/2)
	}
	f.zeroLine(float64(len(variants)))
	for m, metric := range metrics {
		if err := f.differenceSeries(m, metric, diffs, row); err != nil {
			return nil, nil, errors.Wrapf(err, "plots: Differences: metric %q", metric)
		}
	}
	f.ys = append(f.ys, float64(len(variants))-0.5+f.legendStrip(float64(len(variants))))
	return f, variants, nil
}

// legendStrip is how far, in data units, the y range must reach above rows rows for the
// legend to fit in a clear strip across the top of the data area. Bars span the whole width,
// so the legend needs a strip of its own; its width in the figure depends on the tick labels,
// which placeLegend's nominal area does not know.
func (f *figure) legendStrip(rows float64) float64 {
	q := float64((f.ov.legendSize().Y + 2*vg.Points(legendMargin)) / nominal.Max.Y) // share of the height
	p := f.padY
	h := rows * (q*(1+2*p) - p) / (1 + p - q*(1+2*p))
	return max(h, 0)
}

// checkDifferences checks the differences and returns their variants and metrics in order of
// first appearance.
func checkDifferences(diffs []Difference) (variants, metrics []string, err error) {
	if len(diffs) == 0 {
		return nil, nil, errors.New("plots: Differences: no differences")
	}
	seen := make(map[[2]string]bool)
	for i, d := range diffs {
		who := seriesName("difference", d.Variant+", "+d.Metric, i)
		if d.Variant == "" || d.Metric == "" {
			return nil, nil, errors.Errorf("plots: Differences: difference %d has no variant or no metric", i)
		}
		if seen[[2]string{d.Variant, d.Metric}] {
			return nil, nil, errors.Errorf("plots: Differences: %s appears twice", who)
		}
		seen[[2]string{d.Variant, d.Metric}] = true
		if _, bad := firstNonFinite([]float64{d.Mean}); bad {
			return nil, nil, errors.Errorf("plots: Differences: %s: mean is %v", who, d.Mean)
		}
		if d.Err != nil {
			if err := checkIntervals("plots: Differences: "+who, "interval", []float64{d.Mean}, []Interval{*d.Err}); err != nil {
				return nil, nil, err
			}
		}
		if !slices.Contains(variants, d.Variant) {
			variants = append(variants, d.Variant)
		}
		if !slices.Contains(metrics, d.Metric) {
			metrics = append(metrics, d.Metric)
		}
	}
	return variants, metrics, nil
}

// zeroLine draws the dashed line of no difference across rows rows.
func (f *figure) zeroLine(rows float64) {
	line := &plotter.Line{
		XYs:       plotter.XYs{{X: 0, Y: -0.5}, {X: 0, Y: rows - 0.5}},
		LineStyle: draw.LineStyle{Color: color.Gray{Y: 0x60}, Width: vg.Points(thinWidth), Dashes: trendDashes},
	}
	f.p.Add(line)
	f.xs = append(f.xs, 0)
	f.ys = append(f.ys, -0.5, rows-0.5)
}

// differenceSeries draws metric m's differences: error bars where they have intervals, and a
// marker at each mean, with a legend entry.
func (f *figure) differenceSeries(m int, metric string, diffs []Difference, row func(Difference) float64) error {
	var x, y, barX, barY []float64
	var iv []Interval
	for _, d := range diffs {
		if d.Metric != metric {
			continue
		}
		x, y = append(x, d.Mean), append(y, row(d))
		if d.Err != nil {
			barX, barY, iv = append(barX, d.Mean), append(barY, row(d)), append(iv, *d.Err)
		}
	}
	if len(iv) > 0 {
		if err := f.xErrorBars(metric, barX, barY, iv, palette[m%len(palette)]); err != nil {
			return err
		}
	}
	marks := make(plotter.XYs, len(x))
	for i := range x {
		marks[i] = plotter.XY{X: x[i], Y: y[i]}
	}
	s, err := plotter.NewScatter(marks)
	if err != nil {
		return err
	}
	s.GlyphStyle = seriesGlyph(m)
	f.p.Add(s)
	f.ov.addPoints(x, y, indices(len(x)))
	f.xs, f.ys = append(f.xs, x...), append(f.ys, y...)
	f.ov.legend = append(f.ov.legend, legendEntry{text: metric, thumbs: []plot.Thumbnailer{s}})
	return nil
}
