package photo

import (
	"image"
	"math"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/internal/pixels"
	"github.com/aim-go/aim/internal/sizes"
)

// ImageNet channel statistics (RGB), as ml-aim and torchvision use them.
var (
	ImageNetMean = [3]float64{0.485, 0.456, 0.406}
	ImageNetStd  = [3]float64{0.229, 0.224, 0.225}
)

// Transform is an evaluation preprocessing pipeline for photos, the one
// torchvision 0.14 runs on a PIL image:
//
//	Resize(Resize, interpolation=BICUBIC)  // shorter side → Resize
//	CenterCrop(Crop)
//	ToTensor()                              // uint8 → float32 /255, CHW
//	Normalize(Mean, Std)
//
// applied to Image.open(path).convert("RGB"). [EvalTransform] returns
// ml-aim's. The zero Transform is invalid.
type Transform struct {
	// Resize is the length the shorter side is resized to, the other
	// side keeping the aspect ratio (truncated, see [ResizedSize]).
	Resize int
	// Crop is the side of the square centre crop (see
	// [CenterCropOffsets]); the output is 3×Crop×Crop.
	Crop int
	// Mean and Std are Normalize's per-channel (R, G, B) statistics. As
	// in torchvision, each is rounded to float32 and the output is
	// (x - mean) / std computed in float32.
	Mean, Std [3]float64
	// Height and Width, when both are set, replace the resize and the
	// crop by a resize to exactly Height×Width (torchvision's
	// Resize((Height, Width)), the aspect ratio not kept): the output is
	// 3×Height×Width, and Resize and Crop are unused. AIMv2's native model
	// takes photos so at any size whose sides are multiples of its patch.
	Height, Width int
	// Patch, when set and Height and Width are not, sizes every photo on
	// its own, for AIMv2's native model: its shorter side to Resize and
	// its longer side as the aspect ratio has it, each rounded to the
	// nearest multiple of Patch, at most MaxPatches patches in all
	// ([NativeSize]), and no crop. The output is 3×H×W, H and W those of
	// the photo ([Transform.PhotoSize]); Crop is unused.
	Patch, MaxPatches int
	// EXIF, when set, makes the file readers ([ReadFile], [ReadAll],
	// [ReadFiles], [ReadGroups], [ReadRGB]) apply the EXIF Orientation
	// tag of the file before the transform, as PIL's
	// ImageOps.exif_transpose does. ml-aim does not: it is off in
	// EvalTransform. Apply and ToTensor, which take a decoded image,
	// never look at it.
	EXIF bool
}

// EvalTransform returns ml-aim's evaluation transform: resize the shorter
// side to 256 (= ceil(224/0.875)) with PIL's bicubic filter, centre-crop
// 224×224, scale to [0, 1] and normalise with the ImageNet statistics;
// EXIF orientation ignored.
func EvalTransform() Transform {
	return Transform{Resize: 256, Crop: 224, Mean: ImageNetMean, Std: ImageNetStd}
}

// Validate reports whether t can run: positive sizes, finite statistics
// and standard deviations that are nonzero in float32.
func (t Transform) Validate() error {
	if err := t.checkSizes(); err != nil {
		return err
	}
	for c := range 3 {
		m, s := float32(t.Mean[c]), float32(t.Std[c])
		if isInf32(m) || isInf32(s) || s == 0 {
			return errors.Errorf("transform: channel %d: mean %v and std %v must be finite, std nonzero in float32", c, t.Mean[c], t.Std[c])
		}
	}
	return nil
}

// checkSizes checks the output size: Height×Width when set, else Resize
// and Crop.
func (t Transform) checkSizes() error {
	switch {
	case t.exact():
		if _, ok := sizes.Product(3, t.Height, t.Width); !ok {
			return errors.Errorf("transform: Height %d and Width %d too large", t.Height, t.Width)
		}
	case t.Height != 0 || t.Width != 0:
		return errors.Errorf("transform: Height %d and Width %d must both be positive, or both 0", t.Height, t.Width)
	case t.perPhoto():
		if t.Resize < 1 || t.MaxPatches < 1 {
			return errors.Errorf("transform: Resize %d and MaxPatches %d must be positive with Patch %d", t.Resize, t.MaxPatches, t.Patch)
		}
		if _, ok := sizes.Product(3, t.MaxPatches, t.Patch, t.Patch); !ok || t.Resize > sizes.MaxElems/t.Resize {
			return errors.Errorf("transform: Resize %d, Patch %d or MaxPatches %d too large", t.Resize, t.Patch, t.MaxPatches)
		}
	case t.Resize < 1 || t.Crop < 1:
		return errors.Errorf("transform: Resize %d and Crop %d must be positive", t.Resize, t.Crop)
	default:
		if _, ok := sizes.Product(3, t.Crop, t.Crop); !ok || t.Resize > sizes.MaxElems/t.Resize {
			return errors.Errorf("transform: Resize %d or Crop %d too large", t.Resize, t.Crop)
		}
	}
	return nil
}

