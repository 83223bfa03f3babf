package photo

import (
	"image"
	"image/color"
)

// ToRGB converts img to opaque 8-bit RGB as PIL's Image.convert("RGB")
// converts the image Pillow 9.4 opens from the same PNG or JPEG file. The
// result has img's bounds. By the type the Go decoders return:
//
//   - *image.RGBA, *image.NRGBA (8-bit RGB, RGBA, grey+alpha and tRNS
//     PNGs): the stored colour, alpha dropped, not composited (Pillow's
//     "RGBA" → "RGB" drops alpha). For a premultiplied *image.RGBA that is
//     not opaque, which no decoder returns, that is the colour composited
//     over black;
//   - *image.NRGBA64, *image.RGBA64 (16-bit RGB, RGBA, grey+alpha PNGs):
//     the high byte of each 16-bit value, as Pillow's "RGB;16B",
//     "RGBA;16B" and "LA;16B" unpackers keep it (truncation, not rounding);
//   - *image.Gray (8-bit and 1-, 2-, 4-bit grey PNGs, grey JPEGs): the
//     value replicated into R, G and B;
//   - *image.Gray16 (16-bit grey PNGs): Pillow 9.4 opens these as mode
//     "I" (32-bit integers 0…65535) and its "I" → "RGB" conversion clips
//     to [0, 255] rather than scaling, so every value of 255 and above
//     becomes white. ToRGB does the same. (image/png returns a 16-bit grey
//     PNG with a tRNS chunk as *image.NRGBA64; the file readers turn it
//     back into *image.Gray16 so that it converts as Pillow converts it);
//   - *image.Paletted (palette PNGs): the palette colour (RGB as stored,
//     tRNS alpha dropped; an index beyond the palette is black);
//   - *image.YCbCr (colour JPEGs): as libjpeg-turbo, Pillow's decoder,
//     converts: subsampled chroma interpolated ("fancy upsampling") and
//     libjpeg's fixed-point Y′CbCr → RGB (see ycbcr.go). JPEG
//     results still differ from Pillow's by ±1 level here and there
//     because image/jpeg's inverse DCT is not libjpeg's;
//   - *image.CMYK (Adobe CMYK JPEGs): Pillow's cmyk2rgb, R = (255-K) -
//     (C·(255-K))/255 with Pillow's rounding, likewise G and B;
//   - any other type: its colour as 16-bit non-premultiplied RGBA
//     (color.NRGBA64Model), high byte.
func ToRGB(img image.Image) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(b)
	rows := rowsOf(img)
	for y := range b.Dy() {
		dst := out.Pix[out.PixOffset(b.Min.X, b.Min.Y+y):out.PixOffset(b.Max.X, b.Min.Y+y)]
		copy(dst, rows(y, dst))
		for i := 3; i < len(dst); i += 4 {
			dst[i] = 0xff
		}
	}
	return out
}

// rowsOf returns the rowFunc giving img's rows converted as ToRGB
// converts them. Rows of an *image.RGBA or *image.NRGBA are the image's
// own pixels (alpha ignored) rather than copies.
func rowsOf(img image.Image) rowFunc {
	b := img.Bounds()
	switch img := img.(type) {
	case *image.RGBA:
		return rgbaRows(img)
	case *image.NRGBA:
		return rgbaRows(&image.RGBA{Pix: img.Pix, Stride: img.Stride, Rect: img.Rect})
	case *image.YCbCr:
		return ycbcrRows(img)
	case *image.Paletted:
		lut := paletteRGB(img.Palette)
		return func(y int, buf []uint8) []uint8 {
			palettedRow(buf, img, &lut, b.Min.Y+y)
			return buf
		}
	}
	return func(y int, buf []uint8) []uint8 {
		rgbRow(buf, img, b.Min.Y+y)
		return buf
	}
}

