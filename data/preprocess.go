package data

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/internal/sizes"
)

// ChannelStats returns the mean and the (population) standard deviation of
// each channel over all pixels of all images, accumulated in float64 in
// two passes. An empty dataset gives zeros.
func ChannelStats(d *Dataset) (mean, std []float32) {
	mean, std = make([]float32, d.C), make([]float32, d.C)
	plane := d.H * d.W
	count := float64(d.N * plane)
	if count == 0 {
		return mean, std
	}
	for k := range d.C {
		var sum float64
		for i := range d.N {
			for _, v := range d.Image(i)[k*plane : (k+1)*plane] {
				sum += float64(v)
			}
		}
		m := sum / count
		var ss float64
		for i := range d.N {
			for _, v := range d.Image(i)[k*plane : (k+1)*plane] {
				ss += (float64(v) - m) * (float64(v) - m)
			}
		}
		mean[k], std[k] = float32(m), float32(math.Sqrt(ss/count))
	}
	return mean, std
}

// Normalize replaces every value x of channel k by (x - mean[k]) / std[k].
// It changes nothing and returns an error unless mean and std have C
// finite entries and every std is positive.
func (d *Dataset) Normalize(mean, std []float32) error {
	if len(mean) != d.C || len(std) != d.C {
		return errors.Errorf("%s: normalize: %d means and %d standard deviations for %d channels", d.Name, len(mean), len(std), d.C)
	}
	for k := range d.C {
		m, s := float64(mean[k]), float64(std[k])
		if math.IsNaN(m) || math.IsInf(m, 0) || !(s > 0) || math.IsInf(s, 0) {
			return errors.Errorf("%s: normalize: channel %d has mean %v and std %v; want a finite mean and a finite positive std", d.Name, k, mean[k], std[k])
		}
	}
	plane := d.H * d.W
	for i := range d.N {
		img := d.Image(i)
		for k := range d.C {
			m, inv := mean[k], 1/std[k]
			p := img[k*plane : (k+1)*plane]
			for j := range p {
				p[j] = (p[j] - m) * inv
			}
		}
	}
	return nil
}

// splitStream is the PCG stream (second seed word) of SplitValidation, so
// that it does not share a sequence with Permutation's epochs.
const splitStream = 0x73706c6974 // "split"

// SplitValidation holds out n images of d, chosen at random from seed, as
// val and returns the others as train. Both keep the order of d; they are
// disjoint and together hold every image. n is clamped to [0, d.N].
func SplitValidation(d *Dataset, n int, seed uint64) (train, val *Dataset) {
	n = max(0, min(n, d.N))
	held := make([]bool, d.N)
	for _, i := range rand.New(rand.NewPCG(seed, splitStream)).Perm(d.N)[:n] {
		held[i] = true
	}
	trainIdx, valIdx := make([]int, 0, d.N-n), make([]int, 0, n)
	for i, h := range held {
		if h {
			valIdx = append(valIdx, i)
		} else {
			trainIdx = append(trainIdx, i)
		}
	}
	return d.Subset(trainIdx), d.Subset(valIdx)
}

// Permutation returns a random permutation of [0, n) determined by seed
// and epoch: the same arguments give the same permutation, and each epoch
// gets its own PCG (math/rand/v2) stream. n <= 0 gives an empty slice.
func Permutation(n int, seed, epoch uint64) []int {
	if n <= 0 {
		return []int{}
	}
	return rand.New(rand.NewPCG(seed, mix64(epoch))).Perm(n)
}

// mix64 is the SplitMix64 finalizer: it spreads nearby epochs apart.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// stratifiedSplit puts round(testFrac·n) images of each class, chosen at
// random from seed, in test and the others in train; both keep the order
// of d. d must be labeled.
func stratifiedSplit(d *Dataset, testFrac float64, seed uint64) (train, test *Dataset) {
	byClass := make([][]int, d.Classes)
	for i, l := range d.Labels {
		byClass[l] = append(byClass[l], i)
	}
	var trainIdx, testIdx []int
	for c, idx := range byClass {
		k := int(math.Round(testFrac * float64(len(idx))))
		for j, p := range Permutation(len(idx), seed, uint64(c)) {
			if j < k {
				testIdx = append(testIdx, idx[p])
			} else {
				trainIdx = append(trainIdx, idx[p])
			}
		}
	}
	slices.Sort(trainIdx)
	slices.Sort(testIdx)
	return d.Subset(trainIdx), d.Subset(testIdx)
}

