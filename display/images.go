package display

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"github.com/pkg/errors"
)

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
	if pad < 0 || scale < 1 {
		return nil, errors.Errorf("display: Grid: pad %d and scale %d (want pad ≥ 0, scale ≥ 1)", pad, scale)
	}
	cw, ch, cols := 0, 0, 0
	for _, r := range rows {
		cols = max(cols, len(r))
		for _, img := range r {
			if isNil(img) {
				return nil, errors.New("display: Grid: nil image")
			}
			b := img.Bounds()
			cw, ch = max(cw, b.Dx()*scale), max(ch, b.Dy()*scale)
		}
	}
	if cols == 0 {
		return nil, errors.New("display: Grid: no images")
	}
	out := image.NewRGBA(image.Rect(0, 0, pad+cols*(cw+pad), pad+len(rows)*(ch+pad)))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.Gray{Y: 220}), image.Point{}, draw.Src)
	for y, r := range rows {
		for x, img := range r {
			at := image.Pt(pad+x*(cw+pad), pad+y*(ch+pad))
			paste(out, img, at, scale)
		}
	}
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
