package plots

import (
	"bytes"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/aim-go/aim/internal/atomicfile"
)

// DPI is the resolution of the PNG files Save writes: a 6×4.5 inch figure is 1200×900 pixels.
const DPI = 200

// Save writes p as base.png and base.svg, width × height (e.g. 6*vg.Inch × 4.5*vg.Inch),
// creating base's directory. A ".png" or ".svg" ending of base is dropped. Both images are
// rendered in memory and written to temporary files that are then renamed into place, so an
// error never leaves a partly written image behind.
func Save(p *plot.Plot, base string, width, height vg.Length) (err error) {
	if p == nil {
		return errors.New("plots: Save: nil plot")
	}
	if !(width > 0 && height > 0) || math.IsInf(float64(width), 0) || math.IsInf(float64(height), 0) {
		return errors.Errorf("plots: Save %s: size %v × %v is not positive and finite", base, width, height)
	}
	if ext := strings.ToLower(filepath.Ext(base)); ext == ".png" || ext == ".svg" {
		base = strings.TrimSuffix(base, filepath.Ext(base))
	}
	if base == "" || strings.HasSuffix(base, string(filepath.Separator)) {
		return errors.Errorf("plots: Save: %q names no file", base)
	}
	pngData, err := PNG(p, width, height)
	if err != nil {
		return errors.Wrapf(err, "plots: Save %s.png", base)
	}
	svgData, err := SVG(p, width, height)
	if err != nil {
		return errors.Wrapf(err, "plots: Save %s.svg", base)
	}
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return errors.Wrap(err, "plots: Save")
	}
	files := []struct {
		path string
		data []byte
	}{{base + ".png", pngData}, {base + ".svg", svgData}}
	var pending []*atomicfile.Pending
	defer func() {
		for _, p := range pending {
			if p != nil {
				p.Abort()
			}
		}
	}()
	for _, f := range files {
		p, err := atomicfile.Create(f.path)
		if err != nil {
			return errors.Wrap(err, "plots: Save")
		}
		pending = append(pending, p)
		if _, err := p.File.Write(f.data); err != nil {
			return errors.Wrapf(err, "plots: Save %s", f.path)
		}
	}
	// Both files are written before either replaces its old version.
	for i, p := range pending {
		pending[i] = nil
		if err := p.Commit(); err != nil {
			return errors.Wrap(err, "plots: Save")
		}
	}
	return nil
}

// margin is the white border Save leaves around a figure, so that nothing touches its edge.
const margin = 6 // points

// drawOn renders p on c inside a white margin, turning a panic inside gonum/plot (a caller
// may have changed the returned plot, say to a log axis over negative data) into an error.
func drawOn(p *plot.Plot, c draw.Canvas) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("drawing the plot: %v", r)
		}
	}()
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	m := vg.Points(margin)
	p.Draw(draw.Crop(c, m, -m, m, -m))
	return nil
}

// PNG renders p at the given size (and DPI) as PNG bytes, inside the white
// margin Save leaves; a panic inside gonum/plot becomes an error.
func PNG(p *plot.Plot, width, height vg.Length) ([]byte, error) {
	c := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(DPI))
	if err := drawOn(p, draw.New(c)); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// SVG renders p at the given size as SVG bytes, like PNG.
func SVG(p *plot.Plot, width, height vg.Length) ([]byte, error) {
	c := vgsvg.New(width, height)
	if err := drawOn(p, draw.New(c)); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	// The fonts are not embedded (that would add ~0.5 MB per file); fall back on the fonts
	// that Liberation is metric-compatible with, so that text keeps its size and place.
	return bytes.ReplaceAll(buf.Bytes(),
		[]byte("font-family:Liberation Sans;"),
		[]byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;")), nil
}
