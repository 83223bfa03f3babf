package plots

import (
	"github.com/pkg/errors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// Series is one set of points of a quick plot: Y against X (X empty: 0, 1, 2, …). A series
// with a Label gets a legend entry; Names, when given, one per point, are drawn beside the
// points where they cover the least data (for a few dozen points, not thousands).
type Series struct {
	Label string
	X, Y  []float64
	Names []string
}

// Line draws each series as a line, with markers on a few of its points, in the look of the
// package's figures (sans-serif text, a palette of eleven colour-blind-safe colours, the legend
// where it covers no data): a notebook's plot in one call,
//
//	p, err := plots.Line("Loss", "step", "loss", plots.Series{Label: "train", X: steps, Y: losses})
func Line(title, xLabel, yLabel string, series ...Series) (*plot.Plot, error) {
	return quick("Line", title, xLabel, yLabel, series, false)
}

// Scatter draws each series as markers, one colour and shape per series, like Line:
//
//	p, err := plots.Scatter("PCA", "PC 1", "PC 2", plots.Series{X: pc1, Y: pc2, Names: files})
func Scatter(title, xLabel, yLabel string, series ...Series) (*plot.Plot, error) {
	return quick("Scatter", title, xLabel, yLabel, series, true)
}

func quick(fn, title, xLabel, yLabel string, series []Series, scatter bool) (*plot.Plot, error) {
	if len(series) == 0 {
		return nil, errors.Errorf("plots: %s: no series", fn)
	}
	if err := uniqueLabels(fn, "series", len(series), func(i int) string { return series[i].Label }); err != nil {
		return nil, err
	}
	f := newFigure(title, xLabel, yLabel, false)
	for i, s := range series {
		who := seriesName("series", s.Label, i)
		x := s.X
		if len(x) == 0 {
			x = make([]float64, len(s.Y))
			for k := range x {
				x[k] = float64(k)
			}
		}
		if err := checkXY(who, "X", "Y", x, s.Y, false); err != nil {
			return nil, errors.Wrapf(err, "plots: %s", fn)
		}
		if len(s.Names) != 0 && len(s.Names) != len(x) {
			return nil, errors.Errorf("plots: %s: %s: %d Names for %d points", fn, who, len(s.Names), len(x))
		}
		if err := f.quickSeries(i, len(series), x, s, scatter); err != nil {
			return nil, errors.Wrapf(err, "plots: %s: %s", fn, who)
		}
	}
	return f.finish(), nil
}

// quickSeries adds series i of n.
func (f *figure) quickSeries(i, n int, x []float64, s Series, scatter bool) error {
	gs := seriesGlyph(i)
	var thumbs []plot.Thumbnailer
	if scatter {
		xys := make(plotter.XYs, len(x))
		for k := range x {
			xys[k] = plotter.XY{X: x[k], Y: s.Y[k]}
		}
		sc, err := plotter.NewScatter(xys)
		if err != nil {
			return err
		}
		sc.GlyphStyle = gs
		f.p.Add(sc)
		f.ov.addPoints(x, s.Y, indices(len(x)))
		f.xs, f.ys = append(f.xs, x...), append(f.ys, s.Y...)
		thumbs = []plot.Thumbnailer{sc}
	} else {
		var err error
		if thumbs, err = f.curve(x, s.Y, seriesLine(i, false), &gs, markerIndices(len(x), i, n)); err != nil {
			return err
		}
	}
	if s.Label != "" {
		f.ov.legend = append(f.ov.legend, legendEntry{text: s.Label, thumbs: thumbs})
	}
	for k, name := range s.Names {
		f.ov.labels = append(f.ov.labels, pointLabel{text: name, at: plotter.XY{X: x[k], Y: s.Y[k]}})
	}
	return nil
}

// indices is 0, 1, …, n-1.
func indices(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
