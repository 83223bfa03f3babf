package display

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"github.com/pkg/errors"
)

// background is the light grey between and around the images of a grid.
var background = color.Gray{Y: 220}

// Gray makes an 8-bit grey image of h×w values in row order (one channel
// of a dataset image, say), mapping the smallest value to black and the
// largest to white; constant values give a black image.
func Gray(values []float32, h, w int) (*image.Gray, error) {
	if h <= 0 || w <= 0 || len(values) != h*w {
		return nil, errors.Errorf("display: Gray: %d values for a %d×%d image", len(values), h, w)
	}
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for _, v := range values {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, errors.Errorf("display: Gray: value %v is not finite", v)
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	if hi > lo {
		for i, v := range values {
			img.Pix[i] = uint8(math.Round(float64(255 * (v - lo) / (hi - lo))))
		}
	}
	return img, nil
}

// Grid lays images out in rows (rows may differ in length), pad pixels
// apart on a light grey background, each scaled up by an integer factor
// (nearest neighbour, so small digits stay crisp). Cells are as large as
// the largest image.
func Grid(rows [][]image.Image, pad, scale int) (*image.RGBA, error) {
	return grid("Grid", rows, nil, pad, scale)
}

// CaptionedGrid is Grid with a caption under each image: captions[r][c]
// under image c of row r, so captions has the rows' shape (nil: none at
// all; "" leaves an image without one). A caption is centred under its
// image and kept within its width: it wraps at spaces (and at "\n") onto
// at most two lines, and what does not fit is cut with "…". Every row
// gets a band as tall as the longest caption needs.
func CaptionedGrid(rows [][]image.Image, captions [][]string, pad, scale int) (*image.RGBA, error) {
	if err := checkShape(rows, captions); err != nil {
		return nil, errors.Wrap(err, "display: CaptionedGrid")
	}
	return grid("CaptionedGrid", rows, captions, pad, scale)
}

// checkShape reports captions that do not match rows one for one.
func checkShape(rows [][]image.Image, captions [][]string) error {
	if captions == nil {
		return nil
	}
	if len(captions) != len(rows) {
		return errors.Errorf("captions has %d rows, want %d (one per row of images)", len(captions), len(rows))
	}
	for r, row := range rows {
		if len(captions[r]) != len(row) {
			return errors.Errorf("captions row %d has %d captions, want %d (one per image of the row)", r, len(captions[r]), len(row))
		}
	}
	return nil
}

// grid draws rows of images, each with its caption (captions may be nil);
// name is the exported function, for errors.
func grid(name string, rows [][]image.Image, captions [][]string, pad, scale int) (*image.RGBA, error) {
	if pad < 0 || scale < 1 {
		return nil, errors.Errorf("display: %s: pad %d and scale %d (want pad ≥ 0, scale ≥ 1)", name, pad, scale)
	}
	cw, ch, cols, err := cellSize(rows, scale)
	if err != nil {
		return nil, errors.Wrapf(err, "display: %s", name)
	}
	face, err := newFace(captionSize, false)
	if err != nil {
		return nil, errors.Wrapf(err, "display: %s", name)
	}
	defer face.Close()
	lines := wrapAll(face, captions, cw)
	band := textBand(face, lines)
	out := image.NewRGBA(image.Rect(0, 0, pad+cols*(cw+pad), pad+len(rows)*(ch+band+pad)))
	draw.Draw(out, out.Bounds(), image.NewUniform(background), image.Point{}, draw.Src)
	for y, r := range rows {
		for x, img := range r {
			at := image.Pt(pad+x*(cw+pad), pad+y*(ch+band+pad))
			paste(out, img, at, scale)
			if lines != nil {
				cell := image.Rect(at.X, at.Y+ch+textGap, at.X+cw, at.Y+ch+band)
				drawLines(out, cell, face, lines[y][x])
			}
		}
	}
	return out, nil
}

// cellSize returns the size of a grid's cells, the largest scaled image,
// and its number of columns.
func cellSize(rows [][]image.Image, scale int) (cw, ch, cols int, err error) {
	for _, r := range rows {
		cols = max(cols, len(r))
		for _, img := range r {
			if isNil(img) {
				return 0, 0, 0, errors.New("nil image")
			}
			b := img.Bounds()
			cw, ch = max(cw, b.Dx()*scale), max(ch, b.Dy()*scale)
		}
	}
	if cols == 0 {
		return 0, 0, 0, errors.New("no images")
	}
	return cw, ch, cols, nil
}

// Titled adds a title above img, in bold, centred on the same light grey
// as Grid's background; it wraps onto at most two lines of img's width
// and what does not fit is cut with "…". An empty title adds nothing.
func Titled(img image.Image, title string) (*image.RGBA, error) {
	if isNil(img) {
		return nil, errors.New("display: Titled: nil image")
	}
	face, err := newFace(titleSize, true)
	if err != nil {
		return nil, errors.Wrap(err, "display: Titled")
	}
	defer face.Close()
	b := img.Bounds()
	width := max(0, b.Dx()-2*titleMargin)
	lines := wrap(face, title, width, maxLines)
	band := 0
	if len(lines) > 0 {
		band = 2*titleMargin + len(lines)*lineHeight(face)
	}
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()+band))
	draw.Draw(out, out.Bounds(), image.NewUniform(background), image.Point{}, draw.Src)
	drawLines(out, image.Rect(titleMargin, titleMargin, titleMargin+width, band-titleMargin), face, lines)
	draw.Draw(out, image.Rect(0, band, b.Dx(), band+b.Dy()), img, b.Min, draw.Src)
	return out, nil
}

// paste draws img scaled by scale with its top-left corner at at.
func paste(dst *image.RGBA, img image.Image, at image.Point, scale int) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := img.At(x, y)
			r := image.Rect(0, 0, scale, scale).Add(at.Add(image.Pt((x-b.Min.X)*scale, (y-b.Min.Y)*scale)))
			draw.Draw(dst, r, image.NewUniform(c), image.Point{}, draw.Src)
		}
	}
}
