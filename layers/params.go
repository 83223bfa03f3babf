// Package layers holds the reusable constructors the AIM model is assembled
// from: Linear, LayerNorm, the MLP, multi-head self-attention under a prefix
// mask, the pre-norm transformer block, the patch embedding, the fixed 2D
// sin-cos position embedding and the residual MLP block of the prediction
// head.
//
// A constructor takes a Builder and a name, and owns the parameters it
// creates under that name; the names are those of ml-aim's PyTorch state
// dict ("trunk.blocks.0.attn.qkv.weight"), so a Params store is a checkpoint.
// Layers compute through package ops, so each can be replaced by a faster
// kernel without touching the model code.
package layers

import (
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// Params is an ordered store of named parameter tensors, shared by every
// graph built from it: an optimiser step on the store is seen by all of them.
type Params struct {
	dtype  tensor.Dtype
	names  []string
	byName map[string]*tensor.Dense
}

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

// Set stores t under name, replacing an earlier tensor of the same shape.
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
	return nil
}

// Float32s returns the data of the named tensor as float32 values (a copy
// when the store holds float64).
func (p *Params) Float32s(name string) []float32 {
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
