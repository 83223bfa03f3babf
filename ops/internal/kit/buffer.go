package kit

import (
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/internal/offheap"
)

// Buffer is an output tensor an operation keeps from one run to the next.
// Its memory may be shared with the outputs of other operations whose
// values are never live at the same time (see Share).
type Buffer struct {
	s   *Storage
	t   *tensor.Dense
	gen int
}

// Storage is memory shared by buffers. gen changes whenever the memory is
// reallocated, so buffers know to rebuild their tensor headers.
type Storage struct {
	dtype tensor.Dtype
	data  any // []float32 or []float64
	size  int
	gen   int
}

// Share makes the buffer use s, memory it shares with other buffers, from
// its next Get on.
func (b *Buffer) Share(s *Storage) { *b = Buffer{s: s} }

// Tensor returns the tensor the last Get returned, or nil before the first.
func (b *Buffer) Tensor() *tensor.Dense { return b.t }

// Get returns the buffer as a tensor of the given type and shape, allocating
// memory the first time and whenever more is needed.
func (b *Buffer) Get(dt tensor.Dtype, shape ...int) *tensor.Dense {
	if b.s == nil {
		b.s = &Storage{}
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
