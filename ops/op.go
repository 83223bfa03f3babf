package ops

import (
	"hash"
	"hash/fnv"
	"io"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/internal/offheap"
)

// Float is the element type the kernels are written for.
type Float interface{ ~float32 | ~float64 }

// base carries the parts of gorgonia.Op that are the same for every
// operation of this package. desc names the operation with all of its
// parameters: it is what WriteHash hashes, so two nodes are merged by the
// graph only when they really compute the same thing.
type base struct {
	desc string
}

// rowLimit limits an operation to the rows of a Rows set (nil: every row).
type rowLimit struct {
	rows *Rows
}

// limit returns how many of total rows the operation processes.
func (l rowLimit) limit(total int) int {
	if l.rows == nil {
		return total
	}
	return min(len(l.rows.index), total)
}

// tag marks a description with the row limit, so that the graph does not
// merge a limited operation with an unlimited one.
func (l rowLimit) tag(desc string) string {
	if l.rows == nil {
		return desc
	}
	return desc + "[rows]"
}

// Option modifies an operation when it is added to a graph.
type Option func(*settings)

// settings are what options set.
type settings struct {
	rowLimit
	precision blas.Precision
	packed    *blas.PackedWeights
}

// Packed makes a linear layer in bf16 precision multiply with w, a bf16
// copy of its weights that other layers with the same weights (in other
// graphs) share, instead of one of its own. Other operations ignore it.
func Packed(w *blas.PackedWeights) Option { return func(s *settings) { s.packed = w } }

// OnRows limits an operation, and those of its backward pass, to the rows of
// r: the first r.Len() rows of its inputs and output; later rows are neither
// read nor written. See Rows.
func OnRows(r *Rows) Option { return func(s *settings) { s.rows = r } }

// InPrecision makes the matrix products of an operation on float32 values,
// and those of its backward pass, compute in precision p (see
// blas.Precision: in bf16 their inputs are rounded to bfloat16). Operations
// without matrix products, and float64 graphs, ignore it.
func InPrecision(p blas.Precision) Option { return func(s *settings) { s.precision = p } }

// Combine returns the option that applies opts in turn.
func Combine(opts ...Option) Option {
	return func(s *settings) {
		for _, o := range opts {
			if o != nil {
				o(s)
			}
		}
	}
}

// settingsOf applies options.
func settingsOf(opts []Option) settings {
	var s settings
	for _, o := range opts {
		if o != nil {
			o(&s)
		}
	}
	return s
}

// limitOf returns the row limit options set.
func limitOf(opts []Option) rowLimit { return settingsOf(opts).rowLimit }

// precisionTag marks a description with a precision other than f32, so
// that the graph does not merge operations that compute differently.
func precisionTag(desc string, p blas.Precision) string {
	if p == blas.PrecisionF32 {
		return desc
	}
	return desc + "{" + p.String() + "}"
}

func (b base) ReturnsPtr() bool      { return false }
func (b base) thisPackage()          {}
func (b base) CallsExtern() bool     { return false }
func (b base) OverwritesInput() int  { return -1 }
func (b base) String() string        { return b.desc }
func (b base) WriteHash(h hash.Hash) { _, _ = io.WriteString(h, b.desc) }
func (b base) Hashcode() uint32 {
	h := fnv.New32a()
	b.WriteHash(h)
	return h.Sum32()
}

// fnType builds the type of an operation from the ranks of its inputs and of
// its output; rank 0 is a scalar.
func fnType(ranks ...int) hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, len(ranks))
	for i, r := range ranks {
		if r == 0 {
			ts[i] = a
		} else {
			ts[i] = G.TensorType{Dims: r, Of: a}
		}
	}
	return hm.NewFnType(ts...)
}

