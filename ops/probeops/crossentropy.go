package probeops

import (
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/ops/internal/kit"
)

// SoftmaxCrossEntropy returns the mean over the N rows of logits (N, C) of
// the cross-entropy between softmax(row) and the row's class in labels (N):
// mean_i (logsumexp(logits_i) − logits_i[labels_i]), PyTorch's
// F.cross_entropy. The log-sum-exp subtracts the row maximum first, so any
// finite logits give a finite loss. labels holds class indices stored as
// floats; a label that is not an integer in [0, C) is an error of the run.
// Only logits receive a gradient, softmax(logits) − onehot(labels) over N.
func SoftmaxCrossEntropy(logits, labels *G.Node) (*G.Node, error) {
	return G.ApplyOp(&crossEntropyOp{Base: kit.Base{Desc: "SoftmaxCrossEntropy"}}, logits, labels)
}

type crossEntropyOp struct{ kit.Base }

func (op *crossEntropyOp) Arity() int         { return 2 }
func (op *crossEntropyOp) Type() hm.Type      { return kit.FnType(2, 1, 0) }
func (op *crossEntropyOp) DiffWRT(int) []bool { return []bool{true, false} }

func (op *crossEntropyOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	s, err := kit.Shapes(ds)
	if err != nil {
		return nil, err
	}
	if s[0].Dims() != 2 || s[0][0] < 1 || s[0][1] < 1 || s[1].TotalSize() != s[0][0] {
		return nil, errors.Errorf("%s: logits %v and labels %v do not match: expected (N, C) and (N)", op.Desc, s[0], s[1])
	}
	return tensor.ScalarShape(), nil
}

func (op *crossEntropyOp) Do(vs ...G.Value) (G.Value, error) {
	dt, err := kit.CheckInputs(op.Desc, vs, 2)
	if err != nil {
		return nil, err
	}
	c := vs[0].Shape()[1]
	if dt == tensor.Float32 {
		loss, err := crossEntropy(kit.DataOf[float32](vs[0]), kit.DataOf[float32](vs[1]), c)
		return G.NewF32(float32(loss)), err
	}
	loss, err := crossEntropy(kit.DataOf[float64](vs[0]), kit.DataOf[float64](vs[1]), c)
	return G.NewF64(loss), err
}

// classIndex converts a label stored as a float to a class index, or fails.
func classIndex[T kit.Float](v T, row, classes int) (int, error) {
	k := int(v)
	if T(k) != v || k < 0 || k >= classes {
		return 0, errors.Errorf("SoftmaxCrossEntropy: label %v of row %d is not a class in [0, %d)", v, row, classes)
	}
	return k, nil
}

// logSumExp returns log Σ exp(row), computed as m + log Σ exp(row − m) with
// m the row maximum, in float64.
func logSumExp[T kit.Float](row []T) float64 {
	m := float64(row[0])
	for _, v := range row[1:] {
		m = math.Max(m, float64(v))
	}
	var s float64
	for _, v := range row {
		s += math.Exp(float64(v) - m)
	}
	return m + math.Log(s)
}

// crossEntropy returns the mean cross-entropy of the rows of logits.
func crossEntropy[T kit.Float](logits, labels []T, c int) (float64, error) {
	var total float64
	for i, l := range labels {
		k, err := classIndex(l, i, c)
		if err != nil {
			return 0, err
		}
		row := logits[i*c : (i+1)*c]
		total += logSumExp(row) - float64(row[k])
	}
	return total / float64(len(labels)), nil
}

func (op *crossEntropyOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(&crossEntropyGradOp{Base: kit.Base{Desc: "SoftmaxCrossEntropy.dlogits"}}, inputs[0], inputs[1], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{d, nil}, nil
}

// crossEntropyGradOp computes dlogits = g·(softmax(logits) − onehot)/N.
type crossEntropyGradOp struct {
	kit.Base
	out kit.Buffer
}

func (op *crossEntropyGradOp) Arity() int         { return 3 }
func (op *crossEntropyGradOp) Type() hm.Type      { return kit.FnType(2, 1, 0, 2) }
func (op *crossEntropyGradOp) DiffWRT(int) []bool { return []bool{false, false, false} }
func (op *crossEntropyGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.New("SoftmaxCrossEntropy: second derivatives are not supported")
}

func (op *crossEntropyGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	s, err := kit.Shapes(ds)
	if err != nil {
		return nil, err
	}
	return s[0].Clone(), nil
}

func (op *crossEntropyGradOp) Do(vs ...G.Value) (G.Value, error) {
	dt, err := kit.CheckInputs(op.Desc, vs, 3)
	if err != nil {
		return nil, err
	}
	g, err := kit.ScalarOf(vs[2])
	if err != nil {
		return nil, errors.Wrap(err, op.Desc)
	}
	out := op.out.Get(dt, vs[0].Shape()...)
	c := vs[0].Shape()[1]
	if dt == tensor.Float32 {
		err = crossEntropyGrad(kit.DataOf[float32](vs[0]), kit.DataOf[float32](vs[1]), out.Float32s(), c, g)
	} else {
		err = crossEntropyGrad(kit.DataOf[float64](vs[0]), kit.DataOf[float64](vs[1]), out.Float64s(), c, g)
	}
	return out, err
}

func crossEntropyGrad[T kit.Float](logits, labels, out []T, c int, g float64) error {
	scale := g / float64(len(labels))
	for i, l := range labels {
		k, err := classIndex(l, i, c)
		if err != nil {
			return err
		}
		row, dst := logits[i*c:(i+1)*c], out[i*c:(i+1)*c]
		lse := logSumExp(row)
		for j, v := range row {
			p := math.Exp(float64(v) - lse)
			if j == k {
				p--
			}
			dst[j] = T(scale * p)
		}
	}
	return nil
}
