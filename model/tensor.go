package model

import (
	"image"
	"math"
	"slices"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/data/photo"
)

// Tensor is a row-major float32 array that carries its shape. Normalized
// says that images have the input normalisation of the model they are for
// (Preprocess, LoadImages, Model.Images and Model.Normalize set it).
type Tensor struct {
	Shape      []int
	Data       []float32
	Normalized bool
}

// Len returns the number of values the shape holds.
func (t *Tensor) Len() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Row returns a view of the i-th sub-array along the first axis (an image
// of a batch, the features of an image, …).
func (t *Tensor) Row(i int) []float32 {
	size := t.Len() / t.Shape[0]
	return t.Data[i*size : (i+1)*size]
}

// checkImages reports a tensor that is not a batch of images (N, C, H, W).
func (t *Tensor) checkImages() error {
	if t == nil || len(t.Shape) != 4 || t.Shape[0] < 1 {
		return errors.Errorf("images must be a tensor of shape (N, C, H, W) with N ≥ 1, got %v", shapeOf(t))
	}
	if t.Len() != len(t.Data) {
		return errors.Errorf("images of shape %v hold %d values, want %d", t.Shape, len(t.Data), t.Len())
	}
	return nil
}

func shapeOf(t *Tensor) []int {
	if t == nil {
		return nil
	}
	return t.Shape
}

// Preprocess turns an image into model input with ml-aim's evaluation
// transform: shorter side resized to 256 with Pillow's bicubic filter,
// centre crop 224, scaled to [0, 1], normalised with the ImageNet mean and
// standard deviation. The result is (3, 224, 224).
func Preprocess(img image.Image) (*Tensor, error) {
	x, err := photo.EvalTransform().Apply(img)
	if err != nil {
		return nil, err
	}
	return &Tensor{Shape: []int{3, 224, 224}, Data: x, Normalized: true}, nil
}

// LoadImages reads PNG and JPEG files, and folders of them (searched
// recursively, in sorted order), through Preprocess, as a batch
// (N, 3, 224, 224), with the file of each image. A file that cannot be
// read is an error naming it.
func LoadImages(paths ...string) (*Tensor, []string, error) {
	return loadImages(paths, photo.Options{})
}

func loadImages(paths []string, opt photo.Options) (*Tensor, []string, error) {
	p, err := photo.ReadAll(paths, opt)
	if err != nil {
		return nil, nil, err
	}
	return &Tensor{Shape: []int{p.Images.N, 3, p.Images.H, p.Images.W}, Data: p.Images.Values, Normalized: true}, p.Paths, nil
}

// Stack joins tensors of one shape into a batch along a new first axis.
func Stack(ts ...*Tensor) (*Tensor, error) {
	if len(ts) == 0 {
		return nil, errors.New("nothing to stack")
	}
	out := &Tensor{Shape: append([]int{len(ts)}, ts[0].Shape...), Normalized: ts[0].Normalized}
	for i, t := range ts {
		if !slices.Equal(t.Shape, ts[0].Shape) {
			return nil, errors.Errorf("tensor %d has shape %v, tensor 0 %v", i, t.Shape, ts[0].Shape)
		}
		if t.Normalized != ts[0].Normalized {
			return nil, errors.Errorf("tensor %d is normalised and tensor 0 is not, or the other way round", i)
		}
		out.Data = append(out.Data, t.Data...)
	}
	return out, nil
}

// Cosine returns the cosine similarity of two vectors of one length (0
// when either is zero).
func Cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}
