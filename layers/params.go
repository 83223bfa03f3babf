package layers

import (
	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/internal/half"
	"github.com/aim-go/aim/internal/offheap"
)

// Params is an ordered store of named parameter tensors, shared by every
// graph built from it: an optimiser step on the store is seen by all of them.
type Params struct {
	dtype  tensor.Dtype
	names  []string
	byName map[string]*tensor.Dense
	half   map[string]halfWeights // weights held as 16-bit values (see SetHalf)
	linear map[string]bool        // the weights of linear layers (Builder.LinearWeight)
	prec   blas.Precision         // how graphs built on the store multiply
	// packed are the bf16 copies of linear weights, shared by every graph
	// built on the store (Packed)
	packed map[string]*blas.PackedWeights
}

// Packed returns the bf16 copy of the named linear weights that every
// graph built on the store multiplies with in bf16 precision (ops.Packed),
// made on first use.
func (p *Params) Packed(name string) *blas.PackedWeights {
	if p.packed == nil {
		p.packed = map[string]*blas.PackedWeights{}
	}
	w := p.packed[name]
	if w == nil {
		w = &blas.PackedWeights{}
		p.packed[name] = w
	}
	return w
}

// IsLinear reports whether the named tensor is a linear layer's weights
// (Builder.LinearWeight).
func (p *Params) IsLinear(name string) bool { return p.linear[name] }

// SetPrecision makes the matrix products of graphs built on the store from
// now on compute in precision p (ops.InPrecision): bf16 rounds their
// inputs to bfloat16. It needs a float32 store, and for bf16 oneDNN (see
// blas.CheckPrecision).
func (p *Params) SetPrecision(prec blas.Precision) error {
	if prec != blas.PrecisionF32 && p.dtype != tensor.Float32 {
		return errors.Errorf("%v products need float32 parameters, not %v", prec, p.dtype)
	}
	if err := blas.CheckPrecision(prec); err != nil {
		return err
	}
	p.prec = prec
	return nil
}

// Precision returns the precision of the store's products (SetPrecision).
func (p *Params) Precision() blas.Precision { return p.prec }

// NewParams returns an empty store of float32 or float64 tensors.
func NewParams(dtype tensor.Dtype) *Params {
	return &Params{dtype: dtype, byName: map[string]*tensor.Dense{}}
}

// Dtype returns the element type of the stored tensors.
func (p *Params) Dtype() tensor.Dtype { return p.dtype }

// Names returns the parameter names in creation order.
func (p *Params) Names() []string { return append([]string(nil), p.names...) }

// Get returns the named tensor, or nil.
func (p *Params) Get(name string) *tensor.Dense { return p.byName[name] }

// Len returns the number of tensors.
func (p *Params) Len() int { return len(p.names) }

// Count returns the number of scalar parameters.
func (p *Params) Count() int {
	n := 0
	for _, t := range p.byName {
		n += t.Shape().TotalSize()
	}
	return n
}

// Set stores t under name, replacing an earlier tensor of the same shape
// (and its 16-bit values, if it was stored with SetHalf).
func (p *Params) Set(name string, t *tensor.Dense) error {
	if t.Dtype() != p.dtype {
		return errors.Errorf("parameter %s is %v, the store holds %v", name, t.Dtype(), p.dtype)
	}
	if old, ok := p.byName[name]; ok {
		if !old.Shape().Eq(t.Shape()) {
			return errors.Errorf("parameter %s has shape %v, expected %v", name, t.Shape(), old.Shape())
		}
	} else {
		p.names = append(p.names, name)
	}
	p.byName[name] = t
	delete(p.half, name)
	return nil
}

// halfWeights are weights held as 16-bit values of a format.
type halfWeights struct {
	format blas.Half
	bits   []uint16
}

