package plots

import (
	"image/color"

	"github.com/pkg/errors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Interval is a range around a plotted value, such as a 95% confidence interval of a mean
// over seeds: Low ≤ value ≤ High.
type Interval struct {
	Low, High float64
}

// bandAlpha is the opacity of a band's fill.
const bandAlpha = 0x40

// capWidth is the width of an error bar's caps.
const capWidth = 6 // points

// drawn is an interval as a figure drew it: around the value at (X, Y), along the Y axis, or
// along the X axis when AlongX. Band says it is part of a shaded band rather than an error
// bar. Tests compare them with the values the figure was given.
type drawn struct {
	Series    string
	X, Y      float64
	Low, High float64
	AlongX    bool
	Band      bool
}

// checkIntervals checks a series' intervals: one per value (or none), finite, Low ≤ High.
func checkIntervals(who, name string, values []float64, iv []Interval) error {
	if iv == nil {
		return nil
	}
	if len(iv) != len(values) {
		return errors.Errorf("%s: %d %s for %d values", who, len(iv), name, len(values))
	}
	for i, in := range iv {
		if _, bad := firstNonFinite([]float64{in.Low, in.High}); bad {
			return errors.Errorf("%s: %s[%d] = [%v, %v] is not finite", who, name, i, in.Low, in.High)
		}
		if in.Low > in.High {
			return errors.Errorf("%s: %s[%d] = [%v, %v] has Low above High", who, name, i, in.Low, in.High)
		}
	}
	return nil
}

// errorBars draws vertical error bars around (x[i], y[i]) from iv[i].Low to iv[i].High in the
// colour c, and records them as data the legend and labels keep clear of.
func (f *figure) errorBars(series string, x, y []float64, iv []Interval, c color.Color) error {
	return f.bars(series, x, y, iv, c, false)
}

// xErrorBars draws horizontal error bars around (x[i], y[i]) from iv[i].Low to iv[i].High.
func (f *figure) xErrorBars(series string, x, y []float64, iv []Interval, c color.Color) error {
	return f.bars(series, x, y, iv, c, true)
}

// bars draws error bars along y, or along x when alongX.
func (f *figure) bars(series string, x, y []float64, iv []Interval, c color.Color, alongX bool) error {
	xys, lows, highs := make(plotter.XYs, len(x)), make([]float64, len(x)), make([]float64, len(x))
	for i := range x {
		xys[i] = plotter.XY{X: x[i], Y: y[i]}
		centre := y[i]
		if alongX {
			centre = x[i]
		}
		lows[i], highs[i] = centre-iv[i].Low, iv[i].High-centre
	}
	style := draw.LineStyle{Color: c, Width: vg.Points(thinWidth)}
	if alongX {
		errs := make(plotter.XErrors, len(x))
		for i := range errs {
			errs[i].Low, errs[i].High = lows[i], highs[i]
		}
		bars, err := plotter.NewXErrorBars(struct {
			plotter.XYer
			plotter.XErrorer
		}{xys, errs})
		if err != nil {
			return err
		}
		bars.LineStyle, bars.CapWidth = style, vg.Points(capWidth)
		f.p.Add(bars)
	} else {
		errs := make(plotter.YErrors, len(x))
		for i := range errs {
			errs[i].Low, errs[i].High = lows[i], highs[i]
		}
		bars, err := plotter.NewYErrorBars(struct {
			plotter.XYer
			plotter.YErrorer
		}{xys, errs})
		if err != nil {
			return err
		}
		bars.LineStyle, bars.CapWidth = style, vg.Points(capWidth)
		f.p.Add(bars)
	}
	for i := range x {
		d := drawn{Series: series, X: x[i], Y: y[i], Low: iv[i].Low, High: iv[i].High, AlongX: alongX}
		if alongX {
			f.ov.addLine([]float64{iv[i].Low, iv[i].High}, []float64{y[i], y[i]})
			f.xs = append(f.xs, iv[i].Low, iv[i].High)
		} else {
			f.ov.addLine([]float64{x[i], x[i]}, []float64{iv[i].Low, iv[i].High})
			f.ys = append(f.ys, iv[i].Low, iv[i].High)
		}
		f.drawn = append(f.drawn, d)
	}
	return nil
}

// band shades the area between iv[i].Low and iv[i].High along x in a light tint of c, beneath
// whatever is drawn after it; its edges are data the legend keeps clear of.
func (f *figure) band(series string, x, y []float64, iv []Interval, c color.Color) (plot.Thumbnailer, error) {
	ring := make(plotter.XYs, 0, 2*len(x))
	lo, hi := make([]float64, len(x)), make([]float64, len(x))
	for i := range x {
		ring = append(ring, plotter.XY{X: x[i], Y: iv[i].High})
		lo[i], hi[i] = iv[i].Low, iv[i].High
	}
	for i := len(x) - 1; i >= 0; i-- {
		ring = append(ring, plotter.XY{X: x[i], Y: iv[i].Low})
	}
	poly, err := plotter.NewPolygon(ring)
	if err != nil {
		return nil, err
	}
	r, g, b, _ := c.RGBA()
	poly.Color = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: bandAlpha}
	poly.LineStyle.Width = 0
	f.p.Add(poly)
	f.ov.addLine(x, lo)
	f.ov.addLine(x, hi)
	f.ys = append(append(f.ys, lo...), hi...)
	for i := range x {
		f.drawn = append(f.drawn, drawn{Series: series, X: x[i], Y: y[i], Low: lo[i], High: hi[i], Band: true})
	}
	return poly, nil
}

// intervalsOf returns the Y intervals of a curve given as Low and High slices, nil when it has
// none.
func intervalsOf(who string, y, low, high []float64) ([]Interval, error) {
	if low == nil && high == nil {
		return nil, nil
	}
	if len(low) != len(y) || len(high) != len(y) {
		return nil, errors.Errorf("%s: %d Low and %d High values for %d points", who, len(low), len(high), len(y))
	}
	iv := make([]Interval, len(y))
	for i := range y {
		iv[i] = Interval{Low: low[i], High: high[i]}
	}
	return iv, checkIntervals(who, "interval", y, iv)
}

// pointIntervals collects the intervals of labelled points along one axis; ok is false when no
// point has one, and a point without one gets a zero-width interval at its value.
func pointIntervals(points []LabeledPoint, alongX bool) (iv []Interval, ok bool) {
	iv = make([]Interval, len(points))
	for i, pt := range points {
		e, v := pt.YErr, pt.Y
		if alongX {
			e, v = pt.XErr, pt.X
		}
		iv[i] = Interval{Low: v, High: v}
		if e != nil {
			iv[i], ok = *e, true
		}
	}
	return iv, ok
}
