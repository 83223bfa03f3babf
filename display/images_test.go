package display

import (
	"image"
	"image/color"
	"image/draw"
	"strings"
	"testing"

	xfont "golang.org/x/image/font"
)

// digits returns n uniform 28×28 grey images, like MNIST digits.
func digits(n int) []image.Image {
	out := make([]image.Image, n)
	for i := range out {
		g := image.NewGray(image.Rect(0, 0, 28, 28))
		for j := range g.Pix {
			g.Pix[j] = uint8(60 + 40*(i%5))
		}
		out[i] = g
	}
	return out
}

// changed returns the pixels where a and b differ (of a's bounds).
func changed(a, b *image.RGBA) []image.Point {
	var out []image.Point
	for y := a.Rect.Min.Y; y < a.Rect.Max.Y; y++ {
		for x := a.Rect.Min.X; x < a.Rect.Max.X; x++ {
			if a.RGBAAt(x, y) != b.RGBAAt(x, y) {
				out = append(out, image.Pt(x, y))
			}
		}
	}
	return out
}

// captionBand is the height CaptionedGrid adds under each row whose
// longest caption has the given number of lines.
func captionBand(t *testing.T, lines int) int {
	t.Helper()
	face, err := newFace(captionSize, false)
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	return textGap + lines*lineHeight(face)
}

// TestCaptionedGridGrowsByTheBand: each row gains a band as tall as its
// captions, the width stays and the images stay where Grid puts them.
func TestCaptionedGridGrowsByTheBand(t *testing.T) {
	d := digits(3)
	rows := [][]image.Image{{d[0], d[1], d[2]}, {d[1]}}
	const pad, scale = 4, 3
	plain, err := Grid(rows, pad, scale)
	if err != nil {
		t.Fatal(err)
	}
	caps := [][]string{{"query", "0.91", "0.88"}, {"query"}}
	g, err := CaptionedGrid(rows, caps, pad, scale)
	if err != nil {
		t.Fatal(err)
	}
	band := captionBand(t, 1)
	if band <= textGap {
		t.Fatalf("caption band %d px holds no line", band)
	}
	if g.Rect.Dx() != plain.Rect.Dx() || g.Rect.Dy() != plain.Rect.Dy()+2*band {
		t.Errorf("captioned grid %v, want %d×%d (Grid's %v and a %d-px band per row)",
			g.Rect.Size(), plain.Rect.Dx(), plain.Rect.Dy()+2*band, plain.Rect.Size(), band)
	}
	cell := 28 * scale
	second := image.Pt(pad+5, pad+cell+band+pad+5) // inside the image of row 1
	if g.RGBAAt(second.X, second.Y) != plain.RGBAAt(pad+5, pad+cell+pad+5) {
		t.Errorf("row 1's image is not at %v", second)
	}
}

// TestCaptionStaysInItsColumn: one caption, too long for its 84-px panel,
// changes pixels under that panel only, within its band, and no others.
func TestCaptionStaysInItsColumn(t *testing.T) {
	d := digits(3)
	rows := [][]image.Image{{d[0], d[1], d[2]}}
	const pad, scale = 4, 3
	cell := 28 * scale
	want, err := Grid(rows, pad, scale)
	if err != nil {
		t.Fatal(err)
	}
	for col := range 3 {
		caps := [][]string{{"", "", ""}}
		caps[0][col] = "WWWWWWWWWWWWWWWWWWWWWWWW and a second line and a third"
		g, err := CaptionedGrid(rows, caps, pad, scale)
		if err != nil {
			t.Fatal(err)
		}
		plain := image.NewRGBA(g.Rect) // Grid's image, background below
		fillBackground(plain, 0)
		draw.Draw(plain, g.Rect, want, image.Point{}, draw.Src)
		x0 := pad + col*(cell+pad)
		band := image.Rect(x0, pad+cell, x0+cell, pad+cell+captionBand(t, maxLines))
		ink := changed(g, plain)
		if len(ink) == 0 {
			t.Fatalf("column %d: the caption drew nothing", col)
		}
		for _, p := range ink {
			if !p.In(band) {
				t.Fatalf("column %d: caption pixel at %v, outside its panel's band %v", col, p, band)
			}
		}
	}
}

// fillBackground paints rows from y down of img in the grid's background.
func fillBackground(img *image.RGBA, y int) {
	for ; y < img.Rect.Max.Y; y++ {
		for x := img.Rect.Min.X; x < img.Rect.Max.X; x++ {
			img.Set(x, y, background)
		}
	}
}

