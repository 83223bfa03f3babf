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

// SwiGLU applies the gated unit of AIMv2's MLP elementwise:
// SiLU(gate)·up, SiLU(a) = a·σ(a) = a/(1 + e^−a). gate and up have the
// same shape (N, H).
func SwiGLU(gate, up *G.Node, opts ...Option) (*G.Node, error) {
	l := limitOf(opts)
	return G.ApplyOp(&swiGLUOp{Base: kit.Base{Desc: l.tag("SwiGLU")}, rowLimit: l}, gate, up)
}

// swiGLUMode is what a swiGLUOp computes.
type swiGLUMode int

const (
	swiGLUForward swiGLUMode = iota // (gate, up) → SiLU(gate)·up
	swiGLUGate                      // (gate, up, dy) → dy·up·SiLU'(gate)
	swiGLUUp                        // (gate, dy) → dy·SiLU(gate)
)

type swiGLUOp struct {
	kit.Base
	rowLimit
	mode swiGLUMode
	out  kit.Buffer
}

func (op *swiGLUOp) Arity() int {
	if op.mode == swiGLUGate {
		return 3
	}
	return 2
}
func (op *swiGLUOp) Output() *kit.Buffer { return &op.out }

func (op *swiGLUOp) Type() hm.Type {
	if op.mode == swiGLUGate {
		return kit.FnType(2, 2, 2, 2)
	}
	return kit.FnType(2, 2, 2)
}

func (op *swiGLUOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	return kit.SameShape(op.Desc, ds)
}

func (op *swiGLUOp) Do(vs ...G.Value) (G.Value, error) {
	dt, err := kit.CheckInputs(op.Desc, vs, op.Arity())
	if err != nil {
		return nil, err
	}
	shape := vs[0].Shape()
	out := op.out.Get(dt, shape...)
	n := op.elements(shape)
	switch {
	case dt == tensor.Float32 && op.mode == swiGLUForward:
		swiGLUForward32(kit.DataOf[float32](vs[0])[:n], kit.DataOf[float32](vs[1])[:n], out.Float32s()[:n])
	case dt == tensor.Float32:
		swiGLURun(op.mode, vs, out.Float32s()[:n], sigmoid32)
	default:
		swiGLURun(op.mode, vs, out.Float64s()[:n], sigmoid64)
	}
	return out, nil
}

func sigmoid32(a float32) float32 { return 1 / (1 + exp32(-a)) }

// swiGLUForward32 computes SiLU(a)·b = a·b/(1 + e^−a) with e^−a taken by
// the vector exponential where the CPU has one: the inference path. The
// exponent is capped at 80 (the vector kernel serves arguments up to
// there), which changes SiLU(a) for a < −80 by less than 1e−33.
func swiGLUForward32(a, b, out []float32) {
	parallel.For(len(out), 8192, func(lo, hi int) {
		x, y, o := a[lo:hi], b[lo:hi], out[lo:hi]
		for i, v := range x {
			o[i] = min(-v, 80)
		}
		for i := expVector(o); i < len(o); i++ {
			o[i] = exp32(o[i])
		}
		for i, v := range x {
			o[i] = v / (1 + o[i]) * y[i]
		}
	})
}
func sigmoid64(a float64) float64 { return 1 / (1 + math.Exp(-a)) }

// swiGLURun computes the op's mode for the len(out) first values.
func swiGLURun[T kit.Float](mode swiGLUMode, vs []G.Value, out []T, sigmoid func(T) T) {
	n := len(out)
	a, b := kit.DataOf[T](vs[0])[:n], kit.DataOf[T](vs[1])[:n]
	var dy []T
	if mode == swiGLUGate {
		dy = kit.DataOf[T](vs[2])[:n]
	}
	parallel.For(n, 4096, func(lo, hi int) {
		switch mode {
		case swiGLUForward: // b is up
			for i := lo; i < hi; i++ {
				out[i] = a[i] * sigmoid(a[i]) * b[i]
			}
		case swiGLUUp: // b is dy
			for i := lo; i < hi; i++ {
				out[i] = b[i] * a[i] * sigmoid(a[i])
			}
		case swiGLUGate: // SiLU'(a) = σ(a)·(1 + a·(1 − σ(a)))
			for i := lo; i < hi; i++ {
				s := sigmoid(a[i])
				out[i] = dy[i] * b[i] * s * (1 + a[i]*(1-s))
			}
		}
	})
}

func (op *swiGLUOp) DiffWRT(int) []bool {
	if op.mode != swiGLUForward {
		return make([]bool, op.Arity())
	}
	return []bool{true, true}
}

// SymDiff returns dgate = dy·up·SiLU'(gate) and dup = dy·SiLU(gate).
func (op *swiGLUOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if op.mode != swiGLUForward {
		return nil, errors.New("SwiGLU: second derivatives are not supported")
	}
	dGate, err := G.ApplyOp(&swiGLUOp{Base: kit.Base{Desc: op.tag("SwiGLU.dgate")}, rowLimit: op.rowLimit, mode: swiGLUGate}, inputs[0], inputs[1], grad)
	if err != nil {
		return nil, err
	}
	dUp, err := G.ApplyOp(&swiGLUOp{Base: kit.Base{Desc: op.tag("SwiGLU.dup")}, rowLimit: op.rowLimit, mode: swiGLUUp}, inputs[0], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dGate, dUp}, nil
}
