package photo

import (
	"image"
	"math"
)

// This file replicates Pillow's Image.resize(size, Image.BICUBIC) on 8-bit
// RGB images: src/libImaging/Resample.c (precompute_coeffs,
// normalize_coeffs_8bpc, ImagingResampleHorizontal_8bpc,
// ImagingResampleVertical_8bpc, ImagingResampleInner), which has not changed
// for 8-bit images from Pillow 4.3 through Pillow 9.4 (Debian bookworm)
// and later.
//
// It is hand-written because no Go library computes the same values:
// golang.org/x/image/draw's CatmullRom (also a = -0.5) uses float32
// weights on 16-bit premultiplied colour in a single rounding, and
// github.com/disintegration/imaging, github.com/nfnt/resize and
// github.com/anthonynsimon/bild round differently. Pillow computes the
// weights in float64, normalises each output's weights to sum to 1,
// converts them to signed fixed point with 22 fractional bits, and runs a
// horizontal then a vertical pass in integer arithmetic, rounding and
// clipping to uint8 after each pass. Matching that bit for bit is what
// makes this package's output equal torchvision's on PIL images.

// precisionBits is Pillow's PRECISION_BITS (32 - 8 - 2): the fractional
// bits of the fixed-point weights, leaving 8 bits for the value and 2 for
// the overshoot of the negative lobes.
const precisionBits = 32 - 8 - 2

// bicubicSupport is the radius of Pillow's bicubic filter at scale 1.
const bicubicSupport = 2.0

// bicubic is Pillow's bicubic_filter: Keys' cubic convolution kernel with
// a = -0.5. The explicit float64 conversions stop the compiler fusing a
// multiply and an add into one FMA, which C compilers for x86-64 do not
// do either, so that every weight rounds as Pillow's does.
func bicubic(x float64) float64 {
	const a = -0.5
	if x < 0 {
		x = -x
	}
	if x < 1 {
		p := float64(float64((a+2)*x) - (a + 3))
		return float64(float64(p*x)*x) + 1
	}
	if x < 2 {
		p := float64(float64(x-5)*x) + 8
		return float64(float64(p*x)-4) * a
	}
	return 0
}

// pillowCoeffs is one pass of Pillow's separable resampling, for the
// outputs lo, lo+1, …: output lo+i is the sum of the inputs first[i] …
// first[i]+count[i]-1 weighted by k[i*ksize : i*ksize+count[i]], in fixed
// point with precisionBits fractional bits.
type pillowCoeffs struct {
	ksize        int
	first, count []int
	k            []int32
}

// newPillowCoeffs computes the weights of outputs [lo, hi) when
// resampling inSize values to outSize, as Pillow's precompute_coeffs
// followed by normalize_coeffs_8bpc do for the box (0, inSize). When
// shrinking, the filter is stretched by the scale (antialiasing); inputs
// beyond the edges are dropped and the remaining weights renormalised to
// sum to 1. Each output's weights depend only on its own index, so a
// range of outputs gets the weights the full computation would.
func newPillowCoeffs(inSize, outSize, lo, hi int) pillowCoeffs {
	scale := float64(inSize) / float64(outSize)
	filterScale := max(scale, 1)
	support := bicubicSupport * filterScale
	ksize := int(math.Ceil(support))*2 + 1
	n := hi - lo
	c := pillowCoeffs{
		ksize: ksize,
		first: make([]int, n),
		count: make([]int, n),
		k:     make([]int32, n*ksize),
	}
	w := make([]float64, ksize)
	for i := range n {
		center := float64(float64(lo+i)+0.5) * scale
		xmin := max(int(center-support+0.5), 0)
		xmax := min(int(center+support+0.5), inSize)
		c.first[i], c.count[i] = xmin, xmax-xmin
		c.fixed(i, w[:xmax-xmin], center, 1/filterScale)
	}
	return c
}

// fixed fills the weights of the i-th output: the filter at each input's
// centre (distance scaled by ss), normalised to sum to 1, then rounded
// half away from zero to fixed point as normalize_coeffs_8bpc does.
func (c pillowCoeffs) fixed(i int, w []float64, center, ss float64) {
	var sum float64
	for x := range w {
		w[x] = bicubic(float64(float64(x+c.first[i])-center+0.5) * ss)
		sum += w[x]
	}
	k := c.k[i*c.ksize:]
	for x := range w {
		v := w[x]
		if sum != 0 {
			v /= sum
		}
		if v < 0 {
			k[x] = int32(-0.5 + float64(v*(1<<precisionBits)))
		} else {
			k[x] = int32(0.5 + float64(v*(1<<precisionBits)))
		}
	}
}

// weights returns the fixed-point weights of the i-th output.
func (c pillowCoeffs) weights(i int) []int32 {
	return c.k[i*c.ksize : i*c.ksize+c.count[i]]
}