// isInf32 reports whether v is infinite or NaN.
func isInf32(v float32) bool {
	return math.IsInf(float64(v), 0) || math.IsNaN(float64(v))
}

// Len returns the number of values Apply returns: 3·Crop·Crop (or
// 3·Height·Width); 0 where the size varies from photo to photo (Patch).
func (t Transform) Len() int {
	h, w := t.OutSize()
	return 3 * h * w
}

// exact reports whether the transform resizes to Height×Width.
func (t Transform) exact() bool { return t.Height > 0 && t.Width > 0 }

// perPhoto reports whether the transform sizes every photo on its own.
func (t Transform) perPhoto() bool { return !t.exact() && t.Patch > 0 }

// PerPhoto reports whether the output size varies from photo to photo
// (Patch set): see PhotoSize.
func (t Transform) PerPhoto() bool { return t.perPhoto() }

// OutSize returns the height and width of the images the transform gives;
// 0, 0 where they vary from photo to photo (see PhotoSize).
func (t Transform) OutSize() (h, w int) {
	switch {
	case t.exact():
		return t.Height, t.Width
	case t.perPhoto():
		return 0, 0
	}
	return t.Crop, t.Crop
}

// PhotoSize returns the height and width of the output for a w×h photo:
// OutSize, or NativeSize's for a transform that sizes every photo on its
// own (Patch).
func (t Transform) PhotoSize(w, h int) (height, width int) {
	if t.perPhoto() {
		return NativeSize(w, h, t.Resize, t.Patch, t.MaxPatches)
	}
	return t.OutSize()
}

// NativeSize returns the size, in pixels, at which AIMv2's native model
// takes a w×h photo: the shorter side resized to side and the longer side
// in proportion, each rounded to the nearest multiple of patch (halves
// up), at least one patch; the shorter side then has at most √maxPatches
// patches and the longer side at most maxPatches over the shorter side's,
// so that the grid never holds more than maxPatches patches. A 640×480
// photo at side 224, patch 14 and 4,096 patches is 224×294 (16×21
// patches); a square one 224×224.
func NativeSize(w, h, side, patch, maxPatches int) (height, width int) {
	short := min(w, h)
	patches := func(length int) int { // round(length·side/short / patch)
		return max(1, int((2*int64(length)*int64(side)+int64(patch)*int64(short))/(2*int64(patch)*int64(short))))
	}
	gs := min(patches(short), isqrt(maxPatches))
	gl := max(gs, min(patches(max(w, h)), maxPatches/gs))
	if w < h {
		return gl * patch, gs * patch
	}
	return gs * patch, gl * patch
}

// isqrt returns the largest s with s·s ≤ n (n ≥ 1).
func isqrt(n int) int {
	s := max(1, int(math.Sqrt(float64(n))))
	for s*s > n {
		s--
	}
	for (s+1)*(s+1) <= n {
		s++
	}
	return s
}

// Apply runs the whole pipeline on img: it converts img to 8-bit RGB as
// PIL's convert("RGB") does ([ToRGB]), and returns the 3×Crop×Crop
// float32 values, channel-planar (R plane, G plane, B plane), normalised.
func (t Transform) Apply(img image.Image) ([]float32, error) {
	x, err := t.ToTensor(img)
	if err != nil {
		return nil, err
	}
	t.normalize(x)
	return x, nil
}

// ToTensor runs the pipeline up to ToTensor, before Normalize: the
// resized, centre-cropped image as 3×Crop×Crop float32 values in [0, 1]
// (each byte divided by 255 in float32), channel-planar.
func (t Transform) ToTensor(img image.Image) ([]float32, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if img.Bounds().Empty() {
		return nil, errors.New("transform: empty image")
	}
	h, w := t.PhotoSize(img.Bounds().Dx(), img.Bounds().Dy())
	out := make([]float32, 3*h*w)
	t.resizeCrop(out, img)
	return out, nil
}

