package photo

import (
	"bytes"
	"encoding/binary"
	"image"
)

// This file reads the one EXIF field the photo readers use, Orientation
// (tag 0x0112 of IFD0), instead of depending on a full EXIF library such
// as github.com/dsoprea/go-exif/v3: the tag sits at a fixed place (the
// first IFD of a small TIFF structure) that takes some fifty lines to
// reach, go-exif would bring five further modules (its own logging and
// error packages, YAML, …) into every program that reads photos, and
// the tests check this parser against Pillow on every orientation in
// both byte orders and both file formats. Malformed EXIF data is
// ignored (orientation 1), as the photo still decodes.

// exifOrientationTag is the TIFF tag number of Orientation.
const exifOrientationTag = 0x0112

// exifOrientation returns the EXIF Orientation (1–8) of the PNG or JPEG
// file contents b: the JPEG's first APP1 "Exif" segment or the PNG's
// eXIf chunk, where PIL's Image.getexif finds it. It returns 1 when there
// is none, it is malformed, or its value is not in 2…8.
func exifOrientation(format string, b []byte) int {
	var tiff []byte
	switch format {
	case "JPEG":
		tiff = jpegEXIF(b)
	case "PNG":
		tiff = pngEXIF(b)
	}
	o := tiffOrientation(tiff)
	if o < 2 || o > 8 {
		return 1
	}
	return o
}

// jpegEXIF returns the TIFF data of the first APP1 segment holding EXIF
// ("Exif\0\0" and the TIFF data), looking at the segments before the
// first scan; nil if there is none.
func jpegEXIF(b []byte) []byte {
	i := 2 // after SOI
	for i+4 <= len(b) {
		if b[i] != 0xff {
			return nil
		}
		marker := b[i+1]
		switch {
		case marker == 0xff: // fill byte
			i++
			continue
		case marker == 0x01 || marker >= 0xd0 && marker <= 0xd8: // no length
			i += 2
			continue
		case marker == 0xd9 || marker == 0xda: // EOI, SOS
			return nil
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return nil
		}
		seg := b[i+4 : i+2+n]
		if marker == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return seg[6:]
		}
		i += 2 + n
	}
	return nil
}

// pngEXIF returns the contents of the first eXIf chunk, before or after
// the image data; nil if there is none.
func pngEXIF(b []byte) []byte {
	i := len(pngMagic)
	for i+12 <= len(b) {
		n := int(binary.BigEndian.Uint32(b[i:]))
		if n < 0 || n > len(b)-i-12 {
			return nil
		}
		typ := string(b[i+4 : i+8])
		if typ == "eXIf" {
			return b[i+8 : i+8+n]
		}
		if typ == "IEND" {
			return nil
		}
		i += 12 + n
	}
	return nil
}

// tiffOrientation returns the Orientation field of the first IFD of the
// TIFF data, if it is one SHORT or LONG value; 0 otherwise.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var order binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		order = binary.LittleEndian
	case "MM\x00*":
		order = binary.BigEndian
	default:
		return 0
	}
	ifd := int64(order.Uint32(t[4:]))
	if ifd > int64(len(t))-2 {
		return 0
	}
	n := int64(order.Uint16(t[ifd:]))
	for e := ifd + 2; e+12 <= int64(len(t)) && e < ifd+2+12*n; e += 12 {
		if order.Uint16(t[e:]) != exifOrientationTag || order.Uint32(t[e+4:]) != 1 {
			continue
		}
		switch order.Uint16(t[e+2:]) {
		case 3: // SHORT
			return int(order.Uint16(t[e+8:]))
		case 4: // LONG
			return int(min(order.Uint32(t[e+8:]), 9))
		}
		return 0
	}
	return 0
}

// Orient returns img turned upright according to an EXIF Orientation
// value, as PIL's ImageOps.exif_transpose does: 2 mirrors left–right, 3
// rotates 180°, 4 mirrors top–bottom, 5 transposes (mirror about the
// main diagonal), 6 rotates 90° clockwise, 7 transverses (mirror about
// the other diagonal) and 8 rotates 90° counter-clockwise; any other value
// returns img itself. The result has origin (0, 0).
func Orient(img *image.RGBA, orientation int) *image.RGBA {
	if orientation < 2 || orientation > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := w, h
	if orientation >= 5 {
		ow, oh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := range oh {
		for x := range ow {
			sx, sy := orientSource(orientation, x, y, w, h)
			src := img.Pix[img.PixOffset(b.Min.X+sx, b.Min.Y+sy):]
			copy(out.Pix[out.PixOffset(x, y):out.PixOffset(x, y)+4], src)
		}
	}
	return out
}

// orientSource returns the pixel of a w×h image that lands at (x, y)
// after Orient.
func orientSource(orientation, x, y, w, h int) (sx, sy int) {
	switch orientation {
	case 2:
		return w - 1 - x, y
	case 3:
		return w - 1 - x, h - 1 - y
	case 4:
		return x, h - 1 - y
	case 5:
		return y, x
	case 6:
		return y, h - 1 - x
	case 7:
		return w - 1 - y, h - 1 - x
	default: // 8
		return w - 1 - y, x
	}
}
