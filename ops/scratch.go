package ops

import (
	"github.com/aim-go/aim/internal/scratch"
	"github.com/aim-go/aim/ops/internal/kit"
)

// Free lists of work buffers that outlive the call using them (see package
// scratch).
var (
	scratch32 scratch.List[float32]
	scratch64 scratch.List[float64]
)

// scratchFor returns the free list for buffers of T: nil, which allocates
// every time, for types other than float32 and float64.
func scratchFor[T kit.Float]() *scratch.List[T] {
	if l, ok := any(&scratch32).(*scratch.List[T]); ok {
		return l
	}
	l, _ := any(&scratch64).(*scratch.List[T])
	return l
}
