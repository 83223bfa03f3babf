package photo

import (
	"image"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestResizedSize checks torchvision's output sizes: worked examples, and
// for random sizes the exact quotient floor(size·long/short), which
// Python's int(size * long / short) equals because a float64 quotient of
// such small integers never rounds up to the next integer.
func TestResizedSize(t *testing.T) {
	for _, tt := range [][5]int{ // w, h, size, want w, want h
		{451, 300, 256, 384, 256},
		{300, 451, 256, 256, 384},
		{197, 300, 256, 256, 389}, // 389.8 truncated
		{400, 160, 256, 640, 256},
		{1000, 1000, 256, 256, 256},
		{256, 256, 256, 256, 256},
		{3, 5, 256, 256, 426},      // 426.67
		{700, 1200, 256, 256, 438}, // 438.86
		{1, 1000, 256, 256, 256000},
		{0, 5, 256, 0, 0},
	} {
		if w, h := ResizedSize(tt[0], tt[1], tt[2]); w != tt[3] || h != tt[4] {
			t.Errorf("ResizedSize(%d, %d, %d) = %d×%d, want %d×%d", tt[0], tt[1], tt[2], w, h, tt[3], tt[4])
		}
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for range 10000 {
		w, h, size := 1+rng.IntN(8000), 1+rng.IntN(8000), 1+rng.IntN(1000)
		short, long := min(w, h), max(w, h)
		wantShort, wantLong := size, size*long/short
		gw, gh := ResizedSize(w, h, size)
		if (w <= h && (gw != wantShort || gh != wantLong)) || (w > h && (gw != wantLong || gh != wantShort)) {
			t.Fatalf("ResizedSize(%d, %d, %d) = %d×%d, want sides %d and %d", w, h, size, gw, gh, wantShort, wantLong)
		}
	}
}

// TestCenterCropOffsets checks torchvision's offsets: half the margin,
// halves rounded to even (Python's round), and minus the left/top padding
// when the image is smaller than the crop.
func TestCenterCropOffsets(t *testing.T) {
	for _, tt := range [][5]int{ // w, h, crop, want left, want top
		{384, 256, 224, 80, 16},
		{256, 389, 224, 16, 82}, // margin 165: round(82.5) = 82
		{256, 259, 224, 16, 18}, // margin 35: round(17.5) = 18
		{257, 258, 224, 16, 17}, // 33 → 16, 34 → 17
		{225, 224, 224, 0, 0},   // margin 1: round(0.5) = 0
		{227, 224, 224, 2, 0},   // margin 3: round(1.5) = 2
		{224, 224, 224, 0, 0},
		{220, 221, 224, -2, -1}, // padded by 2+2 and 1+2
		{10, 15, 16, -3, 0},     // padded by 3+3 and 0+1
	} {
		if l, tp := CenterCropOffsets(tt[0], tt[1], tt[2]); l != tt[3] || tp != tt[4] {
			t.Errorf("CenterCropOffsets(%d, %d, %d) = %d, %d, want %d, %d", tt[0], tt[1], tt[2], l, tp, tt[3], tt[4])
		}
	}
}

func TestEvalTransform(t *testing.T) {
	tf := EvalTransform()
	if tf.Resize != 256 || tf.Crop != 224 || tf.EXIF || tf.Mean != [3]float64{0.485, 0.456, 0.406} || tf.Std != [3]float64{0.229, 0.224, 0.225} {
		t.Errorf("EvalTransform() = %+v", tf)
	}
	if tf.Resize != int(math.Ceil(224/0.875)) {
		t.Errorf("Resize %d, want ceil(224/0.875)", tf.Resize)
	}
	if err := tf.Validate(); err != nil {
		t.Error(err)
	}
	if tf.Len() != 3*224*224 {
		t.Errorf("Len() = %d", tf.Len())
	}
}

func TestTransformValidate(t *testing.T) {
	for name, edit := range map[string]func(*Transform){
		"resize 0":     func(tf *Transform) { tf.Resize = 0 },
		"crop -1":      func(tf *Transform) { tf.Crop = -1 },
		"huge crop":    func(tf *Transform) { tf.Crop = 1 << 40 },
		"std 0":        func(tf *Transform) { tf.Std[1] = 0 },
		"std 1e-50":    func(tf *Transform) { tf.Std[1] = 1e-50 }, // 0 in float32
		"mean NaN":     func(tf *Transform) { tf.Mean[2] = math.NaN() },
		"mean 1e40":    func(tf *Transform) { tf.Mean[0] = 1e40 }, // +Inf in float32
		"std Infinity": func(tf *Transform) { tf.Std[0] = math.Inf(1) },
	} {
		tf := EvalTransform()
		edit(&tf)
		if err := tf.Validate(); err == nil || !strings.Contains(err.Error(), "transform") {
			t.Errorf("%s: Validate() = %v, want an error", name, err)
		}
		if _, err := tf.Apply(image.NewRGBA(image.Rect(0, 0, 4, 4))); err == nil {
			t.Errorf("%s: Apply succeeded", name)
		}
	}
	if _, err := EvalTransform().Apply(image.NewRGBA(image.Rect(0, 0, 0, 4))); err == nil {
		t.Error("Apply of an empty image succeeded")
	}
}

// TestNormalize checks Normalize against the formula evaluated in
// float64 and rounded to float32 after each operation (exact for float32
// operands), and two values by hand.
func TestNormalize(t *testing.T) {
	tf := EvalTransform()
	x := make([]float32, 3*256)
	for i := range x {
		x[i] = float32(i%256) / 255
	}
	got := append([]float32(nil), x...)
	if err := tf.Normalize(got); err != nil {
		t.Fatal(err)
	}
	for i, v := range x {
		c := i / 256
		m, s := float64(float32(tf.Mean[c])), float64(float32(tf.Std[c]))
		want := float32(float64(float32(float64(v)-m)) / s)
		if got[i] != want {
			t.Fatalf("value %d (channel %d): %v, want %v", i, c, got[i], want)
		}
	}
	// 0 → -0.485/0.229 = -2.11790…, 1 → (1-0.406)/0.225 = 2.64.
	if math.Abs(float64(got[0])+0.485/0.229) > 1e-6 || math.Abs(float64(got[3*256-1])-0.594/0.225) > 1e-6 {
		t.Errorf("ends %v, %v, want -2.1179, 2.64", got[0], got[3*256-1])
	}
	if err := tf.Normalize(make([]float32, 4)); err == nil {
		t.Error("Normalize of 4 values succeeded, want an error")
	}
}

// TestToTensorMatchesFullResize checks ToTensor (which resizes only the
// crop) against ResizeBicubic of the whole image cropped by hand, and
// Apply against ToTensor then Normalize.
func TestToTensorMatchesFullResize(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	tf := Transform{Resize: 40, Crop: 32, Mean: ImageNetMean, Std: ImageNetStd}
	for _, size := range [][2]int{{47, 31}, {31, 47}, {40, 40}, {100, 90}, {20, 61}, {40, 77}} {
		img := randomRGBA(rng, 5, 7, size[0], size[1])
		got, err := tf.ToTensor(img)
		if err != nil {
			t.Fatal(err)
		}
		w, h := ResizedSize(size[0], size[1], tf.Resize)
		full := ResizeBicubic(img, w, h)
		left, top := CenterCropOffsets(w, h, tf.Crop)
		for c := range 3 {
			for y := range tf.Crop {
				for x := range tf.Crop {
					want := float32(full.Pix[full.PixOffset(left+x, top+y)+c]) / 255
					if g := got[(c*tf.Crop+y)*tf.Crop+x]; g != want {
						t.Fatalf("%v: channel %d (%d, %d) = %v, want %v", size, c, x, y, g, want)
					}
				}
			}
		}
		norm, err := tf.Apply(img)
		if err != nil {
			t.Fatal(err)
		}
		if err := tf.Normalize(got); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if norm[i] != got[i] {
				t.Fatalf("%v: Apply value %d = %v, ToTensor+Normalize %v", size, i, norm[i], got[i])
			}
		}
	}
}

// TestToTensorPadding checks a crop larger than the resized image: a
// 20×30 image resized to 10×15 and cropped to 16×16 is padded like
// torchvision's pad(img, [3, 0, 3, 1]) — 3 zero columns left and right,
// one zero row at the bottom.
func TestToTensorPadding(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 20, 30))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	tf := Transform{Resize: 10, Crop: 16, Mean: ImageNetMean, Std: ImageNetStd}
	got, err := tf.ToTensor(img)
	if err != nil {
		t.Fatal(err)
	}
	for c := range 3 {
		for y := range 16 {
			for x := range 16 {
				want := float32(200) / 255
				if x < 3 || x >= 13 || y == 15 {
					want = 0
				}
				if g := got[(c*16+y)*16+x]; g != want {
					t.Fatalf("channel %d (%d, %d) = %v, want %v", c, x, y, g, want)
				}
			}
		}
	}
}
