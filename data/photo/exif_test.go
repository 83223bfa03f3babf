package photo

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"slices"
	"testing"
)

// tiffWithOrientation returns EXIF TIFF data whose first IFD holds an
// unrelated tag (ImageDescription offset) and then Orientation = o of
// the given TIFF type (3 SHORT, 4 LONG).
func tiffWithOrientation(bigEndian bool, typ uint16, o int) []byte {
	var order binary.AppendByteOrder = binary.LittleEndian
	b := []byte("II*\x00")
	if bigEndian {
		order, b = binary.BigEndian, []byte("MM\x00*")
	}
	b = order.AppendUint32(b, 8)
	b = order.AppendUint16(b, 2) // two entries
	b = order.AppendUint16(b, 0x010e)
	b = order.AppendUint16(b, 2) // ASCII
	b = order.AppendUint32(b, 4)
	b = append(b, 'a', 'b', 'c', 0)
	b = order.AppendUint16(b, exifOrientationTag)
	b = order.AppendUint16(b, typ)
	b = order.AppendUint32(b, 1)
	if typ == 3 {
		b = order.AppendUint16(b, uint16(o))
		b = append(b, 0, 0)
	} else {
		b = order.AppendUint32(b, uint32(o))
	}
	return order.AppendUint32(b, 0) // no next IFD
}

// pngChunk returns a PNG chunk.
func pngChunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(append(b, typ...), data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// pngWithEXIF encodes img as PNG with an eXIf chunk just before IEND.
func pngWithEXIF(t testing.TB, img image.Image, tiff []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	iend := len(b) - 12
	return append(append(append([]byte{}, b[:iend]...), pngChunk("eXIf", tiff)...), b[iend:]...)
}

// jpegWithEXIF encodes img as JPEG (quality 95), then a COM segment and
// the APP1 EXIF segment right after SOI.
func jpegWithEXIF(t testing.TB, img image.Image, tiff []byte) []byte {
	t.Helper()
	b := jpegBytes(t, img)
	com := append([]byte{0xff, 0xfe, 0, 7}, "hello"...)
	app1 := append([]byte("Exif\x00\x00"), tiff...)
	seg := binary.BigEndian.AppendUint16([]byte{0xff, 0xe1}, uint16(len(app1)+2))
	out := append([]byte{}, b[:2]...)
	out = append(append(append(out, com...), seg...), app1...)
	return append(out, b[2:]...)
}

func TestEXIFOrientation(t *testing.T) {
	img := exifTestImage()
	for o := 1; o <= 8; o++ {
		for _, big := range []bool{false, true} {
			for _, typ := range []uint16{3, 4} {
				tiff := tiffWithOrientation(big, typ, o)
				if got := exifOrientation("JPEG", jpegWithEXIF(t, img, tiff)); got != o {
					t.Errorf("JPEG, big-endian %v, type %d: orientation %d, want %d", big, typ, got, o)
				}
				if got := exifOrientation("PNG", pngWithEXIF(t, img, tiff)); got != o {
					t.Errorf("PNG, big-endian %v, type %d: orientation %d, want %d", big, typ, got, o)
				}
			}
		}
	}
	good := tiffWithOrientation(false, 3, 6)
	for name, b := range map[string][]byte{
		"no EXIF":           jpegWithEXIF(t, img, nil)[:0],
		"value 0":           jpegWithEXIF(t, img, tiffWithOrientation(false, 3, 0)),
		"value 9":           jpegWithEXIF(t, img, tiffWithOrientation(false, 3, 9)),
		"huge LONG":         jpegWithEXIF(t, img, tiffWithOrientation(false, 4, 1<<31+6)),
		"type RATIONAL":     jpegWithEXIF(t, img, tiffWithOrientation(false, 5, 6)),
		"bad byte order":    jpegWithEXIF(t, img, append([]byte("XX"), good[2:]...)),
		"IFD past the end":  jpegWithEXIF(t, img, append(good[:4:4], 0xff, 0xff, 0, 0)),
		"truncated IFD":     jpegWithEXIF(t, img, good[:20]),
		"short TIFF":        jpegWithEXIF(t, img, good[:5]),
		"empty EXIF":        jpegWithEXIF(t, img, nil),
		"plain JPEG":        jpegBytes(t, img),
		"truncated segment": jpegWithEXIF(t, img, good)[:20],
	} {
		if got := exifOrientation("JPEG", b); got != 1 {
			t.Errorf("%s: orientation %d, want 1", name, got)
		}
	}
	if got := exifOrientation("PNG", pngWithEXIF(t, img, good)[:40]); got != 1 {
		t.Errorf("truncated PNG: orientation %d, want 1", got)
	}
}

// TestOrient checks every orientation on a 3×2 image against the
// pictures in the EXIF specification: the result is what a viewer shows.
func TestOrient(t *testing.T) {
	// Pixels a b c / d e f, coded by their red value.
	src := image.NewRGBA(image.Rect(10, 20, 13, 22))
	for i, v := range []uint8{'a', 'b', 'c', 'd', 'e', 'f'} {
		src.Pix[src.PixOffset(10+i%3, 20+i/3)] = v
	}
	want := map[int][]string{
		1: {"abc", "def"},
		2: {"cba", "fed"},     // mirrored left–right
		3: {"fed", "cba"},     // 180°
		4: {"def", "abc"},     // mirrored top–bottom
		5: {"ad", "be", "cf"}, // transposed
		6: {"da", "eb", "fc"}, // 90° clockwise
		7: {"fc", "eb", "da"}, // transversed
		8: {"cf", "be", "ad"}, // 90° counter-clockwise
		0: {"abc", "def"},     // invalid: unchanged
		9: {"abc", "def"},     // invalid: unchanged
	}
	for o, rows := range want {
		got := Orient(src, o)
		b := got.Bounds()
		var lines []string
		for y := b.Min.Y; y < b.Max.Y; y++ {
			var s []byte
			for x := b.Min.X; x < b.Max.X; x++ {
				s = append(s, got.Pix[got.PixOffset(x, y)])
			}
			lines = append(lines, string(s))
		}
		if !slices.Equal(lines, rows) {
			t.Errorf("orientation %d: %q, want %q", o, lines, rows)
		}
	}
}

func FuzzEXIFOrientation(f *testing.F) {
	img := exifTestImage()
	f.Add(jpegWithEXIF(f, img, tiffWithOrientation(false, 3, 6)))
	f.Add(pngWithEXIF(f, img, tiffWithOrientation(true, 4, 8)))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, format := range []string{"JPEG", "PNG"} {
			if o := exifOrientation(format, b); o < 1 || o > 8 {
				t.Fatalf("%s: orientation %d outside 1…8", format, o)
			}
		}
	})
}

// jpegBytes encodes img as JPEG (quality 95).
func jpegBytes(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