// Fit returns a copy of d with c channels of h×w. The rule is: images
// whose size differs from h×w are resized with a bilinear (triangle)
// filter that widens when shrinking, so it averages rather than aliases
// (as golang.org/x/image/draw.BiLinear and PIL do); images of that size are
// copied unchanged. Channels are kept, or converted 1→3 by replicating
// the grey plane or 3→1 by taking the mean of the three; any other change
// of channels is an error.
func Fit(d *Dataset, c, h, w int) (*Dataset, error) {
	if c < 1 || h < 1 || w < 1 {
		return nil, errors.Errorf("%s: fit to (C, H, W) = (%d, %d, %d): want positive sizes", d.Name, c, h, w)
	}
	if c != d.C && !(d.C == 1 && c == 3) && !(d.C == 3 && c == 1) {
		return nil, errors.Errorf("%s: fit: cannot convert %d channels to %d (only 1→3 and 3→1)", d.Name, d.C, c)
	}
	if _, ok := sizes.Product(d.N, c, h, w); !ok {
		return nil, errors.Errorf("%s: fit to (%d, %d, %d, %d): too large", d.Name, d.N, c, h, w)
	}
	out := &Dataset{
		Name: d.Name, N: d.N, C: c, H: h, W: w,
		Images:  make([]float32, d.N*c*h*w),
		Labels:  slices.Clone(d.Labels),
		Classes: d.Classes,
	}
	r := newResizer(0, 0, d.H, d.W, d.W, h, w)
	grey := make([]float32, d.H*d.W)
	for i := range d.N {
		fitImage(out.Image(i), d.Image(i), d.C, c, r, grey)
	}
	return out, nil
}

// fitImage converts and resizes one image from sc to dc channels.
func fitImage(dst, src []float32, sc, dc int, r *resizer, grey []float32) {
	in, out := len(grey), r.outH*r.outW
	switch {
	case sc == 3 && dc == 1:
		for j := range grey {
			grey[j] = (src[j] + src[in+j] + src[2*in+j]) / 3
		}
		r.resize(dst, grey)
	case sc == 1 && dc == 3:
		r.resize(dst, src)
		copy(dst[out:], dst[:out])
		copy(dst[2*out:], dst[:out])
	default:
		for k := range sc {
			r.resize(dst[k*out:(k+1)*out], src[k*in:])
		}
	}
}

// tap is one source index and its weight.
type tap struct {
	i int
	w float32
}

// bilinearTaps returns, for each of n outputs, the taps of a triangle
// filter that resamples the inputs [off, off+size) to n values, with pixel
// centres aligned (align_corners=false). When shrinking, the filter widens
// by the scale so that every input contributes. Taps falling outside the
// inputs are dropped and the rest renormalised.
func bilinearTaps(off, size, n int) [][]tap {
	scale := float64(size) / float64(n)
	support := max(scale, 1)
	taps := make([][]tap, n)
	for o := range taps {
		center := (float64(o) + 0.5) * scale
		lo := max(0, int(math.Floor(center-support)))
		hi := min(size-1, int(math.Ceil(center+support)))
		var sum float64
		for i := lo; i <= hi; i++ {
			wt := 1 - math.Abs((float64(i)+0.5-center)/support)
			if wt > 0 {
				taps[o] = append(taps[o], tap{off + i, float32(wt)})
				sum += wt
			}
		}
		for j := range taps[o] {
			taps[o][j].w /= float32(sum)
		}
	}
	return taps
}

// resizer resamples a box of a plane to outH×outW with separable
// bilinear taps.
type resizer struct {
	y0, boxH, stride int
	outH, outW       int
	xs, ys           [][]tap
	tmp              []float32 // boxH×outW
}

// newResizer prepares resizing the box of boxH×boxW values at (y0, x0) of
// planes with the given row stride to outH×outW.
func newResizer(y0, x0, boxH, boxW, stride, outH, outW int) *resizer {
	return &resizer{
		y0: y0, boxH: boxH, stride: stride, outH: outH, outW: outW,
		xs:  bilinearTaps(x0, boxW, outW),
		ys:  bilinearTaps(0, boxH, outH),
		tmp: make([]float32, boxH*outW),
	}
}

// resize resamples the box of the plane src into dst (outH×outW). dst may
// be src itself: src is read in full before dst is written.
func (r *resizer) resize(dst, src []float32) {
	for y := range r.boxH {
		row := src[(r.y0+y)*r.stride:]
		out := r.tmp[y*r.outW : (y+1)*r.outW]
		for x, ts := range r.xs {
			var s float32
			for _, t := range ts {
				s += row[t.i] * t.w
			}
			out[x] = s
		}
	}
	for y, ts := range r.ys {
		out := dst[y*r.outW : (y+1)*r.outW]
		clear(out)
		for _, t := range ts {
			row := r.tmp[t.i*r.outW : (t.i+1)*r.outW]
			for x, v := range row {
				out[x] += v * t.w
			}
		}
	}
}