// shapes converts the DimSizers Gorgonia passes to InferShape.
func shapes(ds []G.DimSizer) ([]tensor.Shape, error) {
	out := make([]tensor.Shape, len(ds))
	for i, d := range ds {
		s, ok := d.(tensor.Shape)
		if !ok {
			return nil, errors.Errorf("input %d has no tensor shape", i)
		}
		out[i] = s
	}
	return out, nil
}

// buffer is an output tensor an operation keeps from one run to the next.
// Its memory may be shared with the outputs of other operations whose
// values are never live at the same time (see PlanMemory).
type buffer struct {
	s   *storage
	t   *tensor.Dense
	gen int
}

// storage is memory shared by buffers. gen changes whenever the memory is
// reallocated, so buffers know to rebuild their tensor headers.
type storage struct {
	dtype tensor.Dtype
	data  any // []float32 or []float64
	size  int
	gen   int
}

// get returns the buffer as a tensor of the given type and shape, allocating
// memory the first time and whenever more is needed.
func (b *buffer) get(dt tensor.Dtype, shape ...int) *tensor.Dense {
	if b.s == nil {
		b.s = &storage{}
	}
	n := tensor.Shape(shape).TotalSize()
	s := b.s
	if s.data == nil || s.dtype != dt || s.size < n {
		s.dtype, s.size, s.gen = dt, n, s.gen+1
		if dt == tensor.Float32 {
			s.data = offheap.HugeSlice[float32](n)
		} else {
			s.data = offheap.HugeSlice[float64](n)
		}
	}
	if b.t == nil || b.gen != s.gen || !b.t.Shape().Eq(tensor.Shape(shape)) {
		var backing any
		switch d := s.data.(type) {
		case []float32:
			backing = d[:n]
		case []float64:
			backing = d[:n]
		}
		b.t = tensor.New(tensor.WithShape(shape...), tensor.WithBacking(backing))
		b.gen = s.gen
	}
	return b.t
}

// dataOf returns the backing slice of a tensor value.
func dataOf[T Float](v G.Value) []T {
	d, _ := v.Data().([]T)
	return d
}

// scalarOf reads a scalar value (a gradient seed, for instance) as float64.
func scalarOf(v G.Value) (float64, error) {
	switch s := v.(type) {
	case *G.F32:
		return float64(*s), nil
	case *G.F64:
		return float64(*s), nil
	case tensor.Tensor:
		if s.Shape().TotalSize() == 1 {
			switch d := s.Data().(type) {
			case []float32:
				return float64(d[0]), nil
			case []float64:
				return d[0], nil
			case float32:
				return float64(d), nil
			case float64:
				return d, nil
			}
		}
	}
	return 0, errors.Errorf("expected a scalar, got %T", v)
}

// dtypeOf returns the element type shared by the inputs, or an error naming
// the op when they disagree or are not float32/float64.
func dtypeOf(op string, vs ...G.Value) (tensor.Dtype, error) {
	var dt tensor.Dtype
	for i, v := range vs {
		t, ok := v.(tensor.Tensor)
		if !ok {
			continue
		}
		if t.Dtype() != tensor.Float32 && t.Dtype() != tensor.Float64 {
			return dt, errors.Errorf("%s: input %d is %v; expected float32 or float64", op, i, t.Dtype())
		}
		if dt != (tensor.Dtype{}) && t.Dtype() != dt {
			return dt, errors.Errorf("%s: input %d is %v, input 0 is %v", op, i, t.Dtype(), dt)
		}
		dt = t.Dtype()
	}
	return dt, nil
}

// checkInputs checks the number of inputs an op receives and returns their
// common element type.
func checkInputs(op string, vs []G.Value, arity int) (tensor.Dtype, error) {
	if err := checkArity(op, len(vs), arity); err != nil {
		return tensor.Dtype{}, err
	}
	return dtypeOf(op, vs...)
}

// checkArity fails when an op receives the wrong number of inputs.
func checkArity(op string, got, want int) error {
	if got != want {
		return errors.Errorf("%s: got %d inputs, expected %d", op, got, want)
	}
	return nil
}