// rgbRow converts row y of img into row, 4 bytes a pixel, for the types
// rowsOf does not handle itself.
func rgbRow(row []uint8, img image.Image, y int) {
	b := img.Bounds()
	switch img := img.(type) {
	case *image.RGBA64:
		copyRGB(row, img.Pix[img.PixOffset(b.Min.X, y):], 8, 2)
	case *image.NRGBA64:
		copyRGB(row, img.Pix[img.PixOffset(b.Min.X, y):], 8, 2)
	case *image.Gray:
		copyRGB(row, img.Pix[img.PixOffset(b.Min.X, y):], 1, 0)
	case *image.Gray16:
		gray16Row(row, img.Pix[img.PixOffset(b.Min.X, y):])
	case *image.CMYK:
		cmykRow(row, img.Pix[img.PixOffset(b.Min.X, y):])
	default:
		for i := range len(row) / 4 {
			c := color.NRGBA64Model.Convert(img.At(b.Min.X+i, y)).(color.NRGBA64)
			setRGB(row[4*i:], uint8(c.R>>8), uint8(c.G>>8), uint8(c.B>>8))
		}
	}
}

// setRGB stores an opaque pixel in p[0:4].
func setRGB(p []uint8, r, g, b uint8) {
	p = p[:4]
	p[0], p[1], p[2], p[3] = r, g, b, 0xff
}

// copyRGB fills row from pixels of size bytes: the bytes at offsets 0,
// step and 2·step of each (step 0 replicates a grey byte; a 16-bit
// big-endian value contributes its first, high, byte).
func copyRGB(row, pix []uint8, size, step int) {
	for i := range len(row) / 4 {
		p := pix[i*size : i*size+2*step+1]
		setRGB(row[4*i:], p[0], p[step], p[2*step])
	}
}

// gray16Row clips big-endian 16-bit grey values to [0, 255], as Pillow's
// "I" → "RGB" conversion does.
func gray16Row(row, pix []uint8) {
	for i := range len(row) / 4 {
		v := uint8(255)
		if pix[2*i] == 0 {
			v = pix[2*i+1]
		}
		setRGB(row[4*i:], v, v, v)
	}
}

// palettedRow looks up row y of a paletted image in lut, its paletteRGB.
func palettedRow(row []uint8, img *image.Paletted, lut *[256][3]uint8, y int) {
	b := img.Bounds()
	pix := img.Pix[img.PixOffset(b.Min.X, y):]
	for i := range len(row) / 4 {
		c := lut[pix[i]]
		setRGB(row[4*i:], c[0], c[1], c[2])
	}
}

// paletteRGB returns the RGB values of the palette's 256 entries, black
// beyond its end. Alpha is dropped without compositing: color.RGBA and
// color.NRGBA entries (what image/png returns) keep their stored values.
func paletteRGB(p color.Palette) (lut [256][3]uint8) {
	for i, c := range p[:min(len(p), 256)] {
		switch c := c.(type) {
		case color.RGBA:
			lut[i] = [3]uint8{c.R, c.G, c.B}
		case color.NRGBA:
			lut[i] = [3]uint8{c.R, c.G, c.B}
		default:
			n := color.NRGBA64Model.Convert(c).(color.NRGBA64)
			lut[i] = [3]uint8{uint8(n.R >> 8), uint8(n.G >> 8), uint8(n.B >> 8)}
		}
	}
	return lut
}

// cmykRow converts CMYK pixels with Pillow's cmyk2rgb.
func cmykRow(row, pix []uint8) {
	for i := range len(row) / 4 {
		p := pix[4*i:]
		nk := 255 - int(p[3])
		setRGB(row[4*i:], cmykChannel(p[0], nk), cmykChannel(p[1], nk), cmykChannel(p[2], nk))
	}
}

// cmykChannel is Pillow's CLIP8(nk - MULDIV255(ink, nk)), where
// MULDIV255(a, b) = ((a·b + 128) >> 8 + a·b + 128) >> 8, a·b/255
// rounded.
func cmykChannel(ink uint8, nk int) uint8 {
	t := int(ink)*nk + 128
	v := nk - ((t>>8)+t)>>8
	return uint8(max(v, 0))
}
