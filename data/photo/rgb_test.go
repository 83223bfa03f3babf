package photo

import (
	"image"
	"image/color"
	"math"
	"slices"
	"testing"
)

// rgbOf returns the RGB bytes of pixel (x, y), failing unless it is opaque.
func rgbOf(t *testing.T, img *image.RGBA, x, y int) [3]uint8 {
	t.Helper()
	p := img.Pix[img.PixOffset(x, y):]
	if p[3] != 255 {
		t.Fatalf("(%d, %d): alpha %d, want 255", x, y, p[3])
	}
	return [3]uint8{p[0], p[1], p[2]}
}

// TestToRGBTypes checks the conversion of each image type the decoders
// return, on pixels worked out from Pillow's conversions (ToRGB's doc).
func TestToRGBTypes(t *testing.T) {
	r := image.Rect(2, 3, 4, 4) // two pixels, origin not (0, 0)
	nrgba := image.NewNRGBA(r)
	copy(nrgba.Pix, []uint8{10, 20, 30, 0, 40, 50, 60, 128}) // alpha dropped, colour kept
	rgba := image.NewRGBA(r)
	copy(rgba.Pix, []uint8{10, 20, 30, 255, 40, 50, 60, 128})
	nrgba64 := image.NewNRGBA64(r)
	copy(nrgba64.Pix, []uint8{0x12, 0xff, 0x34, 0x80, 0x56, 0x7f, 0, 0, 0xff, 0xff, 0, 1, 0x80, 0, 1, 0})
	rgba64 := image.NewRGBA64(r)
	copy(rgba64.Pix, []uint8{0x12, 0xff, 0x34, 0x80, 0x56, 0x7f, 0xff, 0xff, 0xff, 0xff, 0, 1, 0x80, 0, 0xff, 0xff})
	gray := image.NewGray(r)
	copy(gray.Pix, []uint8{7, 250})
	gray16 := image.NewGray16(r)
	copy(gray16.Pix, []uint8{0x00, 0x64, 0x01, 0x00}) // 100, 256 → clipped to 255
	pal := image.NewPaletted(r, color.Palette{color.RGBA{1, 2, 3, 255}, color.NRGBA{200, 100, 50, 0}})
	copy(pal.Pix, []uint8{1, 7}) // 7 is beyond the palette: black
	cmyk := image.NewCMYK(r)
	copy(cmyk.Pix, []uint8{10, 20, 30, 40, 200, 100, 50, 128})
	alpha := image.NewAlpha16(r) // any other type: colour via NRGBA64
	copy(alpha.Pix, []uint8{0xff, 0xff, 0, 0})
	for name, tt := range map[string]struct {
		img  image.Image
		want [2][3]uint8
	}{
		"NRGBA":    {nrgba, [2][3]uint8{{10, 20, 30}, {40, 50, 60}}},
		"RGBA":     {rgba, [2][3]uint8{{10, 20, 30}, {40, 50, 60}}},
		"NRGBA64":  {nrgba64, [2][3]uint8{{0x12, 0x34, 0x56}, {0xff, 0, 0x80}}}, // high bytes, truncated
		"RGBA64":   {rgba64, [2][3]uint8{{0x12, 0x34, 0x56}, {0xff, 0, 0x80}}},
		"Gray":     {gray, [2][3]uint8{{7, 7, 7}, {250, 250, 250}}},
		"Gray16":   {gray16, [2][3]uint8{{100, 100, 100}, {255, 255, 255}}},
		"Paletted": {pal, [2][3]uint8{{200, 100, 50}, {0, 0, 0}}},
		// Pillow 9.4: Image.frombytes("CMYK", …).convert("RGB").
		"CMYK":    {cmyk, [2][3]uint8{{207, 198, 190}, {27, 77, 102}}},
		"Alpha16": {alpha, [2][3]uint8{{255, 255, 255}, {0, 0, 0}}},
	} {
		got := ToRGB(tt.img)
		if got.Bounds() != r {
			t.Fatalf("%s: bounds %v, want %v", name, got.Bounds(), r)
		}
		for i, want := range tt.want {
			if g := rgbOf(t, got, 2+i, 3); g != want {
				t.Errorf("%s pixel %d: %v, want %v", name, i, g, want)
			}
		}
	}
}

