package ops

import (
	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// normGrad is what the gradient ops of the row norms (LayerNorm, RMSNorm)
// share: inputs x (N, D), the scale (D) and dy (N, D); output dx, or the
// scale's gradient when param is set.
type normGrad struct {
	base
	param bool
	out   buffer
}

func (op *normGrad) Arity() int      { return 3 }
func (op *normGrad) output() *buffer { return &op.out }
func (op *normGrad) Type() hm.Type {
	if op.param {
		return fnType(2, 1, 2, 1)
	}
	return fnType(2, 1, 2, 2)
}

func (op *normGrad) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ds)
	if err != nil {
		return nil, err
	}
	if op.param {
		return s[1].Clone(), nil
	}
	return s[0].Clone(), nil
}

// alloc returns the output for n rows of width d: (D) or (N, D).
func (op *normGrad) alloc(dt tensor.Dtype, n, d int) *tensor.Dense {
	if op.param {
		return op.out.get(dt, d)
	}
	return op.out.get(dt, n, d)
}

func (op *normGrad) DiffWRT(int) []bool { return []bool{false, false, false} }
func (op *normGrad) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.Errorf("%s: second derivatives are not supported", op.desc)
}
