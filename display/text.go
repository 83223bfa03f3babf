package display

import (
	"image"
	"image/color"
	"strings"

	"github.com/pkg/errors"
	xfont "golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/font/liberation"
)

// Captions and titles: Liberation Sans (the font of the project's plots),
// in pixels, hinted so that small text stays sharp.
const (
	captionSize = 12
	titleSize   = 14
	maxLines    = 2 // lines of a caption or title; more is cut with "…"
	textGap     = 2 // pixels between an image and its caption
	titleMargin = 4 // pixels around a title
	ellipsis    = "…"
)

// textColor is the colour of captions and titles: near black on the grid's
// light grey.
var textColor = color.Gray{Y: 25}

// newFace returns Liberation Sans, regular or bold, size pixels to the em.
// A face is not safe for concurrent use: each drawing makes its own.
func newFace(size float64, bold bool) (xfont.Face, error) {
	want := font.Font{Typeface: "Liberation", Variant: "Sans"}
	if bold {
		want.Weight = xfont.WeightBold
	}
	for _, f := range liberation.Collection() {
		if f.Font == want {
			face, err := opentype.NewFace(f.Face, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: xfont.HintingFull})
			return face, errors.Wrap(err, "caption font")
		}
	}
	return nil, errors.Errorf("caption font: no %s in gonum/plot's Liberation fonts", want.Name())
}

// wrapAll wraps each caption to width pixels (nil for no captions).
func wrapAll(face xfont.Face, captions [][]string, width int) [][][]string {
	if captions == nil {
		return nil
	}
	out := make([][][]string, len(captions))
	for r, row := range captions {
		out[r] = make([][]string, len(row))
		for c, text := range row {
			out[r][c] = wrap(face, text, width, maxLines)
		}
	}
	return out
}

// wrap breaks text into lines at most width pixels wide, at spaces and at
// "\n"; a word wider than a line is cut with "…", and so is the last of
// maxLines lines when text goes on. Blank text gives no lines.
func wrap(face xfont.Face, text string, width, maxLines int) []string {
	fits := func(s string) bool { return xfont.MeasureString(face, s).Ceil() <= width }
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			switch {
			case line == "":
				line = word
			case fits(line + " " + word):
				line += " " + word
			default:
				lines = append(lines, line)
				line = word
			}
		}
		if line != "" {
			lines = append(lines, line)
		}
	}
	for i, l := range lines {
		if !fits(l) {
			lines[i] = cut(l, fits)
		}
	}
	if len(lines) > maxLines {
		lines = lines[:maxLines]
		lines[maxLines-1] = cut(strings.TrimSuffix(lines[maxLines-1], ellipsis)+" ", fits)
	}
	return lines
}

// cut shortens s, rune by rune from its end, until it fits with "…"
// appended; nothing fits where not even "…" does.
func cut(s string, fits func(string) bool) string {
	r := []rune(s)
	for n := len(r) - 1; n >= 0; n-- {
		if c := strings.TrimRight(string(r[:n]), " ") + ellipsis; fits(c) {
			return c
		}
	}
	return ""
}

// lineHeight is the distance between two baselines of face, in pixels.
func lineHeight(face xfont.Face) int { return face.Metrics().Height.Ceil() }

// textBand is the height of the band under each row that holds the most
// lines among captions (0 where none has a line).
func textBand(face xfont.Face, captions [][][]string) int {
	most := 0
	for _, row := range captions {
		for _, lines := range row {
			most = max(most, len(lines))
		}
	}
	if most == 0 {
		return 0
	}
	return textGap + most*lineHeight(face)
}

// drawLines draws lines centred in box, from its top, clipped to it: no
// pixel outside box changes.
func drawLines(dst *image.RGBA, box image.Rectangle, face xfont.Face, lines []string) {
	if len(lines) == 0 {
		return
	}
	d := xfont.Drawer{Dst: dst.SubImage(box).(*image.RGBA), Src: image.NewUniform(textColor), Face: face}
	ascent := face.Metrics().Ascent.Ceil()
	for i, l := range lines {
		w := d.MeasureString(l).Ceil()
		d.Dot = fixed.P(box.Min.X+(box.Dx()-w)/2, box.Min.Y+i*lineHeight(face)+ascent)
		d.DrawString(l)
	}
}
