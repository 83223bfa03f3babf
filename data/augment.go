package data

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/pkg/errors"
)

// Augment is a random resized crop followed by an optional horizontal
// flip, as in torchvision's RandomResizedCrop and RandomHorizontalFlip.
type Augment struct {
	ScaleMin, ScaleMax float64 // range of the crop area as a fraction of the image area
	RatioMin, RatioMax float64 // range of the crop aspect ratio, width/height
	Flip               bool    // flip horizontally with probability 0.5
}

// DefaultAugment returns the augmentation of the AIM paper: crop scale
// (0.4, 1.0), ratio (3/4, 4/3), horizontal flip.
func DefaultAugment() Augment {
	return Augment{ScaleMin: 0.4, ScaleMax: 1, RatioMin: 3.0 / 4, RatioMax: 4.0 / 3, Flip: true}
}

// Validate reports whether the ranges are usable: finite, positive, and
// not reversed.
func (a Augment) Validate() error {
	for _, v := range []float64{a.ScaleMin, a.ScaleMax, a.RatioMin, a.RatioMax} {
		if !(v > 0) || math.IsInf(v, 0) {
			return errors.Errorf("augment: scale (%v, %v) and ratio (%v, %v) must be finite and positive", a.ScaleMin, a.ScaleMax, a.RatioMin, a.RatioMax)
		}
	}
	if a.ScaleMin > a.ScaleMax || a.RatioMin > a.RatioMax {
		return errors.Errorf("augment: reversed range in scale (%v, %v) or ratio (%v, %v)", a.ScaleMin, a.ScaleMax, a.RatioMin, a.RatioMax)
	}
	return nil
}

// Apply writes to dst an augmented copy of the image src of c channels of
// h×w (channel-planar), of the same size. It picks a crop box with
// torchvision's RandomResizedCrop rule (up to 10 random tries, then a
// centre crop of the nearest allowed ratio), resamples the box to h×w with
// the bilinear filter of Fit, and flips it with probability 0.5 if a.Flip.
// With scale and ratio (1, 1), no flip and a square image it copies src.
// dst may be src itself. Apply panics if a is invalid (see Validate), if
// rng is nil, if c, h or w is not positive, or if src or dst holds fewer
// than c*h*w values.
func (a Augment) Apply(src []float32, c, h, w int, rng *rand.Rand, dst []float32) {
	if err := a.Validate(); err != nil {
		panic(err)
	}
	if n := c * h * w; c < 1 || h < 1 || w < 1 || len(src) < n || len(dst) < n {
		panic(errors.Errorf("augment: %d source and %d destination values for a %d×%d×%d image", len(src), len(dst), c, h, w))
	}
	y0, x0, ch, cw := a.cropBox(h, w, rng)
	r := newResizer(y0, x0, ch, cw, w, h, w)
	if a.Flip && rng.Float64() < 0.5 {
		slices.Reverse(r.xs)
	}
	plane := h * w
	for k := range c {
		r.resize(dst[k*plane:(k+1)*plane], src[k*plane:(k+1)*plane])
	}
}

// cropBox returns the top-left corner and the size of a random crop of an
// h×w image, following torchvision's RandomResizedCrop.get_params.
func (a Augment) cropBox(h, w int, rng *rand.Rand) (y0, x0, ch, cw int) {
	area := float64(h * w)
	logMin, logMax := math.Log(a.RatioMin), math.Log(a.RatioMax)
	for range 10 {
		target := area * (a.ScaleMin + (a.ScaleMax-a.ScaleMin)*rng.Float64())
		ratio := math.Exp(logMin + (logMax-logMin)*rng.Float64())
		cw = int(math.Round(math.Sqrt(target * ratio)))
		ch = int(math.Round(math.Sqrt(target / ratio)))
		if 0 < cw && cw <= w && 0 < ch && ch <= h {
			return rng.IntN(h - ch + 1), rng.IntN(w - cw + 1), ch, cw
		}
	}
	// Fallback: the largest centred box whose ratio is in range.
	ch, cw = h, w
	switch ratio := float64(w) / float64(h); {
	case ratio < a.RatioMin:
		ch = max(1, int(math.Round(float64(w)/a.RatioMin)))
	case ratio > a.RatioMax:
		cw = max(1, int(math.Round(float64(h)*a.RatioMax)))
	}
	return (h - ch) / 2, (w - cw) / 2, ch, cw
}