// TestCMYKPillow checks cmyk2rgb on values converted by Pillow 9.4.
func TestCMYKPillow(t *testing.T) {
	for _, tt := range []struct{ cmyk, rgb [4]uint8 }{
		{[4]uint8{0, 0, 0, 0}, [4]uint8{255, 255, 255}},
		{[4]uint8{255, 255, 255, 255}, [4]uint8{0, 0, 0}},
		{[4]uint8{255, 0, 0, 0}, [4]uint8{0, 255, 255}},
		{[4]uint8{0, 128, 255, 0}, [4]uint8{255, 127, 0}},
		{[4]uint8{1, 254, 127, 1}, [4]uint8{253, 1, 127}},
		{[4]uint8{128, 128, 128, 255}, [4]uint8{0, 0, 0}},
		{[4]uint8{77, 33, 250, 200}, [4]uint8{38, 48, 1}},
	} {
		row := make([]uint8, 4)
		cmykRow(row, tt.cmyk[:])
		if [4]uint8(row) != [4]uint8{tt.rgb[0], tt.rgb[1], tt.rgb[2], 255} {
			t.Errorf("CMYK %v → %v, Pillow gives %v", tt.cmyk, row[:3], tt.rgb[:3])
		}
	}
}

// TestLibjpegRGB checks libjpeg's fixed-point Y′CbCr → RGB against the
// JFIF formulas in float64 (within one level everywhere) and one value by
// hand: Y 100, Cr 200 gives R = 100 + 1.402·72 = 200.9, which libjpeg's
// table gives as 100 + (91881·72 + 32768) >> 16 = 201.
func TestLibjpegRGB(t *testing.T) {
	clip := func(v float64) float64 { return math.Min(math.Max(v, 0), 255) }
	for y := 0; y < 256; y += 5 {
		for cb := 0; cb < 256; cb += 3 {
			for cr := 0; cr < 256; cr += 7 {
				r, g, b := libjpegRGB(uint8(y), uint8(cb), uint8(cr))
				fr := clip(float64(y) + 1.402*float64(cr-128))
				fg := clip(float64(y) - 0.344136*float64(cb-128) - 0.714136*float64(cr-128))
				fb := clip(float64(y) + 1.772*float64(cb-128))
				for _, p := range [][2]float64{{float64(r), fr}, {float64(g), fg}, {float64(b), fb}} {
					if math.Abs(p[0]-p[1]) > 1 {
						t.Fatalf("Y′CbCr %d %d %d → %d %d %d, JFIF gives %.2f %.2f %.2f", y, cb, cr, r, g, b, fr, fg, fb)
					}
				}
			}
		}
	}
	if r, _, _ := libjpegRGB(100, 128, 200); r != 201 {
		t.Errorf("R = %d, want 201", r)
	}
	if r, g, b := libjpegRGB(77, 128, 128); r != 77 || g != 77 || b != 77 {
		t.Errorf("grey 77 → %d %d %d", r, g, b)
	}
}

// chromaImage returns a w×h Y′CbCr image with Y 128, Cr 128 and the given
// Cb plane (rows of the subsampled plane).
func chromaImage(w, h int, ratio image.YCbCrSubsampleRatio, cb [][]uint8) *image.YCbCr {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), ratio)
	for i := range img.Y {
		img.Y[i] = 128
	}
	for i := range img.Cr {
		img.Cr[i] = 128
	}
	for y, row := range cb {
		copy(img.Cb[y*img.CStride:], row)
	}
	return img
}

// upsampledCb returns the Cb row y of img upsampled as ycbcrRows does.
func upsampledCb(img *image.YCbCr, y int) []int {
	b := img.Bounds()
	fx, fy := chromaFactors(img.SubsampleRatio)
	ax, ay := newChromaAxis(b.Min.X, b.Max.X, fx), newChromaAxis(b.Min.Y, b.Max.Y, fy)
	ax.fancy = fx == 2 && ax.hi-ax.lo+1 > 2
	ay.fancy = fy == 2 && (fx == 1 || ax.fancy)
	dst := make([]uint8, b.Dx())
	upsampleRow(dst, img.Cb, img, ax, ay, y, make([]int, ax.hi-ax.lo+1))
	out := make([]int, len(dst))
	for i, v := range dst {
		out[i] = int(v)
	}
	return out
}

