package display

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"reflect"

	"github.com/pkg/errors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/aim-go/aim/plots"
)

// The size a plot is drawn at when none is given, and the width it is shown
// at: the PNG is rendered at plots.DPI (1200×900 pixels) and shown at half
// that, so it stays sharp on high-resolution screens.
const (
	PlotWidth        = 6 * vg.Inch
	PlotHeight       = 4.5 * vg.Inch
	PlotDisplayWidth = 600
)

// Markdowner is a value that knows its Markdown form, such as
// *probe.SuiteResult, probe.Results or *scaling.Results; Render uses it.
type Markdowner interface {
	Markdown() string
}

// Texter is a value that knows its plain-text form (a table with aligned
// columns, say); Render shows it beside a Markdowner's Markdown, where a
// terminal front end shows text.
type Texter interface {
	Text() string
}

// Render turns v into a bundle: a Data as it is; a *plot.Plot as PNG (Plot
// at the default size); an image.Image as PNG; any Markdowner (results of
// probes, suites and sweeps) as its Markdown, beside its Text when it is a
// Texter. Everything also gets a text/plain form,
// and any other value is text/plain as Summary prints it (long slices,
// tensors and maps cut to their first and last elements, structs with
// their field names; Full shows a value whole). The error is
// that of drawing or encoding an image, the bundle then being its text.
func Render(v any) (Data, error) {
	if isNil(v) {
		return Text(fmt.Sprint(v)), nil
	}
	switch x := v.(type) {
	case Data:
		return x, nil
	case *Data:
		return *x, nil
	case *plot.Plot:
		return Plot(x, PlotWidth, PlotHeight)
	case image.Image:
		return Image(x)
	case Markdowner:
		if t, ok := v.(Texter); ok {
			return Markdown(x.Markdown()).With(Text(t.Text())), nil
		}
		return Markdown(x.Markdown()).With(Text(Summary(v))), nil
	}
	return Text(Summary(v)), nil
}

// isNil reports whether v is nil or a nil pointer, map, slice or function.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Interface, reflect.Chan:
		return r.IsNil()
	}
	return false
}

// Plot renders p at width × height as a PNG (at plots.DPI, shown at
// PlotDisplayWidth scaled to width), on white with a small margin like
// plots.Save. A PNG alone, because a front end that holds both shows the
// SVG, and some drop it (nbconvert's HTML export leaves a blank image);
// PlotSVG adds the SVG on request. A panic inside gonum/plot while drawing
// (a changed plot, say a log axis over negative data) is returned as an
// error.
func Plot(p *plot.Plot, width, height vg.Length) (Data, error) {
	if p == nil {
		return Data{}, errors.New("display: nil plot")
	}
	if !(width > 0 && height > 0) {
		return Data{}, errors.Errorf("display: plot size %v × %v is not positive", width, height)
	}
	png, err := plotPNG(p, width, height)
	if err != nil {
		return Data{}, err
	}
	text := fmt.Sprintf("plot %q", p.Title.Text)
	show := int(float64(PlotDisplayWidth) * float64(width/PlotWidth))
	return PNG(png).WithSize(show, 0).With(Text(text)), nil
}

// PlotSVG is Plot with an SVG beside the PNG, for a front end that is to
// show the vector form (it then shows the SVG).
func PlotSVG(p *plot.Plot, width, height vg.Length) (Data, error) {
	d, err := Plot(p, width, height)
	if err != nil {
		return Data{}, err
	}
	svg, err := plotSVG(p, width, height)
	if err != nil {
		return Data{}, err
	}
	return d.With(SVG(svg)), nil
}

func plotPNG(p *plot.Plot, width, height vg.Length) ([]byte, error) {
	b, err := plots.PNG(p, width, height)
	return b, errors.Wrap(err, "display: rendering the plot as PNG")
}

func plotSVG(p *plot.Plot, width, height vg.Length) (string, error) {
	b, err := plots.SVG(p, width, height)
	return string(b), errors.Wrap(err, "display: rendering the plot as SVG")
}

// Image renders img as a PNG.
func Image(img image.Image) (Data, error) {
	if isNil(img) {
		return Data{}, errors.New("display: nil image")
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Data{}, errors.Wrap(err, "display: encoding the image as PNG")
	}
	b := img.Bounds()
	text := fmt.Sprintf("image %d×%d", b.Dx(), b.Dy())
	return PNG(buf.Bytes()).With(Text(text)), nil
}
