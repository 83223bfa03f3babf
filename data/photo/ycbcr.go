package photo

import "image"

// This file converts the Y′CbCr images image/jpeg returns to RGB as
// libjpeg-turbo 2.1 (Pillow's JPEG decoder on Debian bookworm) does with
// its defaults: "fancy" (triangle-filter) upsampling of 4:2:0, 4:2:2 and
// 4:4:0 chroma (jdsample.c) followed by the fixed-point conversion of
// jdcolor.c. image/jpeg itself leaves chroma subsampled, and
// color.YCbCrToRGB rounds differently, which on colour photos moved
// the transform's output by 0.6/255 on average and up to 35/255. What
// still differs is the inverse DCT (image/jpeg's is not libjpeg's
// "islow"), about ±1 level on a few percent of pixels.

// Fixed-point constants of libjpeg's jdcolor.c (SCALEBITS = 16):
// FIX(x) = x·65536 rounded.
const (
	yccScaleBits = 16
	yccHalf      = 1 << (yccScaleBits - 1)
	fix1_40200   = 91881  // FIX(1.40200)
	fix1_77200   = 116130 // FIX(1.77200)
	fix0_71414   = 46802  // FIX(0.71414)
	fix0_34414   = 22554  // FIX(0.34414)
)

// yccTables are libjpeg's build_ycc_rgb_table tables, indexed by the
// chroma value.
var yccTables = func() (t struct{ crR, cbB, crG, cbG [256]int32 }) {
	for i := range 256 {
		x := int32(i - 128)
		t.crR[i] = (fix1_40200*x + yccHalf) >> yccScaleBits
		t.cbB[i] = (fix1_77200*x + yccHalf) >> yccScaleBits
		t.crG[i] = -fix0_71414 * x
		t.cbG[i] = -fix0_34414*x + yccHalf
	}
	return t
}()

// clampByte clips v to [0, 255].
func clampByte(v int32) uint8 {
	return uint8(min(max(v, 0), 255))
}

// libjpegRGB is libjpeg's ycc_rgb_convert of one pixel.
func libjpegRGB(y, cb, cr uint8) (r, g, b uint8) {
	t := &yccTables
	yy := int32(y)
	return clampByte(yy + t.crR[cr]),
		clampByte(yy + (t.cbG[cb]+t.crG[cr])>>yccScaleBits),
		clampByte(yy + t.cbB[cb])
}

// chromaAxis describes one axis of the chroma planes: pixel coordinate
// p (absolute) lies in chroma sample p/f, the image's chroma samples are
// lo … hi (absolute), and fancy says whether libjpeg interpolates along
// the axis.
type chromaAxis struct {
	f, lo, hi int
	fancy     bool
}

// newChromaAxis returns the axis [min, max) subsampled by f.
func newChromaAxis(min, max, f int) chromaAxis {
	return chromaAxis{f: f, lo: min / f, hi: (max - 1) / f}
}

// neighbour returns the chroma sample (absolute) libjpeg mixes in, with
// weight 1/4, into pixel p along an interpolated axis: the one before p's
// own sample for the first pixel of a pair, the one after for the second,
// and p's own sample at the image's edges (libjpeg's edge cases and
// replicated context rows amount to that).
func (a chromaAxis) neighbour(p int) int {
	if p&1 == 0 {
		return max(p/a.f-1, a.lo)
	}
	return min(p/a.f+1, a.hi)
}

// ycbcrRows returns the rowFunc converting img as libjpeg-turbo would
// have decoded it to RGB. libjpeg interpolates horizontally subsampled
// chroma (by 2) only when a row has more than 2 chroma samples, and
// vertically subsampled chroma (by 2) always, except in 4:2:0 images that
// are not interpolated horizontally; other ratios (4:1:1, 4:1:0) are
// replicated, as libjpeg's int_upsample does. The rowFunc keeps buffers:
// use it from one goroutine.
func ycbcrRows(img *image.YCbCr) rowFunc {
	b := img.Bounds()
	fx, fy := chromaFactors(img.SubsampleRatio)
	ax, ay := newChromaAxis(b.Min.X, b.Max.X, fx), newChromaAxis(b.Min.Y, b.Max.Y, fy)
	ax.fancy = fx == 2 && ax.hi-ax.lo+1 > 2
	ay.fancy = fy == 2 && (fx == 1 || ax.fancy)
	cb, cr := make([]uint8, b.Dx()), make([]uint8, b.Dx())
	sums := make([]int, ax.hi-ax.lo+1)
	return func(y int, buf []uint8) []uint8 {
		y += b.Min.Y
		upsampleRow(cb, img.Cb, img, ax, ay, y, sums)
		upsampleRow(cr, img.Cr, img, ax, ay, y, sums)
		yrow := img.Y[img.YOffset(b.Min.X, y):]
		for i := range b.Dx() {
			r, g, bl := libjpegRGB(yrow[i], cb[i], cr[i])
			setRGB(buf[4*i:], r, g, bl)
		}
		return buf
	}
}

// chromaFactors returns the horizontal and vertical subsampling factors.
func chromaFactors(r image.YCbCrSubsampleRatio) (fx, fy int) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return 2, 1
	case image.YCbCrSubsampleRatio420:
		return 2, 2
	case image.YCbCrSubsampleRatio440:
		return 1, 2
	case image.YCbCrSubsampleRatio411:
		return 4, 1
	case image.YCbCrSubsampleRatio410:
		return 4, 2
	}
	return 1, 1
}

// upsampleRow fills dst with row y of the chroma plane, upsampled to
// full width as libjpeg's h2v1, h1v2 and h2v2 fancy upsamplers do: 3/4
// of the nearer sample and 1/4 of the neighbour along each interpolated
// axis, rounded with libjpeg's alternating biases (h2v1: +1, +2; h1v2:
// +1 above, +2 below; h2v2: +8, +7). sums has room for the row's chroma
// samples.
func upsampleRow(dst, plane []uint8, img *image.YCbCr, ax, ay chromaAxis, y int, sums []int) {
	x0 := img.Rect.Min.X
	near := plane[img.COffset(x0, y):]
	if !ay.fancy {
		for i := range sums {
			sums[i] = int(near[i])
		}
	} else {
		far := plane[img.COffset(x0, ay.neighbour(y)*ay.f):]
		for i := range sums {
			sums[i] = 3*int(near[i]) + int(far[i])
		}
	}
	switch {
	case ax.fancy && ay.fancy: // h2v2
		for i := range dst {
			x := x0 + i
			dst[i] = uint8((3*sums[x/2-ax.lo] + sums[ax.neighbour(x)-ax.lo] + 8 - x&1) >> 4)
		}
	case ax.fancy: // h2v1
		for i := range dst {
			x := x0 + i
			dst[i] = uint8((3*sums[x/2-ax.lo] + sums[ax.neighbour(x)-ax.lo] + 1 + x&1) >> 2)
		}
	case ay.fancy: // h1v2
		bias := 1 + y&1
		for i := range dst {
			dst[i] = uint8((sums[i] + bias) >> 2)
		}
	default:
		for i := range dst {
			dst[i] = uint8(sums[(x0+i)/ax.f-ax.lo])
		}
	}
}
