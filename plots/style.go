package plots

import (
	"image/color"
	"math"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The look shared by every figure: Liberation Sans (metric-compatible with Arial), a
// colour-blind-safe palette (Okabe–Ito, without its yellow, then four of Paul Tol's muted
// colours: eleven in all) and filled markers with a white rim.
var (
	sans     = font.Font{Typeface: "Liberation", Variant: "Sans"}
	sansBold = font.Font{Typeface: "Liberation", Variant: "Sans", Weight: xfont.WeightBold}

	palette = []color.Color{
		rgb(0x00, 0x72, 0xB2), // blue
		rgb(0xD5, 0x5E, 0x00), // vermillion
		rgb(0x00, 0x9E, 0x73), // bluish green
		rgb(0xCC, 0x79, 0xA7), // reddish purple
		rgb(0xE6, 0x9F, 0x00), // orange
		rgb(0x56, 0xB4, 0xE9), // sky blue
		rgb(0x00, 0x00, 0x00), // black
		rgb(0x88, 0x22, 0x55), // wine
		rgb(0x44, 0xAA, 0x99), // teal
		rgb(0x99, 0x99, 0x33), // olive
		rgb(0x33, 0x22, 0x88), // indigo
	}
	grey      = rgb(0x55, 0x55, 0x55)
	gridGrey  = rgb(0xE0, 0xE0, 0xE0)
	frameGrey = rgb(0xB0, 0xB0, 0xB0)
)

const (
	titleSize  = 13
	labelSize  = 11
	tickSize   = 10
	legendSize = 10
	annotSize  = 10

	lineWidth    = 1.8 // points
	thinWidth    = 1.2 // points: training curves, the trend line
	markerRadius = 3.6 // points

	// A curve with more points than this is drawn with markers on about denseMarkers of its
	// points only, so that dense curves (losses logged every few steps) stay lines.
	maxMarkers   = 25
	denseMarkers = 10
)

var (
	dashes      = []vg.Length{vg.Points(6), vg.Points(3)}
	trendDashes = []vg.Length{vg.Points(2), vg.Points(2.5)}
)

func rgb(r, g, b uint8) color.Color { return color.RGBA{R: r, G: g, B: b, A: 0xFF} }

// textStyle returns a left-aligned, vertically centred text style of the given font and size.
func textStyle(f font.Font, size vg.Length) text.Style {
	return text.Style{
		Color:   color.Black,
		Font:    font.From(f, size),
		XAlign:  draw.XLeft,
		YAlign:  draw.YCenter,
		Handler: plot.DefaultTextHandler,
	}
}

// newPlot returns an empty plot with the package's fonts, axes and grid.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sansBold, titleSize)
	p.Title.Padding = vg.Points(8)
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = font.From(sans, labelSize)
		ax.Label.Padding = vg.Points(4)
		ax.Tick.Label.Font = font.From(sans, tickSize)
		ax.Tick.Color = grey
		ax.Tick.Length = vg.Points(4)
		ax.Color = grey
		ax.Width = vg.Points(0.8)
		ax.Padding = 0
	}
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	grid := plotter.NewGrid()
	grid.Vertical = draw.LineStyle{Color: gridGrey, Width: vg.Points(0.6)}
	grid.Horizontal = grid.Vertical
	p.Add(grid)
	return p
}

// seriesLine and seriesGlyph give series i its colour and marker shape.
func seriesLine(i int, dashed bool) draw.LineStyle {
	ls := draw.LineStyle{Color: palette[i%len(palette)], Width: vg.Points(lineWidth)}
	if dashed {
		ls.Dashes = dashes
	}
	return ls
}

func seriesGlyph(i int) draw.GlyphStyle {
	return draw.GlyphStyle{
		Color:  palette[i%len(palette)],
		Radius: vg.Points(markerRadius),
		Shape:  marker(i % int(numMarkers)),
	}
}

// marker is a filled glyph with a thin white rim, so that overlapping markers stay distinct.
type marker int

const (
	circle marker = iota
	square
	triangleUp
	diamond
	triangleDown
	pentagon
	numMarkers
)

// DrawGlyph implements draw.GlyphDrawer.
func (m marker) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius
	var path vg.Path
	polygon := func(n int, rot float64, scale vg.Length) {
		for k := 0; k < n; k++ {
			a := rot + 2*math.Pi*float64(k)/float64(n)
			q := vg.Point{X: pt.X + scale*vg.Length(math.Cos(a)), Y: pt.Y + scale*vg.Length(math.Sin(a))}
			if k == 0 {
				path.Move(q)
			} else {
				path.Line(q)
			}
		}
		path.Close()
	}
	switch m {
	case circle:
		path.Move(vg.Point{X: pt.X + r, Y: pt.Y})
		path.Arc(pt, r, 0, 2*math.Pi)
		path.Close()
	case square:
		polygon(4, math.Pi/4, r*1.25)
	case triangleUp:
		polygon(3, math.Pi/2, r*1.35)
	case diamond:
		polygon(4, 0, r*1.3)
	case triangleDown:
		polygon(3, -math.Pi/2, r*1.35)
	default:
		polygon(5, math.Pi/2, r*1.2)
	}
	c.SetColor(sty.Color)
	c.Fill(path)
	c.SetLineStyle(draw.LineStyle{Color: color.White, Width: vg.Points(0.7)})
	c.Stroke(path)
}

// markerIndices returns the indices of the points of an n-point curve that get a marker:
// all of them for short curves, about denseMarkers evenly spaced ones (shifted by the
// series' number so that curves sharing x values do not stack their markers) otherwise.
func markerIndices(n, series, nSeries int) []int {
	if n <= maxMarkers {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	step := float64(n-1) / denseMarkers
	shift := 0.0
	if nSeries > 1 {
		shift = step * float64(series%nSeries) / float64(nSeries)
	}
	var idx []int
	for t := shift; t <= float64(n-1)+1e-9; t += step {
		idx = append(idx, int(math.Round(t)))
	}
	return idx
}
