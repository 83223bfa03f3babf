package plots

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// overlay draws what must not hide the data: the labels next to points and the legend. It is
// the figure's last plotter, so it knows the final canvas and places each label and the legend
// where they cover the least ink: labels on one of eight sides of their point, the legend in a
// corner or along a side of the data area or, when outside is set, to the right of it. gonum's
// own Legend is left empty.
type overlay struct {
	outside bool          // legend to the right of the data area
	lines   []plotter.XYs // polylines to keep clear of, data coordinates
	points  []plotter.XY  // markers to keep clear of
	labels  []pointLabel
	legend  []legendEntry
}

type pointLabel struct {
	text string
	at   plotter.XY
}

// legendEntry is a line of the legend; an entry without thumbnails is a note (Spearman ρ).
type legendEntry struct {
	text   string
	thumbs []plot.Thumbnailer
}

const (
	legendPad    = 5   // points between the legend frame and its contents
	legendThumb  = 26  // points of thumbnail width
	legendMargin = 6   // points between the legend and the edge of the data area
	legendClear  = 4   // points of clearance the legend keeps from data
	labelGap     = 3   // points between a marker's edge and its label
	labelClear   = 1.5 // points of clearance a label keeps from data and other labels
	rowSpacing   = 1.4 // legend row height / font size
)

func (o *overlay) addLine(xs, ys []float64) {
	pts := make(plotter.XYs, len(xs))
	for i := range xs {
		pts[i] = plotter.XY{X: xs[i], Y: ys[i]}
	}
	o.lines = append(o.lines, pts)
}

func (o *overlay) addPoints(xs, ys []float64, idx []int) {
	for _, i := range idx {
		o.points = append(o.points, plotter.XY{X: xs[i], Y: ys[i]})
	}
}

// obstacles is the ink to avoid in canvas coordinates.
type obstacles struct {
	segs  [][2]vg.Point
	marks []vg.Point
	boxes []vg.Rectangle // placed labels
}

func (o *overlay) obstacles(trX, trY func(float64) vg.Length) *obstacles {
	var ob obstacles
	for _, l := range o.lines {
		for i := 1; i < len(l); i++ {
			ob.segs = append(ob.segs, [2]vg.Point{
				{X: trX(l[i-1].X), Y: trY(l[i-1].Y)},
				{X: trX(l[i].X), Y: trY(l[i].Y)},
			})
		}
	}
	for _, q := range o.points {
		ob.marks = append(ob.marks, vg.Point{X: trX(q.X), Y: trY(q.Y)})
	}
	return &ob
}

// cost is how much ink r would cover: the length of line inside it, a few marker radii per
// marker (except the one at skip, which a label sits next to) and a heavy charge for
// overlapping a placed label.
func (ob *obstacles) cost(r vg.Rectangle, skip ...vg.Point) float64 {
	total := 0.0
	for _, s := range ob.segs {
		total += clippedLength(s[0], s[1], r)
	}
	rad := vg.Points(markerRadius + 1)
	for _, m := range ob.marks {
		if len(skip) > 0 && m == skip[0] {
			continue
		}
		if m.X >= r.Min.X-rad && m.X <= r.Max.X+rad && m.Y >= r.Min.Y-rad && m.Y <= r.Max.Y+rad {
			total += 4 * float64(rad)
		}
	}
	for _, b := range ob.boxes {
		w := math.Min(float64(r.Max.X), float64(b.Max.X)) - math.Max(float64(r.Min.X), float64(b.Min.X))
		h := math.Min(float64(r.Max.Y), float64(b.Max.Y)) - math.Max(float64(r.Min.Y), float64(b.Min.Y))
		if w > 0 && h > 0 {
			total += 100 + w*h/float64(rad)
		}
	}
	return total
}

