package ops

import (
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/blas"
)

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

// elements returns how many leading values of a tensor of the shape the
// operation processes: those of the limited rows of a matrix, else all.
func (l rowLimit) elements(shape tensor.Shape) int {
	if shape.Dims() == 2 {
		return l.limit(shape[0]) * shape[1]
	}
	return shape.TotalSize()
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
