package checkpoint

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"unsafe"

	"github.com/aim-go/aim/internal/parallel"
)

// NonFiniteTensor is a tensor holding NaN or infinite values: the sign of a
// diverged run or a corrupted file.
type NonFiniteTensor struct {
	Name     string
	NaN, Inf int // counts of NaN and of ±Inf values
	Len      int // values in the tensor
}

func (t NonFiniteTensor) String() string {
	return fmt.Sprintf("tensor %s holds %d NaN and %d infinite values (of %d)", t.Name, t.NaN, t.Inf, t.Len)
}

// CountNonFinite counts the NaN and infinite values of a tensor's data,
// on every core for a large tensor.
func CountNonFinite(name string, data []float32) NonFiniteTensor {
	var mu sync.Mutex
	t := NonFiniteTensor{Name: name, Len: len(data)}
	parallel.For(len(data), convertGrain, func(lo, hi int) {
		nan, inf := countNonFinite(data[lo:hi])
		mu.Lock()
		t.NaN, t.Inf = t.NaN+nan, t.Inf+inf
		mu.Unlock()
	})
	return t
}

// NonFinite lists, in name order, the tensors of f that hold NaN or
// infinite values; nil when every value is finite.
func (f *File) NonFinite() []NonFiniteTensor {
	var bad []NonFiniteTensor
	for _, name := range f.Names() {
		data := f.Tensors[name].Data
		nan, inf := countNonFinite(data)
		if nan+inf > 0 {
			bad = append(bad, NonFiniteTensor{Name: name, NaN: nan, Inf: inf, Len: len(data)})
		}
	}
	return bad
}

// countNonFinite counts the NaN and infinite values of data; a first pass
// over the exponent bits finds, quickly, the common case of none.
func countNonFinite(data []float32) (nan, inf int) {
	if !hasNonFinite(data) {
		return 0, 0
	}
	for _, v := range data {
		switch x := float64(v); {
		case math.IsNaN(x):
			nan++
		case math.IsInf(x, 0):
			inf++
		}
	}
	return nan, inf
}

// hasNonFinite reports whether any value of data has an all-ones exponent
// (NaN or ±Inf), testing eight values per step.
func hasNonFinite(data []float32) bool {
	const exp = 0x7f800000
	bits := unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(data))), len(data))
	i := 0
	for ; i+8 <= len(bits); i += 8 {
		b := bits[i : i+8 : i+8]
		if b[0]&exp == exp || b[1]&exp == exp || b[2]&exp == exp || b[3]&exp == exp ||
			b[4]&exp == exp || b[5]&exp == exp || b[6]&exp == exp || b[7]&exp == exp {
			return true
		}
	}
	for ; i < len(bits); i++ {
		if bits[i]&exp == exp {
			return true
		}
	}
	return false
}

// NonFiniteError is the error of CheckFinite: the tensors of a file that
// hold NaN or infinite values.
type NonFiniteError struct {
	Tensors []NonFiniteTensor
}

// nonFiniteListed is how many tensors a NonFiniteError names before it
// only counts the rest.
const nonFiniteListed = 3

func (e *NonFiniteError) Error() string {
	parts := make([]string, 0, nonFiniteListed+1)
	for i, t := range e.Tensors {
		if i == nonFiniteListed {
			parts = append(parts, fmt.Sprintf("and %d more tensors", len(e.Tensors)-i))
			break
		}
		parts = append(parts, t.String())
	}
	return strings.Join(parts, "; ")
}

// CheckFinite returns a *NonFiniteError naming the tensors of f that hold
// NaN or infinite values, and nil when every value is finite.
func (f *File) CheckFinite() error {
	if bad := f.NonFinite(); len(bad) > 0 {
		return &NonFiniteError{Tensors: bad}
	}
	return nil
}
