package ops

import (
	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/ops/internal/kit"
)

// WeightedMSE returns Σ_r w_r·mean_c (pred_rc − target_rc)² / Σ_r w_r for
// pred and target (R, C) and row weights w (R): the squared error of each row
// averaged over its C values, then averaged over the rows with weight 1 (rows
// with weight 0 do not count). It is 0 when no row counts. Only pred receives
// a gradient.
func WeightedMSE(pred, target, weight *G.Node, opts ...Option) (*G.Node, error) {
	l := limitOf(opts)
	return G.ApplyOp(&mseOp{Base: kit.Base{Desc: l.tag("WeightedMSE")}, rowLimit: l}, pred, target, weight)
}

type mseOp struct {
	kit.Base
	rowLimit
}

func (op *mseOp) Arity() int         { return 3 }
func (op *mseOp) Type() hm.Type      { return kit.FnType(2, 2, 1, 0) }
func (op *mseOp) DiffWRT(int) []bool { return []bool{true, false, false} }

func (op *mseOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	s, err := kit.Shapes(ds)
	if err != nil {
		return nil, err
	}
	if s[0].Dims() != 2 || !s[0].Eq(s[1]) || s[2].TotalSize() != s[0][0] {
		return nil, errors.Errorf("WeightedMSE: prediction %v, target %v and weights %v do not match", s[0], s[1], s[2])
	}
	return tensor.ScalarShape(), nil
}

func (op *mseOp) Do(vs ...G.Value) (G.Value, error) {
	dt, err := kit.CheckInputs("WeightedMSE", vs, 3)
	if err != nil {
		return nil, err
	}
	c, n := vs[0].Shape()[1], op.limit(vs[0].Shape()[0])
	if dt == tensor.Float32 {
		return G.NewF32(float32(weightedMSE(kit.DataOf[float32](vs[0]), kit.DataOf[float32](vs[1]), kit.DataOf[float32](vs[2])[:n], c))), nil
	}
	return G.NewF64(weightedMSE(kit.DataOf[float64](vs[0]), kit.DataOf[float64](vs[1]), kit.DataOf[float64](vs[2])[:n], c)), nil
}

func weightedMSE[T kit.Float](pred, target, w []T, c int) float64 {
	var total, count float64
	for r, wr := range w {
		if wr == 0 {
			continue
		}
		var se float64
		p, t := pred[r*c:(r+1)*c], target[r*c:(r+1)*c]
		for j, v := range p {
			d := float64(v) - float64(t[j])
			se += d * d
		}
		total += float64(wr) * se / float64(c)
		count += float64(wr)
	}
	if count == 0 {
		return 0
	}
	return total / count
}

func (op *mseOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(&mseGradOp{Base: kit.Base{Desc: op.tag("WeightedMSE.dpred")}, rowLimit: op.rowLimit}, inputs[0], inputs[1], inputs[2], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{d, nil, nil}, nil
}

// mseGradOp computes dpred = g·2·w_r·(pred − target)/(C·Σw).
type mseGradOp struct {
	kit.Base
	rowLimit
	out kit.Buffer
}

func (op *mseGradOp) Arity() int          { return 4 }
func (op *mseGradOp) Output() *kit.Buffer { return &op.out }
func (op *mseGradOp) Type() hm.Type       { return kit.FnType(2, 2, 1, 0, 2) }
func (op *mseGradOp) DiffWRT(int) []bool  { return []bool{false, false, false, false} }
func (op *mseGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	s, err := kit.Shapes(ds)
	if err != nil {
		return nil, err
	}
	return s[0].Clone(), nil
}

func (op *mseGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.New("WeightedMSE: second derivatives are not supported")
}

func (op *mseGradOp) Do(vs ...G.Value) (G.Value, error) {
	dt, err := kit.CheckInputs(op.Desc, vs, 4)
	if err != nil {
		return nil, err
	}
	g, err := kit.ScalarOf(vs[3])
	if err != nil {
		return nil, errors.Wrap(err, op.Desc)
	}
	out := op.out.Get(dt, vs[0].Shape()...)
	n := op.limit(vs[0].Shape()[0])
	if dt == tensor.Float32 {
		weightedMSEGrad(vs, g, out.Float32s(), n)
	} else {
		weightedMSEGrad(vs, g, out.Float64s(), n)
	}
	return out, nil
}

// weightedMSEGrad writes the gradient of the first n rows (and zeros after).
func weightedMSEGrad[T kit.Float](vs []G.Value, g float64, out []T, n int) {
	pred, target, w := kit.DataOf[T](vs[0]), kit.DataOf[T](vs[1]), kit.DataOf[T](vs[2])[:n]
	c := vs[0].Shape()[1]
	var count float64
	for _, wr := range w {
		count += float64(wr)
	}
	clear(out)
	if count == 0 {
		return
	}
	for r, wr := range w {
		if wr == 0 {
			continue
		}
		s := T(g * 2 * float64(wr) / (float64(c) * count))
		for j := r * c; j < (r+1)*c; j++ {
			out[j] = s * (pred[j] - target[j])
		}
	}
}
