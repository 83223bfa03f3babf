package display

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
	"testing"

	"github.com/pkg/errors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gorgonia.org/tensor"
)

func TestConstructors(t *testing.T) {
	for _, tc := range []struct {
		d    Data
		mime string
		want string
	}{
		{PNG([]byte{1, 2, 3}), MIMEPNG, base64.StdEncoding.EncodeToString([]byte{1, 2, 3})},
		{SVG("<svg/>"), MIMESVG, "<svg/>"},
		{Markdown("**b**"), MIMEMarkdown, "**b**"},
		{HTML("<b>b</b>"), MIMEHTML, "<b>b</b>"},
		{Text("t"), MIMEText, "t"},
	} {
		if got := tc.d.MIME[tc.mime]; got != tc.want || len(tc.d.MIME) != 1 {
			t.Errorf("%s: got %v, want only %q", tc.mime, tc.d.MIME, tc.want)
		}
	}
}

func TestWithAndSize(t *testing.T) {
	d := PNG([]byte{1}).With(Text("x")).WithSize(300, 0)
	if d.MIME[MIMEText] != "x" || d.MIME[MIMEPNG] == "" {
		t.Fatalf("With lost a representation: %v", d.MIME)
	}
	if w := d.Metadata[MIMEPNG]["width"]; w != 300 {
		t.Errorf("width metadata %v, want 300", w)
	}
	if _, ok := d.Metadata[MIMEPNG]["height"]; ok {
		t.Errorf("height 0 should be left out: %v", d.Metadata)
	}
	if Text("a").With(Data{}).Metadata != nil {
		t.Errorf("With of bundles without metadata made metadata")
	}
}

func decodePNG(t *testing.T, d Data) image.Image {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(d.MIME[MIMEPNG])
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	return img
}

func TestRenderPlot(t *testing.T) {
	p := plot.New()
	p.Title.Text = "loss"
	l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 1}, {X: 1, Y: 0.5}})
	if err != nil {
		t.Fatal(err)
	}
	p.Add(l)
	d, err := Render(p)
	if err != nil {
		t.Fatal(err)
	}
	if img := decodePNG(t, d); img.Bounds().Dx() != 1200 || img.Bounds().Dy() != 900 {
		t.Errorf("PNG %v, want 1200×900 (6×4.5 in at 200 dpi)", img.Bounds())
	}
	if _, svg := d.MIME[MIMESVG]; svg || !strings.Contains(d.MIME[MIMEText], "loss") {
		t.Errorf("want a PNG without SVG (HTML exports drop an SVG beside a PNG) and a text form naming the title, got %v", d.MIME)
	}
	withSVG, err := PlotSVG(p, PlotWidth, PlotHeight)
	if err != nil || !strings.Contains(withSVG.MIME[MIMESVG], "<svg") || withSVG.MIME[MIMEPNG] != d.MIME[MIMEPNG] {
		t.Errorf("PlotSVG: want the same PNG and an SVG, got %v, %v", len(withSVG.MIME), err)
	}
	if d.Metadata[MIMEPNG]["width"] != PlotDisplayWidth {
		t.Errorf("display width %v", d.Metadata[MIMEPNG])
	}
}

func TestPlotErrors(t *testing.T) {
	if _, err := Plot(nil, PlotWidth, PlotHeight); err == nil {
		t.Error("nil plot: no error")
	}
	if _, err := Plot(plot.New(), 0, PlotHeight); err == nil {
		t.Error("zero width: no error")
	}
}

func TestRenderImageAndText(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 3, 2))
	d, err := Render(img)
	if err != nil {
		t.Fatal(err)
	}
	if got := decodePNG(t, d).Bounds(); got.Dx() != 3 || got.Dy() != 2 {
		t.Errorf("PNG %v, want 3×2", got)
	}
	for v, want := range map[any]string{42: "42", "s": "s"} {
		if d, _ := Render(v); d.MIME[MIMEText] != want || len(d.MIME) != 1 {
			t.Errorf("Render(%v) = %v, want text %q", v, d.MIME, want)
		}
	}
	var nilPlot *plot.Plot
	if d, err := Render(nilPlot); err != nil || d.MIME[MIMEText] != "<nil>" {
		t.Errorf("typed nil plot: %v, %v", d.MIME, err)
	}
	if d, _ := Render(Markdown("m")); d.MIME[MIMEMarkdown] != "m" {
		t.Errorf("a Data is shown as it is, got %v", d.MIME)
	}
}

// fakeResult knows its Markdown and, when text is set, its text form.
type fakeResult struct{ text bool }

func (fakeResult) Markdown() string { return "| a |\n|---|\n| 1 |\n" }

type fakeTable struct{ fakeResult }

func (fakeTable) Text() string { return "a\n1" }

