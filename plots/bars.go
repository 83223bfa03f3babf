package plots

import (
	"math"

	"github.com/pkg/errors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Bars is one set of bars of a grouped bar chart: one value per category,
// NaN where a category has none.
type Bars struct {
	Label  string
	Values []float64
}

// BarChart draws a grouped bar chart: for each category a group of bars,
// one per set, in the package's look — the downstream accuracies of a probe
// suite per dataset, a pre-trained trunk beside an untrained one.
func BarChart(title, yLabel string, categories []string, sets ...Bars) (*plot.Plot, error) {
	if len(categories) == 0 || len(sets) == 0 {
		return nil, errors.New("plots: BarChart: no categories or no bars")
	}
	f := newFigure(title, "", yLabel, false)
	p := f.p
	width := vg.Points(48 / float64(len(sets)))
	for i, s := range sets {
		if len(s.Values) != len(categories) {
			return nil, errors.Errorf("plots: BarChart: %s: %d values for %d categories", seriesName("bars", s.Label, i), len(s.Values), len(categories))
		}
		vals := make(plotter.Values, len(s.Values))
		for k, v := range s.Values {
			if math.IsInf(v, 0) {
				return nil, errors.Errorf("plots: BarChart: %s: value %d is infinite", seriesName("bars", s.Label, i), k)
			}
			if !math.IsNaN(v) {
				vals[k] = v
			}
		}
		b, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return nil, errors.Wrap(err, "plots: BarChart")
		}
		b.Color = palette[i%len(palette)]
		b.LineStyle.Width = 0
		b.Offset = vg.Length(float64(i)-float64(len(sets)-1)/2) * width
		p.Add(b)
		if s.Label != "" {
			p.Legend.Add(s.Label, b)
		}
	}
	p.NominalX(categories...)
	p.Legend.Top = true
	p.Legend.TextStyle.Font = p.Y.Label.TextStyle.Font
	p.Legend.TextStyle.Font.Size = p.Y.Tick.Label.Font.Size
	p.Y.Min = math.Min(0, p.Y.Min)
	p.Y.Max *= 1 + 0.12*float64(len(sets)) // room for the legend above the bars
	return p, nil
}
