package model

import (
	"github.com/pkg/errors"

	"github.com/aim-go/aim/data"
)

// Images returns images first … first+n−1 of d as model input (n, C, H, W),
// with the input normalisation the checkpoint records applied (pixels as
// they are for a checkpoint without one). d's images must have the model's
// channels; their size may differ from the model's if its patches tile it.
func (m *Model) Images(d *data.Dataset, first, n int) (*Tensor, error) {
	if d == nil {
		return nil, errors.New("no dataset")
	}
	if first < 0 || n < 1 || first > d.N-n {
		return nil, errors.Errorf("images %d … %d of a dataset of %d", first, first+n-1, d.N)
	}
	if d.C != m.trunk.Config.Channels {
		return nil, errors.Errorf("dataset %q has %d channels, the model %d", d.Name, d.C, m.trunk.Config.Channels)
	}
	size := d.C * d.H * d.W
	x := &Tensor{Shape: []int{n, d.C, d.H, d.W}, Data: append([]float32(nil), d.Images[first*size:(first+n)*size]...)}
	m.normalizeInPlace(x)
	return x, nil
}

// Normalize returns a copy of images x (N, C, H, W), pixels in [0, 1],
// with the checkpoint's input normalisation applied (a plain copy for a
// checkpoint without one).
func (m *Model) Normalize(x *Tensor) (*Tensor, error) {
	if err := x.checkImages(); err != nil {
		return nil, err
	}
	if x.Normalized {
		return nil, errors.New("the images are normalised already")
	}
	if x.Shape[1] != m.trunk.Config.Channels {
		return nil, errors.Errorf("images of %d channels for a model of %d", x.Shape[1], m.trunk.Config.Channels)
	}
	out := &Tensor{Shape: append([]int(nil), x.Shape...), Data: append([]float32(nil), x.Data...)}
	m.normalizeInPlace(out)
	return out, nil
}

// normalizeInPlace applies the recorded normalisation to x and marks it.
func (m *Model) normalizeInPlace(x *Tensor) {
	x.Normalized = true
	if m.norm == nil {
		return
	}
	c, plane := x.Shape[1], x.Shape[2]*x.Shape[3]
	for i := range x.Data {
		ch := i / plane % c
		x.Data[i] = (x.Data[i] - m.norm.Mean[ch]) / m.norm.Std[ch]
	}
}