// clippedLength is the length of segment a–b inside r (Liang–Barsky clipping).
func clippedLength(a, b vg.Point, r vg.Rectangle) float64 {
	dx, dy := float64(b.X-a.X), float64(b.Y-a.Y)
	t0, t1 := 0.0, 1.0
	clip := func(p, q float64) bool {
		if p == 0 {
			return q >= 0
		}
		t := q / p
		if p < 0 {
			if t > t1 {
				return false
			}
			t0 = math.Max(t0, t)
		} else {
			if t < t0 {
				return false
			}
			t1 = math.Min(t1, t)
		}
		return true
	}
	if !clip(-dx, float64(a.X-r.Min.X)) || !clip(dx, float64(r.Max.X-a.X)) ||
		!clip(-dy, float64(a.Y-r.Min.Y)) || !clip(dy, float64(r.Max.Y-a.Y)) {
		return 0
	}
	l := (t1 - t0) * math.Hypot(dx, dy)
	if l == 0 {
		// A zero-length segment or a point on the edge still marks the spot.
		return 1
	}
	return l
}

func inside(r, area vg.Rectangle) bool {
	return r.Min.X >= area.Min.X && r.Max.X <= area.Max.X && r.Min.Y >= area.Min.Y && r.Max.Y <= area.Max.Y
}

// grow returns r with d added on every side.
func grow(r vg.Rectangle, d vg.Length) vg.Rectangle {
	return vg.Rectangle{Min: vg.Point{X: r.Min.X - d, Y: r.Min.Y - d}, Max: vg.Point{X: r.Max.X + d, Y: r.Max.Y + d}}
}

func translate(r vg.Rectangle, by vg.Point) vg.Rectangle {
	return vg.Rectangle{Min: r.Min.Add(by), Max: r.Max.Add(by)}
}

// Plot implements plot.Plotter.
func (o *overlay) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	ob := o.obstacles(trX, trY)
	for _, l := range o.placeLabels(c.Rectangle, ob, trX, trY) {
		c.FillText(l.sty, l.at, l.text)
	}
	if len(o.legend) == 0 {
		return
	}
	size := o.legendSize()
	if o.outside {
		at := vg.Point{X: c.Max.X + vg.Points(legendMargin), Y: c.Max.Y - size.Y}
		o.drawLegend(c, vg.Rectangle{Min: at, Max: at.Add(size)})
		return
	}
	best, _ := legendSpot(c.Rectangle, size, ob)
	o.drawLegend(c, best)
}

// GlyphBoxes implements plot.GlyphBoxer: a legend outside the data area makes gonum keep room
// for it on the right, top-aligned with the data area.
func (o *overlay) GlyphBoxes(*plot.Plot) []plot.GlyphBox {
	if !o.outside || len(o.legend) == 0 {
		return nil
	}
	size := o.legendSize()
	return []plot.GlyphBox{{
		X: 1, Y: 1,
		Rectangle: vg.Rectangle{
			Min: vg.Point{X: 0, Y: -size.Y},
			Max: vg.Point{X: size.X + vg.Points(legendMargin), Y: 0},
		},
	}}
}

// labelSpot is a place for a label: its anchor's offset from the point and its alignment there.
type labelSpot struct {
	off vg.Point
	xa  text.XAlignment
	ya  text.YAlignment
}

// labelSpots are the places tried for a label, best first: right, upper right, lower right,
// left, upper left, lower left, above, below. d is the distance from the point.
func labelSpots(d vg.Length) []labelSpot {
	k := d * 0.75
	return []labelSpot{
		{vg.Point{X: d}, draw.XLeft, draw.YCenter},
		{vg.Point{X: k, Y: k}, draw.XLeft, draw.YBottom},
		{vg.Point{X: k, Y: -k}, draw.XLeft, draw.YTop},
		{vg.Point{X: -d}, draw.XRight, draw.YCenter},
		{vg.Point{X: -k, Y: k}, draw.XRight, draw.YBottom},
		{vg.Point{X: -k, Y: -k}, draw.XRight, draw.YTop},
		{vg.Point{Y: d}, draw.XCenter, draw.YBottom},
		{vg.Point{Y: -d}, draw.XCenter, draw.YTop},
	}
}

// placedLabel is a label with the style (alignment) and anchor it is drawn with and its box.
type placedLabel struct {
	text string
	sty  text.Style
	at   vg.Point
	box  vg.Rectangle
}

