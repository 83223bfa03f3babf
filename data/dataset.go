package data

import (
	"math"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/data/photo"
	"github.com/aim-go/aim/internal/sizes"
)

// Dataset holds N images in (N, C, H, W) float32 order with optional labels.
type Dataset struct {
	Name       string
	N, C, H, W int
	Images     []float32 // len N*C*H*W; 8-bit sources are scaled to [0,1]
	Labels     []int     // len N, or nil when unlabeled
	Classes    int       // number of classes, 0 when unlabeled
}

// FromPhotos returns the photos of b as an unlabeled Dataset of RGB
// images named "photos", (b.N, 3, b.H, b.W). It shares b's values.
func FromPhotos(b photo.Batch) *Dataset {
	return &Dataset{Name: "photos", N: b.N, C: 3, H: b.H, W: b.W, Images: b.Values}
}

// imageSize returns the number of values in one image.
func (d *Dataset) imageSize() int { return d.C * d.H * d.W }

// Image returns a view of image i: its C*H*W values, channel-planar.
// Writing to the view changes the dataset. Image panics if i is not in
// [0, N).
func (d *Dataset) Image(i int) []float32 {
	if i < 0 || i >= d.N {
		panic(errors.Errorf("data: image index %d out of range [0, %d)", i, d.N))
	}
	n := d.imageSize()
	return d.Images[i*n : (i+1)*n : (i+1)*n]
}

// Subset returns a new dataset holding copies of the images (and labels)
// at the given indices, in that order; an index may repeat. Subset panics
// if an index is not in [0, N).
func (d *Dataset) Subset(idx []int) *Dataset {
	n := d.imageSize()
	s := &Dataset{
		Name: d.Name, N: len(idx), C: d.C, H: d.H, W: d.W,
		Images:  make([]float32, len(idx)*n),
		Classes: d.Classes,
	}
	if d.Labels != nil {
		s.Labels = make([]int, len(idx))
	}
	for j, i := range idx {
		copy(s.Images[j*n:], d.Image(i))
		if d.Labels != nil {
			s.Labels[j] = d.Labels[i]
		}
	}
	return s
}

// Validate reports whether the dataset is consistent: positive C, H and W,
// len(Images) == N*C*H*W, only finite values, and either no labels and
// Classes == 0, or N labels in [0, Classes).
func (d *Dataset) Validate() error {
	if d == nil {
		return errors.New("data: nil dataset")
	}
	name := d.Name
	if name == "" {
		name = "dataset"
	}
	if d.N < 0 || d.C < 1 || d.H < 1 || d.W < 1 {
		return errors.Errorf("%s: invalid shape (N, C, H, W) = (%d, %d, %d, %d)", name, d.N, d.C, d.H, d.W)
	}
	total, ok := sizes.Product(d.N, d.C, d.H, d.W)
	if !ok {
		return errors.Errorf("%s: shape (%d, %d, %d, %d) is too large", name, d.N, d.C, d.H, d.W)
	}
	if len(d.Images) != total {
		return errors.Errorf("%s: %d image values, want N·C·H·W = %d", name, len(d.Images), total)
	}
	if err := d.validateLabels(name); err != nil {
		return err
	}
	for i, v := range d.Images {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return errors.Errorf("%s: image %d holds non-finite value %v", name, i/d.imageSize(), v)
		}
	}
	return nil
}

func (d *Dataset) validateLabels(name string) error {
	if d.Labels == nil {
		if d.Classes != 0 {
			return errors.Errorf("%s: no labels but Classes = %d, want 0", name, d.Classes)
		}
		return nil
	}
	if len(d.Labels) != d.N {
		return errors.Errorf("%s: %d labels for %d images", name, len(d.Labels), d.N)
	}
	if d.Classes < 1 {
		return errors.Errorf("%s: labeled but Classes = %d", name, d.Classes)
	}
	for i, l := range d.Labels {
		if l < 0 || l >= d.Classes {
			return errors.Errorf("%s: label %d of image %d outside [0, %d)", name, l, i, d.Classes)
		}
	}
	return nil
}
