package photo

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"
)

// keys is Keys' cubic convolution kernel with a = -0.5, written out from
// its definition (Keys 1981, eq. 15).
func keys(x float64) float64 {
	x = math.Abs(x)
	switch {
	case x <= 1:
		return 1.5*x*x*x - 2.5*x*x + 1
	case x < 2:
		return -0.5*x*x*x + 2.5*x*x - 4*x + 2
	}
	return 0
}

// refResample1D is a slow float64 model of one of Pillow's passes: output
// o of n is centred at (o+0.5)·in/n; every input i contributes
// keys((i+0.5-centre)/s), s = max(in/n, 1) (the kernel widens when
// shrinking), the weights are normalised to sum to 1, and the sum is
// rounded half up and clipped to [0, 255].
func refResample1D(src []float64, n int) []float64 {
	scale := float64(len(src)) / float64(n)
	s := max(scale, 1)
	out := make([]float64, n)
	for o := range out {
		centre := (float64(o) + 0.5) * scale
		var sum, wsum float64
		for i, v := range src {
			w := keys((float64(i) + 0.5 - centre) / s)
			sum += w * v
			wsum += w
		}
		out[o] = math.Min(math.Max(math.Floor(sum/wsum+0.5), 0), 255)
	}
	return out
}

// refResize resizes channel ch of img to w×h with refResample1D: rows
// first (unless the width is unchanged), then columns (unless the height
// is unchanged).
func refResize(img *image.RGBA, ch, w, h int) [][]float64 {
	b := img.Bounds()
	rows := make([][]float64, b.Dy())
	for y := range rows {
		row := make([]float64, b.Dx())
		for x := range row {
			row[x] = float64(img.Pix[img.PixOffset(b.Min.X+x, b.Min.Y+y)+ch])
		}
		rows[y] = row
		if w != b.Dx() {
			rows[y] = refResample1D(row, w)
		}
	}
	if h == b.Dy() {
		return rows
	}
	out := make([][]float64, h)
	for y := range out {
		out[y] = make([]float64, w)
	}
	col := make([]float64, b.Dy())
	for x := range w {
		for y := range col {
			col[y] = rows[y][x]
		}
		for y, v := range refResample1D(col, h) {
			out[y][x] = v
		}
	}
	return out
}

// randomRGBA returns a w×h image of random colours with origin (x0, y0).
func randomRGBA(rng *rand.Rand, x0, y0, w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(x0, y0, x0+w, y0+h))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.IntN(256))
	}
	return img
}

// TestResizeBicubicReference compares ResizeBicubic with the float64
// model on random images, upsampling, downsampling (up to 5×) and mixed.
// Fixed-point weights can move a value that lies within about 1e-4 of a
// rounding boundary by one level; nothing else may differ.
func TestResizeBicubicReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := [][4]int{ // source w, h → w, h
		{7, 5, 13, 11}, {13, 11, 7, 5}, {40, 9, 8, 23}, {5, 40, 5, 8}, {9, 3, 4, 3},
		{50, 50, 10, 10}, {1, 6, 3, 2}, {6, 1, 1, 1}, {31, 17, 31, 40},
	}
	differ, total := 0, 0
	for _, s := range sizes {
		src := randomRGBA(rng, 3, -2, s[0], s[1])
		got := ResizeBicubic(src, s[2], s[3])
		if b := got.Bounds(); b != image.Rect(0, 0, s[2], s[3]) {
			t.Fatalf("%v: bounds %v", s, b)
		}
		for ch := range 3 {
			want := refResize(src, ch, s[2], s[3])
			for y := range s[3] {
				for x := range s[2] {
					g := float64(got.Pix[got.PixOffset(x, y)+ch])
					total++
					if d := math.Abs(g - want[y][x]); d > 1 {
						t.Fatalf("%v channel %d (%d, %d): got %v, want %v", s, ch, x, y, g, want[y][x])
					} else if d == 1 {
						differ++
					}
				}
			}
		}
		for i := 3; i < len(got.Pix); i += 4 {
			if got.Pix[i] != 255 {
				t.Fatalf("%v: alpha %d, want opaque", s, got.Pix[i])
			}
		}
	}
	t.Logf("%d of %d values one level off the float64 model", differ, total)
	if differ*1000 > total {
		t.Errorf("%d of %d values one level off the float64 model, want ≤ 0.1%%", differ, total)
	}
}

