package ops

import (
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/internal/parallel"
	"github.com/aim-go/aim/ops/internal/kit"
)

// GELU applies the exact Gaussian error linear unit x·Φ(x) =
// x·(1 + erf(x/√2))/2 elementwise (PyTorch's nn.GELU() default, not the tanh
// approximation).
func GELU(x *G.Node, opts ...Option) (*G.Node, error) {
	l := limitOf(opts)
	return G.ApplyOp(&geluOp{Base: kit.Base{Desc: l.tag("GELU")}, rowLimit: l}, x)
}

type geluOp struct {
	kit.Base
	rowLimit
	grad bool // the derivative op: inputs x and dy, output dy·GELU'(x)
	out  kit.Buffer
}

func (op *geluOp) Arity() int {
	if op.grad {
		return 2
	}
	return 1
}
func (op *geluOp) Output() *kit.Buffer { return &op.out }

// InPlace: GELU itself reads each value before writing its result at the
// same place; its derivative op reads x and dy, so it is not.
func (op *geluOp) InPlace() bool { return !op.grad }

func (op *geluOp) Type() hm.Type {
	if op.grad {
		return kit.FnType(2, 2, 2)
	}
	return kit.FnType(2, 2)
}

func (op *geluOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	return kit.SameShape(op.Desc, ds)
}

func (op *geluOp) Do(vs ...G.Value) (G.Value, error) {
	dt, err := kit.CheckInputs(op.Desc, vs, op.Arity())
	if err != nil {
		return nil, err
	}
	shape := vs[0].Shape()
	out := op.out.Get(dt, shape...)
	n := op.elements(shape)
	if dt == tensor.Float32 {
		geluRun(op.grad, vs, out.Float32s(), n)
	} else {
		geluRun(op.grad, vs, out.Float64s(), n)
	}
	return out, nil
}

// geluRun computes GELU(x), or dy·GELU'(x) for the derivative op, for the
// first n values.
func geluRun[T kit.Float](grad bool, vs []G.Value, out []T, n int) {
	x := kit.DataOf[T](vs[0])[:n]
	if grad {
		geluBackward(x, kit.DataOf[T](vs[1])[:n], out[:n])
	} else {
		geluForward(x, out[:n])
	}
}

const invSqrt2 = 0.70710678118654752440
const invSqrt2Pi = 0.39894228040143267794

func geluForward[T kit.Float](x, y []T) {
	if x32, ok := any(x).([]float32); ok {
		geluForward32(x32, any(y).([]float32))
		return
	}
	parallel.For(len(x), 4096, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			v := float64(x[i])
			y[i] = T(0.5 * v * (1 + math.Erf(v*invSqrt2)))
		}
	})
}

func geluForward32(x, y []float32) {
	parallel.For(len(x), 8192, func(lo, hi int) {
		done := geluVector(x[lo:hi], y[lo:hi])
		out := y[lo+done : hi]
		for i, v := range x[lo+done : hi] {
			out[i] = gelu32(v)
		}
	})
}

// geluBackward computes dx = dy·(Φ(x) + x·φ(x)).
func geluBackward[T kit.Float](x, dy, dx []T) {
	if x32, ok := any(x).([]float32); ok {
		geluBackward32(x32, any(dy).([]float32), any(dx).([]float32))
		return
	}
	parallel.For(len(x), 4096, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			v := float64(x[i])
			cdf := 0.5 * (1 + math.Erf(v*invSqrt2))
			pdf := invSqrt2Pi * math.Exp(-0.5*v*v)
			dx[i] = T(float64(dy[i]) * (cdf + v*pdf))
		}
	})
}

func geluBackward32(x, dy, dx []float32) {
	parallel.For(len(x), 8192, func(lo, hi int) {
		done := geluGradVector(x[lo:hi], dy[lo:hi], dx[lo:hi])
		g, out := dy[lo+done:hi], dx[lo+done:hi]
		for i, v := range x[lo+done : hi] {
			out[i] = g[i] * geluGrad32(v)
		}
	})
}

func (op *geluOp) DiffWRT(int) []bool { return []bool{!op.grad, false}[:op.Arity()] }

func (op *geluOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, errors.New("GELU: second derivatives are not supported")
	}
	dx, err := G.ApplyOp(&geluOp{Base: kit.Base{Desc: op.tag("GELU.dx")}, rowLimit: op.rowLimit, grad: true}, inputs[0], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}