// clip8 is Pillow's clip8: the fixed-point sum shifted down (arithmetic
// shift, so the rounding bias added beforehand rounds to nearest) and
// clipped to [0, 255].
func clip8(ss int32) uint8 {
	v := ss >> precisionBits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// dotRGB stores in out[0:3] Pillow's rounded, clipped fixed-point sums
// of the R, G and B bytes of len(k) pixels of pix, stride bytes apart from
// start, weighted by k; out[3] becomes 255.
func dotRGB(out, pix []uint8, start, stride int, k []int32) {
	r := int32(1 << (precisionBits - 1))
	g, b := r, r
	for i, w := range k {
		p := pix[start+i*stride : start+i*stride+3]
		r += int32(p[0]) * w
		g += int32(p[1]) * w
		b += int32(p[2]) * w
	}
	out[0], out[1], out[2], out[3] = clip8(r), clip8(g), clip8(b), 0xff
}

// rowFunc returns row y (counted from the top, 0-based) of a source
// image as 4-byte pixels whose first three bytes are R, G and B; the
// fourth is ignored. It may return buf (4 bytes per pixel) filled in, or
// a slice of the image's own pixels, which must not be written to.
type rowFunc func(y int, buf []uint8) []uint8

// rgbaRows returns the rowFunc of an *image.RGBA (or of an *image.NRGBA
// viewed as one: the layouts are the same).
func rgbaRows(src *image.RGBA) rowFunc {
	b := src.Rect
	return func(y int, _ []uint8) []uint8 {
		i := src.PixOffset(b.Min.X, b.Min.Y+y)
		return src.Pix[i : i+4*b.Dx()]
	}
}

// ResizeBicubic returns src resized to w×h exactly as Pillow 9.4's
// Image.resize((w, h), Image.BICUBIC) resizes an "RGB" image: the
// antialiased, fixed-point separable filter of Pillow's Resample.c,
// horizontal pass first (skipped when the width is unchanged), then
// vertical (skipped when the height is unchanged), each rounding and
// clipping to 8 bits. The alpha channel of src is ignored; the result is
// opaque, with origin (0, 0). ResizeBicubic panics if w or h is not
// positive or src is empty.
func ResizeBicubic(src *image.RGBA, w, h int) *image.RGBA {
	b := src.Bounds()
	return resizeRegion(rgbaRows(src), b.Dx(), b.Dy(), w, h, image.Rect(0, 0, w, h))
}

// resizeRegion returns the part r of the sw×sh source image whose rows
// rows returns, resized to w×h as ResizeBicubic does, computing only
// that part: each output of either pass depends only on its own weights,
// so this equals resizing in full and cropping, at a fraction of the cost
// and memory. Source rows are read once each, in order, and only those
// the vertical pass needs. The result is opaque, with bounds r, which
// must lie within (0, 0, w, h).
func resizeRegion(rows rowFunc, sw, sh, w, h int, r image.Rectangle) *image.RGBA {
	if w < 1 || h < 1 || sw < 1 || sh < 1 || r.Empty() || !r.In(image.Rect(0, 0, w, h)) {
		panic("data: resize: empty source, non-positive size or region outside the image")
	}
	y0, y1 := r.Min.Y, r.Max.Y // the source rows the vertical pass reads
	var vert pillowCoeffs
	if h != sh {
		vert = newPillowCoeffs(sh, h, r.Min.Y, r.Max.Y)
		last := len(vert.first) - 1
		y0, y1 = vert.first[0], vert.first[last]+vert.count[last]
	}
	var horiz *pillowCoeffs // nil: the width is unchanged, copy
	if w != sw {
		c := newPillowCoeffs(sw, w, r.Min.X, r.Max.X)
		horiz = &c
	}
	img := resampleRows(rows, sw, y0, y1, horiz, r.Min.X, r.Max.X)
	if h == sh {
		return img
	}
	return resampleColumns(img, vert, r)
}

// resampleRows is ImagingResampleHorizontal_8bpc on the source rows
// [y0, y1) of a source sw wide: it returns those rows resampled to the
// outputs x0 … x1-1 of c (or, if c is nil, their columns x0 … x1-1
// copied), an opaque image with bounds (x0, y0)-(x1, y1).
func resampleRows(rows rowFunc, sw, y0, y1 int, c *pillowCoeffs, x0, x1 int) *image.RGBA {
	out := image.NewRGBA(image.Rect(x0, y0, x1, y1))
	buf := make([]uint8, 4*sw)
	for y := y0; y < y1; y++ {
		in := rows(y, buf)
		o := out.Pix[out.PixOffset(x0, y):out.PixOffset(x1, y)]
		if c == nil {
			copy(o, in[4*x0:4*x1])
			for i := 3; i < len(o); i += 4 {
				o[i] = 0xff
			}
			continue
		}
		for i := range x1 - x0 {
			dotRGB(o[4*i:], in, 4*c.first[i], 4, c.weights(i))
		}
	}
	return out
}

// resampleColumns is ImagingResampleVertical_8bpc for the outputs r: row
// y of the result is the rows c.first[y-r.Min.Y] … of src (which holds
// those source rows at their own y, and the columns of r) weighted by
// c.weights(y-r.Min.Y).
func resampleColumns(src *image.RGBA, c pillowCoeffs, r image.Rectangle) *image.RGBA {
	out := image.NewRGBA(r)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		i := y - r.Min.Y
		k := c.weights(i)
		start := src.PixOffset(r.Min.X, c.first[i])
		o := out.Pix[out.PixOffset(r.Min.X, y):]
		for x := range r.Dx() {
			dotRGB(o[4*x:], src.Pix, start+4*x, src.Stride, k)
		}
	}
	return out
}