// TestResizeBicubicByHand checks values worked out by hand from Pillow's
// algorithm. Shrinking 0 0 255 255 to 2: output 0 is centred at 1 with
// the kernel stretched 2×; inputs 0…3 at distances -0.25, 0.25, 0.75,
// 1.25 get weights 0.8671875, 0.8671875, 0.2265625, -0.0703125 (sum
// 1.890625), so 255·0.15625/1.890625 = 21.07 → 21, and symmetrically
// 233.93 → 234. Enlarging 0 255 to 4: outputs at 0.25, 0.75, 1.25, 1.75
// give 255·(-0.0703125/0.796875) = -22.5 → 0, 255·0.2265625/1.09375 =
// 52.8 → 53, 202.2 → 202 and 277.5 → 255.
func TestResizeBicubicByHand(t *testing.T) {
	for _, tt := range []struct {
		in, want []uint8
	}{
		{[]uint8{0, 0, 255, 255}, []uint8{21, 234}},
		{[]uint8{0, 255}, []uint8{0, 53, 202, 255}},
	} {
		for _, vertical := range []bool{false, true} {
			w, h, ow, oh := len(tt.in), 1, len(tt.want), 1
			if vertical {
				w, h, ow, oh = h, w, oh, ow
			}
			src := image.NewRGBA(image.Rect(0, 0, w, h))
			for i, v := range tt.in {
				src.Pix[4*i], src.Pix[4*i+1], src.Pix[4*i+2] = v, v, 255-v
			}
			got := ResizeBicubic(src, ow, oh)
			for i, v := range tt.want {
				p := got.Pix[4*i:]
				if p[0] != v || p[1] != v || p[2] != 255-v {
					t.Errorf("%v → %d (vertical %v): value %d is %v, want %d, %d, %d", tt.in, len(tt.want), vertical, i, p[:3], v, v, 255-v)
				}
			}
		}
	}
}

// TestResizeBicubicConstant checks that a flat image stays flat, and that
// an unchanged size copies the image.
func TestResizeBicubicConstant(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 37, 23))
	for i := 0; i < len(src.Pix); i += 4 {
		src.Pix[i], src.Pix[i+1], src.Pix[i+2], src.Pix[i+3] = 0, 117, 255, 10
	}
	for _, size := range [][2]int{{5, 3}, {100, 61}, {37, 50}, {10, 23}, {37, 23}} {
		got := ResizeBicubic(src, size[0], size[1])
		for i := 0; i < len(got.Pix); i += 4 {
			if p := got.Pix[i : i+4]; p[0] != 0 || p[1] != 117 || p[2] != 255 || p[3] != 255 {
				t.Fatalf("%v: pixel %d is %v, want [0 117 255 255]", size, i/4, p)
			}
		}
	}
	if got := ResizeBicubic(src, 37, 23); &got.Pix[0] == &src.Pix[0] {
		t.Error("ResizeBicubic to the same size returned its argument, want a copy")
	}
}

// TestResizeRegion checks that resizing a region equals resizing in full
// and cropping, for random regions, sizes and source origins.
func TestResizeRegion(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 40 {
		sw, sh := 1+rng.IntN(30), 1+rng.IntN(30)
		w, h := 1+rng.IntN(40), 1+rng.IntN(40)
		if rng.IntN(4) == 0 {
			w = sw
		}
		if rng.IntN(4) == 0 {
			h = sh
		}
		src := randomRGBA(rng, rng.IntN(5)-2, rng.IntN(5)-2, sw, sh)
		full := ResizeBicubic(src, w, h)
		x0, y0 := rng.IntN(w), rng.IntN(h)
		r := image.Rect(x0, y0, x0+1+rng.IntN(w-x0), y0+1+rng.IntN(h-y0))
		got := resizeRegion(rgbaRows(src), sw, sh, w, h, r)
		if got.Bounds() != r {
			t.Fatalf("bounds %v, want %v", got.Bounds(), r)
		}
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if g, f := got.RGBAAt(x, y), full.RGBAAt(x, y); g != f {
					t.Fatalf("%d×%d → %d×%d, region %v: (%d, %d) is %v, full resize gives %v", sw, sh, w, h, r, x, y, g, f)
				}
			}
		}
	}
}

func TestResizeBicubicPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"zero width":   func() { ResizeBicubic(image.NewRGBA(image.Rect(0, 0, 2, 2)), 0, 2) },
		"empty source": func() { ResizeBicubic(image.NewRGBA(image.Rect(0, 0, 0, 2)), 2, 2) },
		"region out": func() {
			resizeRegion(rgbaRows(image.NewRGBA(image.Rect(0, 0, 2, 2))), 2, 2, 2, 2, image.Rect(1, 1, 3, 2))
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// BenchmarkEvalTransform measures the pipeline on 12-megapixel photos,
// as decoded from a PNG (RGBA) and from a 4:2:0 JPEG (YCbCr).
func BenchmarkEvalTransform(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	ycc := image.NewYCbCr(image.Rect(0, 0, 4000, 3000), image.YCbCrSubsampleRatio420)
	for _, p := range [][]uint8{ycc.Y, ycc.Cb, ycc.Cr} {
		for i := range p {
			p[i] = uint8(rng.IntN(256))
		}
	}
	tf := EvalTransform()
	for name, img := range map[string]image.Image{"RGBA": randomRGBA(rng, 0, 0, 4000, 3000), "YCbCr": ycc} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := tf.Apply(img); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkToRGB measures the conversion of a 12-megapixel 4:2:0 image.
func BenchmarkToRGB(b *testing.B) {
	img := image.NewYCbCr(image.Rect(0, 0, 4000, 3000), image.YCbCrSubsampleRatio420)
	rng := rand.New(rand.NewPCG(7, 8))
	for _, p := range [][]uint8{img.Y, img.Cb, img.Cr} {
		for i := range p {
			p[i] = uint8(rng.IntN(256))
		}
	}
	for b.Loop() {
		ToRGB(img)
	}
}
