package ops

import (
	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/ops/internal/kit"
)

// normGrad is what the gradient ops of the row norms (LayerNorm, RMSNorm)
// share: inputs x (N, D), the scale (D) and dy (N, D); output dx, or the
// scale's gradient when param is set.
type normGrad struct {
	kit.Base
	param bool
	out   kit.Buffer
}

func (op *normGrad) Arity() int          { return 3 }
func (op *normGrad) Output() *kit.Buffer { return &op.out }
func (op *normGrad) Type() hm.Type {
	if op.param {
		return kit.FnType(2, 1, 2, 1)
	}
	return kit.FnType(2, 1, 2, 2)
}

func (op *normGrad) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	s, err := kit.Shapes(ds)
	if err != nil {
		return nil, err
	}
	if op.param {
		return s[1].Clone(), nil
	}
	return s[0].Clone(), nil
}

// begin checks the inputs of a run whose forward op recorded the statistics
// of statRows rows, and returns their element type and the output: (D) or
// (N, D).
func (op *normGrad) begin(vs []G.Value, statRows int) (tensor.Dtype, *tensor.Dense, error) {
	dt, err := kit.CheckInputs(op.Desc, vs, 3)
	if err != nil {
		return dt, nil, err
	}
	n, d := vs[0].Shape()[0], vs[0].Shape()[1]
	if statRows != n {
		return dt, nil, errors.Errorf("%s: the forward pass has not run on %d rows", op.Desc, n)
	}
	if op.param {
		return dt, op.out.Get(dt, d), nil
	}
	return dt, op.out.Get(dt, n, d), nil
}

func (op *normGrad) DiffWRT(int) []bool { return []bool{false, false, false} }
func (op *normGrad) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.Errorf("%s: second derivatives are not supported", op.Desc)
}