func TestRenderMarkdowners(t *testing.T) {
	d, err := Render(fakeTable{})
	if err != nil || d.MIME[MIMEMarkdown] != "| a |\n|---|\n| 1 |\n" || d.MIME[MIMEText] != "a\n1" {
		t.Errorf("a Markdowner and Texter: %v, %v; want its Markdown beside its Text", d.MIME, err)
	}
	d, _ = Render(fakeResult{})
	if d.MIME[MIMEMarkdown] == "" || d.MIME[MIMEText] != Summary(fakeResult{}) {
		t.Errorf("a Markdowner alone: %v; want its Markdown beside its Summary", d.MIME)
	}
}

func TestShow(t *testing.T) {
	defer SetPublisher(nil)
	SetPublisher(nil)
	if err := Show(1); !errors.Is(err, ErrNoFrontEnd) {
		t.Errorf("Show without a front end: %v, want ErrNoFrontEnd", err)
	}
	var got []Data
	SetPublisher(func(d Data) error { got = append(got, d); return nil })
	if err := Show(Text("a"), 2); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].MIME[MIMEText] != "a" || got[1].MIME[MIMEText] != "2" {
		t.Errorf("published %v", got)
	}
	if err := Show(errPlot()); err == nil {
		t.Error("a plot that cannot be drawn: no error")
	}
}

// errPlot is a plot whose drawing panics: a log axis over negative data.
func errPlot() *plot.Plot {
	p := plot.New()
	l, _ := plotter.NewLine(plotter.XYs{{X: 1, Y: -1}, {X: 2, Y: 1}})
	p.Add(l)
	p.Y.Scale = plot.LogScale{}
	return p
}

func TestGrayAndGrid(t *testing.T) {
	g, err := Gray([]float32{-1, 0, 1, 3}, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if g.Pix[0] != 0 || g.Pix[3] != 255 || g.Pix[1] != 64 {
		t.Errorf("Gray pixels %v, want 0, 64, …, 255", g.Pix)
	}
	for _, bad := range [][]float32{{1, 2, 3}, {0, float32(nan()), 0, 0}} {
		if _, err := Gray(bad, 2, 2); err == nil {
			t.Errorf("Gray(%v): no error", bad)
		}
	}
	grid, err := Grid([][]image.Image{{g, g}, {g}}, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if b := grid.Bounds(); b.Dx() != 1+2*(6+1) || b.Dy() != 1+2*(6+1) {
		t.Errorf("grid %v, want 15×15", b)
	}
	if c := color.GrayModel.Convert(grid.At(1+5, 1+5)).(color.Gray); c.Y != 255 {
		t.Errorf("scaled pixel (1,1) of the first image is %v, want white", c)
	}
	if c := color.GrayModel.Convert(grid.At(0, 0)).(color.Gray); c.Y != 220 {
		t.Errorf("padding is %v, want light grey", c)
	}
	if _, err := Grid(nil, 1, 1); err == nil {
		t.Error("empty grid: no error")
	}
	if _, err := Grid([][]image.Image{{g}}, 1, 0); err == nil {
		t.Error("scale 0: no error")
	}
}

func nan() float64 { return math.NaN() }

// TestSummary: long slices, tensors and maps show their type, length or
// shape and their first and last elements; structs their field names;
// Full shows everything.
func TestSummary(t *testing.T) {
	emb := make([]float32, 12800)
	for i := range emb {
		emb[i] = float32(i)
	}
	type config struct {
		Width, Depth int
		Name         string
		Weights      []float32
	}
	dense := tensor.New(tensor.WithShape(200, 64), tensor.WithBacking(emb))
	big := map[int]string{}
	for i := range 100 {
		big[i] = "v"
	}
	for _, tc := range []struct {
		v    any
		want string
	}{
		{emb, "[]float32 len 12800 [0 1 2 … 12797 12798 12799]"},
		{[]int{1, 2, 3}, "[1 2 3]"},
		{config{Width: 64, Depth: 4, Name: "tiny", Weights: emb[:10]}, "{Width:64 Depth:4 Name:tiny Weights:[]float32 len 10 [0 1 2 … 7 8 9]}"},
		{&config{Width: 1}, "&{Width:1 Depth:0 Name: Weights:[]}"},
		{dense, "*tensor.Dense (200, 64) float32 []float32 len 12800 [0 1 2 … 12797 12798 12799]"},
		{big, "map[int]string len 100 map[0:v 1:v 10:v … 97:v 98:v 99:v]"},
		{errors.New("boom"), "boom"},
	} {
		d, err := Render(tc.v)
		if err != nil || d.MIME[MIMEText] != tc.want {
			t.Errorf("Render(%T) = %q, %v; want %q", tc.v, d.MIME[MIMEText], err, tc.want)
		}
	}
	if full := Full(emb).MIME[MIMEText]; !strings.HasPrefix(full, "[0 1 2 3 4 5 6") || !strings.HasSuffix(full, "12798 12799]") {
		t.Errorf("Full cut the slice: %d characters", len(full))
	}
	long := make([][]float64, 5000)
	for i := range long {
		long[i] = make([]float64, 3)
	}
	if got := Summary(struct{ A, B, C, D, E, F, G, H any }{long, long, long, long, long, long, long, long}); len(got) > SummaryMax+200 {
		t.Errorf("summary of %d characters", len(got))
	}
}
