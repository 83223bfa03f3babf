package data

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestAugmentIdentityAndFlip(t *testing.T) {
	src := randomDataset(1, 3, 8, 8, 1, 4).Images
	rng := rand.New(rand.NewPCG(1, 2))
	id := Augment{ScaleMin: 1, ScaleMax: 1, RatioMin: 1, RatioMax: 1}
	dst := make([]float32, len(src))
	for range 5 {
		id.Apply(src, 3, 8, 8, rng, dst)
		if !slices.Equal(dst, src) {
			t.Fatal("scale 1, ratio 1, no flip is not the identity")
		}
	}
	flip := id
	flip.Flip = true
	flips := 0
	for range 200 {
		flip.Apply(src, 3, 8, 8, rng, dst)
		if slices.Equal(dst, src) {
			continue
		}
		flips++
		for row := range 3 * 8 {
			got := slices.Clone(dst[row*8 : (row+1)*8])
			slices.Reverse(got)
			if !slices.Equal(got, src[row*8:(row+1)*8]) {
				t.Fatalf("row %d is not mirrored", row)
			}
		}
	}
	if flips < 70 || flips > 130 {
		t.Errorf("flipped %d of 200 times, want about half", flips)
	}
}

func TestAugmentApply(t *testing.T) {
	d := randomDataset(1, 2, 12, 20, 1, 8)
	a := DefaultAugment()
	if a != (Augment{0.4, 1, 0.75, 4.0 / 3, true}) {
		t.Errorf("DefaultAugment() = %+v", a)
	}
	run := func(seed uint64, inPlace bool) []float32 {
		rng := rand.New(rand.NewPCG(seed, 0))
		dst := make([]float32, len(d.Images)+3) // longer is fine
		if inPlace {
			copy(dst, d.Images)
			a.Apply(dst, 2, 12, 20, rng, dst)
		} else {
			a.Apply(d.Images, 2, 12, 20, rng, dst)
		}
		return dst
	}
	for seed := range uint64(50) {
		out := run(seed, false)
		if !slices.Equal(out, run(seed, false)) {
			t.Fatal("same seed gave different crops")
		}
		if !slices.Equal(out, run(seed, true)) {
			t.Fatal("in-place Apply differs")
		}
		for _, v := range out[:len(d.Images)] {
			if v < 0 || v > 1 || math.IsNaN(float64(v)) {
				t.Fatalf("value %v outside the source range", v)
			}
		}
	}
}

func TestAugmentCropBox(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	a := DefaultAugment()
	for range 2000 {
		h, w := 1+rng.IntN(40), 1+rng.IntN(40)
		y0, x0, ch, cw := a.cropBox(h, w, rng)
		if y0 < 0 || x0 < 0 || ch < 1 || cw < 1 || y0+ch > h || x0+cw > w {
			t.Fatalf("%d×%d image: box (%d, %d) %d×%d outside it", h, w, y0, x0, ch, cw)
		}
	}
	// Large images: the crop area follows the scale range up to rounding.
	for range 500 {
		_, _, ch, cw := a.cropBox(224, 224, rng)
		if f := float64(ch*cw) / (224 * 224); f < 0.39 || f > 1 {
			t.Fatalf("crop area fraction %v outside (0.4, 1)", f)
		}
		if r := float64(cw) / float64(ch); r < 0.74 || r > 1.35 {
			t.Fatalf("crop ratio %v outside (3/4, 4/3)", r)
		}
	}
	// A wide image and ratio 1 never fits 10 random tries: centre crop.
	sq := Augment{ScaleMin: 1, ScaleMax: 1, RatioMin: 1, RatioMax: 1}
	if y0, x0, ch, cw := sq.cropBox(10, 30, rng); y0 != 0 || x0 != 10 || ch != 10 || cw != 10 {
		t.Errorf("fallback box (%d, %d) %d×%d, want (0, 10) 10×10", y0, x0, ch, cw)
	}
}

func TestAugmentValidate(t *testing.T) {
	for _, a := range []Augment{
		{},
		{ScaleMin: 0.5, ScaleMax: 0.4, RatioMin: 1, RatioMax: 1},
		{ScaleMin: 0.4, ScaleMax: 1, RatioMin: 2, RatioMax: 1},
		{ScaleMin: -1, ScaleMax: 1, RatioMin: 1, RatioMax: 1},
		{ScaleMin: 0.4, ScaleMax: math.NaN(), RatioMin: 1, RatioMax: 1},
		{ScaleMin: 0.4, ScaleMax: 1, RatioMin: 1, RatioMax: math.Inf(1)},
	} {
		if a.Validate() == nil {
			t.Errorf("%+v validates", a)
		}
	}
	if err := DefaultAugment().Validate(); err != nil {
		t.Error(err)
	}
	defer func() {
		if recover() == nil {
			t.Error("Apply with a short dst did not panic")
		}
	}()
	DefaultAugment().Apply(make([]float32, 12), 3, 2, 2, rand.New(rand.NewPCG(0, 0)), make([]float32, 11))
}
