package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/ops/internal/kit"
)

// Rows is a set of rows chosen before each run of a graph: the rows of a
// (B·K, ·) token matrix that a per-token computation is needed for. AIM's
// prediction head runs on each token on its own, and only the tokens whose
// target patch counts in the loss (those after the prefix, except the last)
// are worth predicting: about half of them. GatherRows packs those rows to
// the front of a matrix of the same shape, and the operations added with
// OnRows work on that front only, so the head costs half as much while the
// loss and every gradient stay exactly what they would be on all rows.
type Rows struct {
	index []int
}

// NewRows returns an empty set.
func NewRows() *Rows { return &Rows{} }

// Set chooses the rows of the next runs: row r of a gathered matrix is row
// index[r] of its source. index is copied.
func (r *Rows) Set(index []int) { r.index = append(r.index[:0], index...) }

// Len returns the number of rows chosen.
func (r *Rows) Len() int { return len(r.index) }

// GatherRows returns a matrix of x's shape whose first rows.Len() rows are
// the chosen rows of x (later rows are unspecified). Its gradient scatters
// back: each chosen row of x receives the gradient of its gathered row, the
// others zero.
func GatherRows(x *G.Node, rows *Rows) (*G.Node, error) {
	if rows == nil {
		return nil, errors.New("GatherRows: no rows")
	}
	return G.ApplyOp(&gatherOp{Base: kit.Base{Desc: fmt.Sprintf("GatherRows{%p}", rows)}, rowLimit: rowLimit{rows}}, x)
}

// gatherOp gathers rows forward, or scatters them (the gradient) when
// scatter is set.
type gatherOp struct {
	kit.Base
	rowLimit
	scatter bool
	out     kit.Buffer
}

func (op *gatherOp) Arity() int          { return 1 }
func (op *gatherOp) Output() *kit.Buffer { return &op.out }
func (op *gatherOp) Type() hm.Type       { return kit.FnType(2, 2) }
func (op *gatherOp) DiffWRT(int) []bool  { return []bool{!op.scatter} }
func (op *gatherOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	s, err := kit.Shapes(ds)
	if err != nil {
		return nil, err
	}
	if s[0].Dims() != 2 {
		return nil, errors.Errorf("%s: expected a matrix, got %v", op.Desc, s[0])
	}
	return s[0].Clone(), nil
}

func (op *gatherOp) Do(vs ...G.Value) (G.Value, error) {
	dt, err := kit.CheckInputs(op.Desc, vs, 1)
	if err != nil {
		return nil, err
	}
	n, d := vs[0].Shape()[0], vs[0].Shape()[1]
	for _, src := range op.rows.index {
		if src < 0 || src >= n {
			return nil, errors.Errorf("%s: row %d of a %d-row matrix", op.Desc, src, n)
		}
	}
	if len(op.rows.index) > n {
		return nil, errors.Errorf("%s: %d rows chosen from %d", op.Desc, len(op.rows.index), n)
	}
	out := op.out.Get(dt, n, d)
	if dt == tensor.Float32 {
		moveRows(op.scatter, op.rows.index, d, kit.DataOf[float32](vs[0]), out.Float32s())
	} else {
		moveRows(op.scatter, op.rows.index, d, kit.DataOf[float64](vs[0]), out.Float64s())
	}
	return out, nil
}

// moveRows copies row index[r] of x to row r of out (gather), or adds row r
// of x to row index[r] of a zeroed out (scatter).
func moveRows[T kit.Float](scatter bool, index []int, d int, x, out []T) {
	if !scatter {
		for r, src := range index {
			copy(out[r*d:(r+1)*d], x[src*d:(src+1)*d])
		}
		return
	}
	clear(out)
	for r, dst := range index {
		o, g := out[dst*d:(dst+1)*d], x[r*d:(r+1)*d]
		for j, v := range g {
			o[j] += v
		}
	}
}

func (op *gatherOp) SymDiff(_ G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if op.scatter {
		return nil, errors.New("GatherRows: second derivatives are not supported")
	}
	back := &gatherOp{Base: kit.Base{Desc: op.Desc + ".scatter"}, rowLimit: op.rowLimit, scatter: true}
	dx, err := G.ApplyOp(back, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}