// TestCaptionedGridShapeErrors: captions must match the rows one for one,
// and the error says what was expected.
func TestCaptionedGridShapeErrors(t *testing.T) {
	d := digits(2)
	rows := [][]image.Image{{d[0], d[1]}, {d[0]}}
	for _, tc := range []struct {
		caps [][]string
		want string
	}{
		{[][]string{{"a", "b"}}, "captions has 1 rows, want 2"},
		{[][]string{{"a", "b"}, {"c"}, {"d"}}, "captions has 3 rows, want 2"},
		{[][]string{{"a"}, {"c"}}, "captions row 0 has 1 captions, want 2"},
		{[][]string{{"a", "b"}, {}}, "captions row 1 has 0 captions, want 1"},
	} {
		_, err := CaptionedGrid(rows, tc.caps, 1, 1)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "CaptionedGrid") {
			t.Errorf("captions %q: error %v, want one saying %q", tc.caps, err, tc.want)
		}
	}
	if _, err := CaptionedGrid([][]image.Image{{nil}}, [][]string{{"a"}}, 1, 1); err == nil || !strings.Contains(err.Error(), "nil image") {
		t.Errorf("nil image: error %v", err)
	}
}

// TestNoCaptionsNoText: nil captions, or only blank ones, draw exactly
// Grid's image.
func TestNoCaptionsNoText(t *testing.T) {
	d := digits(2)
	rows := [][]image.Image{{d[0], d[1]}}
	plain, err := Grid(rows, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, caps := range [][][]string{nil, {{"", ""}}, {{" ", "\n"}}} {
		g, err := CaptionedGrid(rows, caps, 2, 2)
		if err != nil {
			t.Fatal(err)
		}
		if g.Rect != plain.Rect || len(changed(g, plain)) != 0 {
			t.Errorf("captions %q: the grid differs from Grid's", caps)
		}
	}
}

// TestWrap: captions wrap at spaces and "\n", each line within the width,
// at most maxLines of them, and what is cut ends with "…".
func TestWrap(t *testing.T) {
	face, err := newFace(captionSize, false)
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	width := func(s string) int { return xfont.MeasureString(face, s).Ceil() }
	const w = 84
	for _, tc := range []struct {
		text string
		want []string // nil: only check the width and the "…"
		cut  bool
	}{
		{"query", []string{"query"}, false},
		{"sim 0.93", []string{"sim 0.93"}, false},
		{"prefix\nS = 16", []string{"prefix", "S = 16"}, false},
		{"", []string{}, false},
		{"WWWWWWWWWWWWWWWWWWWW", nil, true},
		{"one two three four five six seven eight nine ten", nil, true},
	} {
		lines := wrap(face, tc.text, w, maxLines)
		if tc.want != nil && strings.Join(lines, "|") != strings.Join(tc.want, "|") {
			t.Errorf("wrap(%q) = %q, want %q", tc.text, lines, tc.want)
		}
		if len(lines) > maxLines {
			t.Errorf("wrap(%q): %d lines, want at most %d", tc.text, len(lines), maxLines)
		}
		for _, l := range lines {
			if width(l) > w {
				t.Errorf("wrap(%q): line %q is %d px wide, over %d", tc.text, l, width(l), w)
			}
		}
		if cut := len(lines) > 0 && strings.HasSuffix(lines[len(lines)-1], ellipsis); cut != tc.cut {
			t.Errorf("wrap(%q) = %q: ends with … %v, want %v", tc.text, lines, cut, tc.cut)
		}
	}
	if lines := wrap(face, "anything", 3, maxLines); strings.Join(lines, "") != "" {
		t.Errorf("wrap in 3 px = %q, want nothing drawn", lines)
	}
}

// TestTitled: a title adds a band above the image and draws only there; an
// empty one adds nothing.
func TestTitled(t *testing.T) {
	g, err := Grid([][]image.Image{digits(3)}, 4, 3)
	if err != nil {
		t.Fatal(err)
	}
	titled, err := Titled(g, "Feature space: query, then its nearest neighbours by cosine similarity")
	if err != nil {
		t.Fatal(err)
	}
	band := titled.Rect.Dy() - g.Rect.Dy()
	if titled.Rect.Dx() != g.Rect.Dx() || band <= 0 {
		t.Fatalf("titled %v from %v: want the same width and a band above", titled.Rect.Size(), g.Rect.Size())
	}
	below := titled.SubImage(image.Rect(0, band, g.Rect.Dx(), titled.Rect.Dy())).(*image.RGBA)
	for y := 0; y < g.Rect.Dy(); y++ {
		for x := 0; x < g.Rect.Dx(); x++ {
			if below.RGBAAt(x, y+band) != g.RGBAAt(x, y) {
				t.Fatalf("pixel (%d, %d) of the grid moved or changed", x, y)
			}
		}
	}
	bg := color.RGBAModel.Convert(background).(color.RGBA)
	ink := 0
	for y := 0; y < band; y++ {
		for x := 0; x < titled.Rect.Dx(); x++ {
			if titled.RGBAAt(x, y) != bg {
				ink++
			}
		}
	}
	if ink == 0 {
		t.Error("the title drew nothing")
	}
	same, err := Titled(g, "  ")
	if err != nil {
		t.Fatal(err)
	}
	if same.Rect != g.Rect || len(changed(same, g)) != 0 {
		t.Error("a blank title changed the image")
	}
	if _, err := Titled(nil, "x"); err == nil {
		t.Error("Titled(nil): no error")
	}
}