// Normalize applies Normalize(Mean, Std) to x, 3 planes of equal size,
// in place: x = (x - float32(mean)) / float32(std) per channel, in
// float32, as torchvision's tensor.sub_(mean).div_(std) does. It returns an
// error if len(x) is not a multiple of 3 or t is invalid.
func (t Transform) Normalize(x []float32) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if len(x)%3 != 0 {
		return errors.Errorf("transform: normalize %d values, want 3 planes", len(x))
	}
	t.normalize(x)
	return nil
}

// normalize is Normalize without the checks.
func (t Transform) normalize(x []float32) {
	plane := len(x) / 3
	for c := range 3 {
		m, s := float32(t.Mean[c]), float32(t.Std[c])
		p := x[c*plane : (c+1)*plane]
		for i, v := range p {
			p[i] = (v - m) / s
		}
	}
}

// resizeCrop converts src to RGB as ToRGB does and resizes it as
// Resize(t.Resize, BICUBIC) does ([ResizedSize], [ResizeBicubic]), but
// only the part CenterCrop(t.Crop) keeps, converting only the source rows
// that part needs, and stores that crop into out, channel-planar, each
// byte divided by 255 in float32. Pixels outside the resized image (when
// it is smaller than the crop) stay 0, as torchvision's CenterCrop pads
// with zeros. src must not be empty.
func (t Transform) resizeCrop(out []float32, src image.Image) {
	if t.perPhoto() {
		t.Height, t.Width = t.PhotoSize(src.Bounds().Dx(), src.Bounds().Dy())
	}
	if t.exact() {
		t.resizeExact(out, src)
		return
	}
	b := src.Bounds()
	w, h := ResizedSize(b.Dx(), b.Dy(), t.Resize)
	left, top := CenterCropOffsets(w, h, t.Crop)
	box := image.Rect(left, top, left+t.Crop, top+t.Crop).Intersect(image.Rect(0, 0, w, h))
	img := resizeRegion(rowsOf(src), b.Dx(), b.Dy(), w, h, box)
	plane := t.Crop * t.Crop
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			p := img.Pix[img.PixOffset(x, y):]
			i := (y-top)*t.Crop + x - left
			out[i] = pixels.Unit[p[0]]
			out[plane+i] = pixels.Unit[p[1]]
			out[2*plane+i] = pixels.Unit[p[2]]
		}
	}
}

// resizeExact converts src to RGB and resizes it to Height×Width with
// Pillow's bicubic filter, storing it into out as resizeCrop does.
func (t Transform) resizeExact(out []float32, src image.Image) {
	b := src.Bounds()
	img := resizeRegion(rowsOf(src), b.Dx(), b.Dy(), t.Width, t.Height, image.Rect(0, 0, t.Width, t.Height))
	plane := t.Width * t.Height
	for y := range t.Height {
		for x := range t.Width {
			p := img.Pix[img.PixOffset(x, y):]
			i := y*t.Width + x
			out[i] = pixels.Unit[p[0]]
			out[plane+i] = pixels.Unit[p[1]]
			out[2*plane+i] = pixels.Unit[p[2]]
		}
	}
}

// ResizedSize returns the size torchvision 0.14's Resize(size) gives a
// w×h image (_compute_resized_output_size): the shorter side becomes
// size and the longer int(size·long/short), the quotient computed in
// float64 (Python's true division) and truncated. A square image becomes
// size×size; an empty one 0×0. For example 451×300 → 384×256 and 300×451 → 256×384.
func ResizedSize(w, h, size int) (nw, nh int) {
	if w < 1 || h < 1 {
		return 0, 0
	}
	short, long := w, h
	if h < w {
		short, long = h, w
	}
	newLong := int(float64(size*long) / float64(short))
	if w <= h {
		return size, newLong
	}
	return newLong, size
}

// CenterCropOffsets returns the position in a w×h image of the top-left
// corner of torchvision 0.14's CenterCrop(crop): along each side longer
// than the crop, int(round((side - crop) / 2.0)) with Python's round,
// which rounds halves to even (a margin of 33 gives 16, of 35 gives 18);
// along a shorter side torchvision first pads (side-crop)//2 zeros before
// and the rest after, so the offset is minus that padding.
func CenterCropOffsets(w, h, crop int) (left, top int) {
	return cropOffset(w, crop), cropOffset(h, crop)
}

// cropOffset is CenterCropOffsets along one side.
func cropOffset(side, crop int) int {
	if side < crop {
		return -((crop - side) / 2)
	}
	return int(math.RoundToEven(float64(side-crop) / 2))
}
