package plots

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
)

// Tick labels. Counts below 10¹⁵ read as 500, 1k, 60k, 1.28M, 2B; larger values (FLOPs) as
// 10¹⁸ and 3×10¹⁸, written "10^18" and typeset by superscriptHandler (Liberation Sans lacks
// some superscript digits, and gonum's LaTeX handler cannot typeset superscripts).

// powerThreshold is the smallest axis maximum written in powers of ten.
const powerThreshold = 1e15

// countLabel writes v with at most three significant digits and a k/M/B/T suffix.
func countLabel(v float64) string {
	if v == 0 {
		return "0"
	}
	units := []struct {
		scale  float64
		suffix string
	}{{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "k"}}
	sign := ""
	if v < 0 {
		sign, v = "−", -v
	}
	v = roundSig(v, 3)
	for _, u := range units {
		if v >= u.scale {
			return sign + strconv.FormatFloat(roundSig(v/u.scale, 3), 'f', -1, 64) + u.suffix
		}
	}
	return sign + strconv.FormatFloat(v, 'f', -1, 64)
}

// powerLabel writes v > 0 as 10^18 or 3×10^18, for superscriptHandler.
func powerLabel(v float64) string {
	e := math.Floor(math.Log10(v) + 1e-9)
	m := roundSig(v/math.Pow(10, e), 2)
	if m >= 10 {
		m, e = m/10, e+1
	}
	if m == 1 {
		return fmt.Sprintf("10^%d", int(e))
	}
	return fmt.Sprintf("%s×10^%d", strconv.FormatFloat(m, 'f', -1, 64), int(e))
}

func roundSig(v float64, digits int) float64 {
	if v == 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return v
	}
	// Divide and multiply by a power of ten that is an exact float64 (1e9, not 1e-9), so
	// 10¹² rounds to 10¹² and not to 999999999999.9999.
	e := math.Ceil(math.Log10(math.Abs(v))) - float64(digits)
	if e >= 0 {
		p := math.Pow(10, e)
		return math.Round(v/p) * p
	}
	p := math.Pow(10, -e)
	return math.Round(v*p) / p
}

// logTicks marks a logarithmic axis: labelled ticks at 1-2-5 (or sparser, as the range widens)
// times powers of ten, unlabelled minor ticks at the other integer multiples.
type logTicks struct {
	power bool // label in powers of ten (see powerLabel) instead of count suffixes
}

func (t logTicks) label(v float64) string {
	if t.power {
		return powerLabel(v)
	}
	return countLabel(v)
}

// Ticks implements plot.Ticker. It returns no ticks (rather than panicking) for a range that
// a log axis cannot show.
func (t logTicks) Ticks(min, max float64) []plot.Tick {
	if !(min > 0) || !(max >= min) || math.IsInf(max, 0) {
		return nil
	}
	decades := math.Log10(max / min)
	// The mantissas labelled in each decade, by the widest range (in decades) they suit; the
	// wider power-of-ten labels thin out sooner. Beyond the table, every n-th power of ten.
	type step struct {
		upTo      float64
		mantissas []float64
	}
	steps := []step{{1.2, []float64{1, 2, 3, 5, 7}}, {2.5, []float64{1, 2, 5}}, {4, []float64{1, 3}}}
	if t.power {
		steps = []step{{1.5, []float64{1, 2, 5}}, {3.2, []float64{1, 3}}}
	}
	major, every := []float64{1}, int(math.Ceil(decades/7))
	for _, s := range steps {
		if decades <= s.upTo {
			major, every = s.mantissas, 1
			break
		}
	}
	minor := decades <= 6
	var ticks []plot.Tick
	lo, hi := int(math.Floor(math.Log10(min))), int(math.Ceil(math.Log10(max)))
	for e := lo; e <= hi; e++ {
		pow := math.Pow(10, float64(e))
		for m := 1; m <= 9; m++ {
			v := roundSig(float64(m)*pow, 12)
			if v < min*(1-1e-9) || v > max*(1+1e-9) {
				continue
			}
			isMajor := e%every == 0 && contains(major, float64(m))
			switch {
			case isMajor:
				ticks = append(ticks, plot.Tick{Value: v, Label: t.label(v)})
			case minor || m == 1:
				ticks = append(ticks, plot.Tick{Value: v})
			}
		}
	}
	if countLabelled(ticks) < 2 {
		// A narrow range inside one decade: label its ends instead.
		ticks = append(ticks, plot.Tick{Value: min, Label: t.label(min)}, plot.Tick{Value: max, Label: t.label(max)})
	}
	return ticks
}

