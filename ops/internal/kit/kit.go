package kit

import (
	"hash"
	"hash/fnv"
	"io"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Float is the element type the kernels are written for.
type Float interface{ ~float32 | ~float64 }

// Base carries the parts of gorgonia.Op that are the same for every
// operation built with this kit. Desc names the operation with all of its
// parameters: it is what WriteHash hashes, so two nodes are merged by the
// graph only when they really compute the same thing.
type Base struct {
	Desc string
}

func (b Base) ReturnsPtr() bool      { return false }
func (b Base) ours()                 {}
func (b Base) CallsExtern() bool     { return false }
func (b Base) OverwritesInput() int  { return -1 }
func (b Base) String() string        { return b.Desc }
func (b Base) WriteHash(h hash.Hash) { _, _ = io.WriteString(h, b.Desc) }
func (b Base) Hashcode() uint32 {
	h := fnv.New32a()
	b.WriteHash(h)
	return h.Sum32()
}

// ours marks the operations built with this kit (those that embed Base).
type ours interface{ ours() }

// Ours reports whether op is an operation built with this kit. Such an
// operation never writes into its inputs, unlike Gorgonia's own
// operations, which may overwrite an input in place.
func Ours(op G.Op) bool {
	_, ok := op.(ours)
	return ok
}

// Planned is an operation whose output buffer a memory planner may share
// with those of other operations.
type Planned interface {
	Output() *Buffer
}

// InPlace marks an elementwise operation of one input that may write its
// output over its input, when nothing reads the input afterwards: a memory
// planner then gives both one buffer.
type InPlace interface {
	InPlace() bool
}

// FnType builds the type of an operation from the ranks of its inputs and of
// its output; rank 0 is a scalar.
func FnType(ranks ...int) hm.Type {
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

// Shapes converts the DimSizers Gorgonia passes to InferShape.
func Shapes(ds []G.DimSizer) ([]tensor.Shape, error) {
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

// DataOf returns the backing slice of a tensor value.
func DataOf[T Float](v G.Value) []T {
	d, _ := v.Data().([]T)
	return d
}

// ScalarOf reads a scalar value (a gradient seed, for instance) as float64.
func ScalarOf(v G.Value) (float64, error) {
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

// DtypeOf returns the element type shared by the inputs, or an error naming
// the op when they disagree or are not float32/float64.
func DtypeOf(op string, vs ...G.Value) (tensor.Dtype, error) {
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

// CheckInputs checks the number of inputs an op receives and returns their
// common element type.
func CheckInputs(op string, vs []G.Value, arity int) (tensor.Dtype, error) {
	if err := CheckArity(op, len(vs), arity); err != nil {
		return tensor.Dtype{}, err
	}
	return DtypeOf(op, vs...)
}

// CheckArity fails when an op receives the wrong number of inputs.
func CheckArity(op string, got, want int) error {
	if got != want {
		return errors.Errorf("%s: got %d inputs, expected %d", op, got, want)
	}
	return nil
}

// SameShape returns the one shape of inputs that must all have it, or an
// error naming the op and the first shape that differs.
func SameShape(op string, ds []G.DimSizer) (tensor.Shape, error) {
	s, err := Shapes(ds)
	if err != nil {
		return nil, err
	}
	for _, x := range s[1:] {
		if !x.Eq(s[0]) {
			return nil, errors.Errorf("%s: shapes %v and %v differ", op, s[0], x)
		}
	}
	return s[0].Clone(), nil
}