// placeLabels puts each label, in order, on the side of its point where it covers the least
// ink within area, adding it to ob.boxes for the labels after it (and the legend) to avoid.
func (o *overlay) placeLabels(area vg.Rectangle, ob *obstacles, trX, trY func(float64) vg.Length) []placedLabel {
	sty := textStyle(sans, annotSize)
	spots := labelSpots(vg.Points(markerRadius + labelGap))
	var placed []placedLabel
	for _, l := range o.labels {
		if l.text == "" {
			continue
		}
		pt := vg.Point{X: trX(l.at.X), Y: trY(l.at.Y)}
		var best placedLabel
		bestCost := math.Inf(1)
		for i, s := range spots {
			st := sty
			st.XAlign, st.YAlign = s.xa, s.ya
			at := pt.Add(s.off)
			box := translate(st.Rectangle(l.text), at)
			cost := ob.cost(grow(box, vg.Points(labelClear)), pt) + 0.01*float64(i) // prefer earlier spots on ties
			if !inside(box, area) {
				cost += 1e6
			}
			if cost < bestCost {
				best, bestCost = placedLabel{text: l.text, sty: st, at: at, box: box}, cost
			}
		}
		placed = append(placed, best)
		ob.boxes = append(ob.boxes, best.box)
	}
	return placed
}

// legendSize is the size of the framed legend.
func (o *overlay) legendSize() vg.Point {
	sty := textStyle(sans, legendSize)
	var w vg.Length
	for _, e := range o.legend {
		tw := sty.Width(e.text)
		if len(e.thumbs) > 0 {
			tw += vg.Points(legendThumb + legendPad)
		}
		w = max(w, tw)
	}
	rows := vg.Length(len(o.legend))
	return vg.Point{X: w + 2*vg.Points(legendPad), Y: rows*vg.Points(legendSize*rowSpacing) + 2*vg.Points(legendPad)}
}

// legendSpot returns where a legend of the given size covers the least ink in area, and that
// ink (0: none). Ties go to the first of: the four corners (top right, top left, bottom right,
// bottom left), the middle of the top and bottom edges, then places down the right and left
// edges.
func legendSpot(area vg.Rectangle, size vg.Point, ob *obstacles) (vg.Rectangle, float64) {
	m := vg.Points(legendMargin)
	left, right := area.Min.X+m, area.Max.X-m-size.X
	bottom, top := area.Min.Y+m, area.Max.Y-m-size.Y
	midX := (area.Min.X + area.Max.X - size.X) / 2
	spots := []vg.Point{
		{X: right, Y: top}, {X: left, Y: top}, {X: right, Y: bottom}, {X: left, Y: bottom},
		{X: midX, Y: top}, {X: midX, Y: bottom},
	}
	const steps = 12
	for k := 1; k < steps; k++ {
		y := top - (top-bottom)*vg.Length(k)/steps
		spots = append(spots, vg.Point{X: right, Y: y}, vg.Point{X: left, Y: y})
	}
	best, bestCost := vg.Rectangle{}, math.Inf(1)
	for _, at := range spots {
		r := vg.Rectangle{Min: at, Max: at.Add(size)}
		if cost := ob.cost(grow(r, vg.Points(legendClear))); cost < bestCost-1e-6 {
			best, bestCost = r, cost
		}
	}
	return best, bestCost
}

// drawLegend draws the legend framed on white in r.
func (o *overlay) drawLegend(c draw.Canvas, r vg.Rectangle) {
	c.SetColor(color.White)
	c.Fill(r.Path())
	c.SetLineStyle(draw.LineStyle{Color: frameGrey, Width: vg.Points(0.6)})
	c.Stroke(r.Path())

	sty := textStyle(sans, legendSize)
	pad, rowH := vg.Points(legendPad), vg.Points(legendSize*rowSpacing)
	y := r.Max.Y - pad
	for _, e := range o.legend {
		x := r.Min.X + pad
		if len(e.thumbs) > 0 {
			thumb := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
				Min: vg.Point{X: x, Y: y - rowH},
				Max: vg.Point{X: x + vg.Points(legendThumb), Y: y},
			}}
			for _, t := range e.thumbs {
				t.Thumbnail(&thumb)
			}
			x += vg.Points(legendThumb + legendPad)
		}
		c.FillText(sty, vg.Point{X: x, Y: y - rowH/2}, e.text)
		y -= rowH
	}
}