// valueTicks labels the given values (the x values of a few runs, say 1k, 6k, 60k images)
// and keeps logTicks' ticks, unlabelled, as a scale.
type valueTicks struct {
	values []float64
	logTicks
}

// Ticks implements plot.Ticker.
func (t valueTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	for _, tk := range t.logTicks.Ticks(min, max) {
		if !containsNear(t.values, tk.Value) {
			ticks = append(ticks, plot.Tick{Value: tk.Value})
		}
	}
	for _, v := range t.values {
		if v >= min && v <= max {
			ticks = append(ticks, plot.Tick{Value: v, Label: t.label(v)})
		}
	}
	return ticks
}

// logAxisTicks chooses the marker of a log axis showing xs over [min, max]: the data values
// themselves when there are few, they are far enough apart for their labels not to touch and
// they read as counts (not 2.7×10¹⁹), the generic log ticks otherwise.
func logAxisTicks(xs []float64, min, max float64) plot.Ticker {
	lt := logTicks{power: max >= powerThreshold}
	distinct := uniqueSorted(xs)
	if lt.power || len(distinct) == 0 || len(distinct) > 8 {
		return lt
	}
	span := math.Log10(max / min)
	for i := 1; i < len(distinct); i++ {
		if math.Log10(distinct[i]/distinct[i-1]) < span/9 {
			return lt
		}
	}
	return valueTicks{values: distinct, logTicks: lt}
}

// linearTicks marks a linear axis at 1, 2 or 5 times a power of ten, as finely as keeps the
// labelled ticks to at most maxLinearTicks, with an unlabelled tick half-way between them.
// Labels carry as many decimals as the step needs (0.298, 0.300) and count suffixes from 10⁴ on
// (200k rather than 200000).
type linearTicks struct{}

const maxLinearTicks = 8

// Ticks implements plot.Ticker.
func (linearTicks) Ticks(min, max float64) []plot.Tick {
	if !(max > min) || math.IsInf(min, 0) || math.IsInf(max, 0) {
		return nil
	}
	var step float64
	mag := math.Pow(10, math.Floor(math.Log10((max-min)/maxLinearTicks)))
	for _, m := range []float64{1, 2, 5, 10} {
		step = m * mag
		if math.Floor(max/step)-math.Ceil(min/step)+1 <= maxLinearTicks {
			break
		}
	}
	decimals := int(math.Max(0, -math.Floor(math.Log10(step)+1e-9)))
	large := math.Max(math.Abs(min), math.Abs(max)) >= 1e4
	var ticks []plot.Tick
	for k := math.Ceil(min/step) - 1; k*step <= max; k++ {
		v := k * step
		if v >= min-1e-9*step {
			label := countLabel(v)
			if !large {
				label = minus(strconv.FormatFloat(v+0, 'f', decimals, 64))
			}
			if v == 0 {
				label = "0"
			}
			ticks = append(ticks, plot.Tick{Value: v, Label: label})
		}
		if half := v + step/2; half >= min && half <= max {
			ticks = append(ticks, plot.Tick{Value: half})
		}
	}
	return ticks
}