// TestChromaUpsampling checks libjpeg's fancy upsampling on values
// worked out by hand from jdsample.c.
func TestChromaUpsampling(t *testing.T) {
	eq := slices.Equal[[]int]
	// h2v1 (4:2:2), 6 pixels from chroma 0 100 200: the ends are copied,
	// inside (3·near + far + 1 or 2) >> 2: 25, 75, 125, 175.
	img := chromaImage(6, 1, image.YCbCrSubsampleRatio422, [][]uint8{{0, 100, 200}})
	if got, want := upsampledCb(img, 0), []int{0, 25, 75, 125, 175, 200}; !eq(got, want) {
		t.Errorf("4:2:2: %v, want %v", got, want)
	}
	// An odd width drops the last output: 5 pixels.
	img = chromaImage(5, 1, image.YCbCrSubsampleRatio422, [][]uint8{{0, 100, 200}})
	if got, want := upsampledCb(img, 0), []int{0, 25, 75, 125, 175}; !eq(got, want) {
		t.Errorf("4:2:2, odd width: %v, want %v", got, want)
	}
	// h2v2 (4:2:0), 6×4 from chroma rows 0 100 200 / 40 40 40. Row 0:
	// column sums 3·row0 + row0 (top edge) = 0 400 800, then
	// (3·s + s' + 8 or 7) >> 4 → 0 25 75 125 175 200. Row 1: sums
	// 3·row0 + row1 = 40 340 640 → (3·40+40+8)>>4 = 10, (120+340+7)>>4 = 29,
	// (1020+40+8)>>4 = 66, (1020+640+7)>>4 = 104, (1920+340+8)>>4 = 141,
	// (1920+640+7)>>4 = 160. Row 3 (bottom edge): 40 everywhere.
	img = chromaImage(6, 4, image.YCbCrSubsampleRatio420, [][]uint8{{0, 100, 200}, {40, 40, 40}})
	for y, want := range map[int][]int{0: {0, 25, 75, 125, 175, 200}, 1: {10, 29, 66, 104, 141, 160}, 3: {40, 40, 40, 40, 40, 40}} {
		if got := upsampledCb(img, y); !eq(got, want) {
			t.Errorf("4:2:0 row %d: %v, want %v", y, got, want)
		}
	}
	// 4:2:0 with 2 chroma columns: libjpeg replicates in both directions.
	img = chromaImage(4, 4, image.YCbCrSubsampleRatio420, [][]uint8{{0, 100}, {40, 60}})
	if got, want := upsampledCb(img, 1), []int{0, 0, 100, 100}; !eq(got, want) {
		t.Errorf("4:2:0, 2 columns, row 1: %v, want %v", got, want)
	}
	// h1v2 (4:4:0), rows 0 / 100: row 1 is (3·0 + 100 + 2) >> 2 = 25,
	// row 2 is (3·100 + 0 + 1) >> 2 = 75.
	img = chromaImage(1, 4, image.YCbCrSubsampleRatio440, [][]uint8{{0}, {100}})
	for y, want := range []int{0, 25, 75, 100} {
		if got := upsampledCb(img, y); got[0] != want {
			t.Errorf("4:4:0 row %d: %d, want %d", y, got[0], want)
		}
	}
	// 4:1:1 is replicated.
	img = chromaImage(8, 1, image.YCbCrSubsampleRatio411, [][]uint8{{10, 90}})
	if got, want := upsampledCb(img, 0), []int{10, 10, 10, 10, 90, 90, 90, 90}; !eq(got, want) {
		t.Errorf("4:1:1: %v, want %v", got, want)
	}
	// ToRGB uses the same: Y 128, Cb 25 → B = 128 + 1.772·(25-128) → 0.
	if got := rgbOf(t, ToRGB(chromaImage(6, 1, image.YCbCrSubsampleRatio422, [][]uint8{{0, 100, 200}})), 1, 0); got[2] != 0 || got[0] != 128 {
		t.Errorf("ToRGB pixel 1: %v, want R 128, B 0", got)
	}
}