// SetHalf stores under name weights held as 16-bit values of format h (BF16
// or F16), which a float32 store's linear layers use in place
// (ops.LinearHalf): a model for inference in half the memory, straight
// from a BF16 or F16 file. standIn, a float32 tensor of their shape whose
// data are never read (see offheap.Reserved), is what Get returns for
// them. Such weights cannot be trained: graphs with gradients through them
// fail to build.
func (p *Params) SetHalf(name string, standIn *tensor.Dense, h blas.Half, bits []uint16) error {
	if p.dtype != tensor.Float32 {
		return errors.Errorf("parameter %s: %v weights need a float32 store, not %v", name, h, p.dtype)
	}
	if !h.Valid() {
		return errors.Errorf("parameter %s: unknown 16-bit format %v", name, h)
	}
	if standIn.Shape().TotalSize() != len(bits) {
		return errors.Errorf("parameter %s: %d %v values for shape %v", name, len(bits), h, standIn.Shape())
	}
	if err := p.Set(name, standIn); err != nil {
		return err
	}
	if p.half == nil {
		p.half = map[string]halfWeights{}
	}
	p.half[name] = halfWeights{h, bits}
	return nil
}

// Half returns the format and values of weights stored with SetHalf, and
// nil values for other tensors.
func (p *Params) Half(name string) (blas.Half, []uint16) {
	w := p.half[name]
	return w.format, w.bits
}

// LinearWeights returns the names of the linear layers' weights, in creation
// order: the tensors that SetHalf may hold as 16-bit values.
func (p *Params) LinearWeights() []string {
	var names []string
	for _, name := range p.names {
		if p.linear[name] {
			names = append(names, name)
		}
	}
	return names
}

// HoldHalf rounds the linear layers' float32 weights to 16-bit values of
// format h (to nearest, ties to even) and holds them as such (SetHalf), the
// stand-ins being reserved address space (offheap.Reserved): the model as it
// would be read from a BF16 or F16 file, for inference only. The returned
// function releases the stand-ins; call it when the store is no longer used.
func (p *Params) HoldHalf(h blas.Half) (release func(), err error) {
	switch {
	case p.dtype != tensor.Float32:
		return nil, errors.Errorf("holding weights as %v: a float32 store is needed, not %v", h, p.dtype)
	case !h.Valid():
		return nil, errors.Errorf("holding weights: unknown 16-bit format %v", h)
	}
	narrow := half.ToF16
	if h == blas.BF16 {
		narrow = half.ToBF16
	}
	var releases []func()
	release = func() {
		for _, f := range releases {
			f()
		}
	}
	for _, name := range p.LinearWeights() {
		if _, bits := p.Half(name); bits != nil {
			continue
		}
		vals := p.Float32s(name)
		bits := make([]uint16, len(vals))
		for i, v := range vals {
			bits[i] = narrow(v)
		}
		standIn, free, err := offheap.Reserved(len(bits))
		if err != nil {
			release()
			return nil, errors.Wrapf(err, "parameter %s", name)
		}
		releases = append(releases, free)
		shape := p.byName[name].Shape()
		if err := p.SetHalf(name, tensor.New(tensor.WithShape(shape...), tensor.WithBacking(standIn)), h, bits); err != nil {
			release()
			return nil, err
		}
	}
	return release, nil
}

// HalfCounts returns how many tensors are held as 16-bit values (SetHalf),
// by format.
func (p *Params) HalfCounts() map[blas.Half]int {
	counts := map[blas.Half]int{}
	for _, w := range p.half {
		counts[w.format]++
	}
	return counts
}

// Float32s returns the data of the named tensor as float32 values: a copy
// when the store holds float64 or the weights as 16-bit values (SetHalf).
func (p *Params) Float32s(name string) []float32 {
	if w, ok := p.half[name]; ok {
		out := make([]float32, len(w.bits))
		blas.Widen(w.format, out, w.bits)
		return out
	}
	t := p.byName[name]
	if t == nil {
		return nil
	}
	switch d := t.Data().(type) {
	case []float32:
		return d
	case []float64:
		out := make([]float32, len(d))
		for i, v := range d {
			out[i] = float32(v)
		}
		return out
	}
	return nil
}