// setLogAxis makes the x axis ax logarithmic with the given marker, typesetting powers of ten.
func setLogAxis(ax *plot.Axis, marker plot.Ticker) {
	ax.Scale = plot.LogScale{}
	ax.Label.TextStyle.Handler = zeroWidth{text.Plain{Fonts: font.DefaultCache}}
	ax.Tick.Marker = marker
	power := false
	switch m := marker.(type) {
	case logTicks:
		power = m.power
	case valueTicks:
		power = m.power
	}
	if power {
		ax.Tick.Label.Handler = superscriptHandler{text.Plain{Fonts: font.DefaultCache}}
	}
}

func contains(vs []float64, v float64) bool {
	for _, w := range vs {
		if w == v {
			return true
		}
	}
	return false
}

func containsNear(vs []float64, v float64) bool {
	for _, w := range vs {
		if math.Abs(w-v) <= 1e-9*math.Abs(w) {
			return true
		}
	}
	return false
}

func countLabelled(ticks []plot.Tick) int {
	n := 0
	for _, tk := range ticks {
		if tk.Label != "" {
			n++
		}
	}
	return n
}

func uniqueSorted(xs []float64) []float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// superscriptHandler draws single-line text "a^b" as a followed by b in a smaller font, raised;
// text without "^" (and rotated text) it leaves to text.Plain.
type superscriptHandler struct{ text.Plain }

const (
	supScale = 0.7  // superscript size / text size
	supRaise = 0.42 // superscript baseline above the text baseline / text size
)

func splitSup(txt string) (base, sup string, ok bool) {
	base, sup, ok = strings.Cut(txt, "^")
	return base, sup, ok && !strings.Contains(txt, "\n")
}

// Box implements text.Handler.
func (h superscriptHandler) Box(txt string, fnt font.Font) (width, height, depth vg.Length) {
	base, sup, ok := splitSup(txt)
	if !ok {
		return h.Plain.Box(txt, fnt)
	}
	width, height, depth = h.Plain.Box(base, fnt)
	small := fnt
	small.Size = fnt.Size * supScale
	sw, sh, _ := h.Plain.Box(sup, small)
	return width + sw, max(height, fnt.Size*supRaise+sh), depth
}

// Draw implements text.Handler.
func (h superscriptHandler) Draw(c vg.Canvas, txt string, sty text.Style, pt vg.Point) {
	base, sup, ok := splitSup(txt)
	if !ok || sty.Rotation != 0 {
		h.Plain.Draw(c, strings.Replace(txt, "^", "", 1), sty, pt)
		return
	}
	width, height, depth := h.Box(txt, sty.Font)
	ascent := h.Extents(sty.Font).Ascent
	// The baseline where text.Plain would put a line of this height and depth.
	x := pt.X + vg.Length(sty.XAlign)*width
	y := pt.Y + vg.Length(sty.YAlign)*(height+depth) - ascent + sty.Font.Size
	face := h.Fonts.Lookup(sty.Font, sty.Font.Size)
	small := sty.Font
	small.Size = sty.Font.Size * supScale
	smallFace := h.Fonts.Lookup(small, small.Size)
	c.SetColor(sty.Color)
	c.FillString(face, vg.Point{X: x, Y: y}, base)
	c.FillString(smallFace, vg.Point{X: x + face.Width(base), Y: y + sty.Font.Size*supRaise}, sup)
}

// zeroWidth is text.Plain except that it reports text as zero wide. It typesets the label of a
// logarithmic x axis: gonum reserves room for that label as if it were centred on the
// arithmetic midpoint of the axis range, which on a log axis lies near its right end, and so
// leaves a wide empty margin on the right. text.Plain draws from the font's widths, so the
// label is still drawn centred; it is narrower than the axis, so it needs no room of its own.
type zeroWidth struct{ text.Plain }

// Box implements text.Handler.
func (h zeroWidth) Box(txt string, fnt font.Font) (width, height, depth vg.Length) {
	_, height, depth = h.Plain.Box(txt, fnt)
	return 0, height, depth
}
