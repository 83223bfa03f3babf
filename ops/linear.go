package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/internal/parallel"
	"github.com/aim-go/aim/ops/internal/kit"
)

// Linear returns y = x·wᵀ + b for x (N, in) and w (out, in), the layout of
// PyTorch's nn.Linear. b (out) may be nil for a layer without bias. When
// inputGrad is false the gradient with respect to x is never built, which
// saves a matrix product where x is data (the image patches).
func Linear(x, w, b *G.Node, inputGrad bool, opts ...Option) (*G.Node, error) {
	st := settingsOf(opts)
	op := &linearOp{hasBias: b != nil, inputGrad: inputGrad, rowLimit: st.rowLimit, precision: st.precision}
	op.packed = packedOf(st)
	op.Desc = precisionTag(op.tag(fmt.Sprintf("Linear{bias=%t,dx=%t}", op.hasBias, inputGrad)), st.precision)
	if b == nil {
		return G.ApplyOp(op, x, w)
	}
	return G.ApplyOp(op, x, w, b)
}

// LinearHalf is Linear for inference with weights held as 16-bit values of
// format h (out·in values, row-major as w: BF16 or F16), used in place
// through blas.GemmHalf (or, in bf16 precision, handed to oneDNN as they
// are): w, of shape (out, in), stands for them in the graph and its data
// are never read. Such a layer has no gradient; building one is an error.
func LinearHalf(x, w, b *G.Node, h blas.Half, bits []uint16, opts ...Option) (*G.Node, error) {
	if !h.Valid() {
		return nil, errors.Errorf("LinearHalf: unknown 16-bit format %v", h)
	}
	if w.Dtype() != tensor.Float32 {
		return nil, errors.Errorf("LinearHalf: %v weights serve float32 graphs, not %v", h, w.Dtype())
	}
	if ws := w.Shape(); ws.Dims() != 2 || ws.TotalSize() != len(bits) {
		return nil, errors.Errorf("LinearHalf: %d %v values for a weight of shape %v", len(bits), h, ws)
	}
	st := settingsOf(opts)
	op := &linearOp{hasBias: b != nil, half: h, bits: bits, rowLimit: st.rowLimit, precision: st.precision}
	op.packed = packedOf(st)
	op.Desc = precisionTag(op.tag(fmt.Sprintf("Linear%v{bias=%t}", h, op.hasBias)), st.precision)
	if b == nil {
		return G.ApplyOp(op, x, w)
	}
	return G.ApplyOp(op, x, w, b)
}

type linearOp struct {
	kit.Base
	rowLimit
	hasBias, inputGrad bool
	half               blas.Half // the format of bits
	bits               []uint16  // the weights, when held as 16-bit values
	precision          blas.Precision
	packed             *blas.PackedWeights // the weights for bf16 products
	out                kit.Buffer
}

func (op *linearOp) Arity() int {
	if op.hasBias {
		return 3
	}
	return 2
}
func (op *linearOp) Output() *kit.Buffer { return &op.out }

func (op *linearOp) Type() hm.Type {
	if op.hasBias {
		return kit.FnType(2, 2, 1, 2)
	}
	return kit.FnType(2, 2, 2)
}

func (op *linearOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	s, err := kit.Shapes(ds)
	if err != nil {
		return nil, err
	}
	x, w := s[0], s[1]
	if x.Dims() != 2 || w.Dims() != 2 || x[1] != w[1] {
		return nil, errors.Errorf("Linear: input %v and weight %v do not match: expected (N, in) and (out, in)", x, w)
	}
	if op.hasBias && (s[2].Dims() != 1 || s[2][0] != w[0]) {
		return nil, errors.Errorf("Linear: bias %v does not match weight %v", s[2], w)
	}
	return tensor.Shape{x[0], w[0]}, nil
}

func (op *linearOp) Do(vs ...G.Value) (G.Value, error) {
	dt, err := kit.CheckInputs("Linear", vs, op.Arity())
	if err != nil {
		return nil, err
	}
	rows, in, outDim := vs[0].Shape()[0], vs[0].Shape()[1], vs[1].Shape()[0]
	y := op.out.Get(dt, rows, outDim)
	n := op.limit(rows)
	switch dt {
	case tensor.Float32:
		x, bias, out := kit.DataOf[float32](vs[0]), op.bias32(vs), y.Float32s()
		if op.precision == blas.PrecisionBF16 {
			if err := op.forwardBF16(x, vs[1], bias, out, n, in, outDim); err != nil {
				return nil, err
			}
			break
		}
		if op.bits != nil {
			linearForwardHalf(x, op.half, op.bits, bias, out, n, in, outDim)
			break
		}
		linearForward(x, kit.DataOf[float32](vs[1]), bias, out, n, in, outDim)
	default:
		linearForward(kit.DataOf[float64](vs[0]), kit.DataOf[float64](vs[1]), op.bias64(vs), y.Float64s(), n, in, outDim)
	}
	return y, nil
}

func (op *linearOp) bias32(vs []G.Value) []float32 {
	if op.hasBias {
		return kit.DataOf[float32](vs[2])
	}
	return nil
}

func (op *linearOp) bias64(vs []G.Value) []float64 {
	if op.hasBias {
		return kit.DataOf[float64](vs[2])
	}
	return nil
}

// packedOf returns the bf16 weights options gave, or new ones.
func packedOf(st settings) *blas.PackedWeights {
	if st.packed != nil {
		return st.packed
	}
	return &blas.PackedWeights{}
}

// forwardBF16 computes the layer in bf16 precision, from the 16-bit
// weights when the layer holds them and from w's float32 values otherwise.
func (op *linearOp) forwardBF16(x []float32, w G.Value, bias, y []float32, n, in, out int) error {
	var w32 []float32
	if op.bits == nil {
		w32 = kit.DataOf[float32](w)
	}
	return errors.Wrap(blas.LinearBF16(op.packed, x, w32, op.half, op.bits, bias, y, n, in, out), op.Desc)
}

// linearForward computes y = x·wᵀ (+ bias broadcast over rows).
func linearForward[T kit.Float](x, w, bias, y []T, n, in, out int) {
	blas.Gemm(false, true, n, out, in, 1, x, in, w, in, fillBias(bias, y, n, out), y, out)
}

// linearForwardHalf is linearForward with w as 16-bit values of format h.
func linearForwardHalf(x []float32, h blas.Half, w []uint16, bias, y []float32, n, in, out int) {
	blas.GemmHalf(h, n, out, in, 1, x, in, w, in, fillBias(bias, y, n, out), y, out)
}

// fillBias copies bias into each of the n rows of y, and returns the beta
// with which a product is then added to y: 1 with a bias, else 0.
func fillBias[T kit.Float](bias, y []T, n, out int) T {
	if bias == nil {
		return 0
	}
	parallel.For(n, 256, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			copy(y[i*out:(i+1)*out], bias)
		}
	})
	return 1
}

func (op *linearOp) DiffWRT(int) []bool {
	return []bool{op.inputGrad, true, true}[:op.Arity()]
}

func (op *linearOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if op.bits != nil {
		return nil, errors.Errorf("LinearHalf: weights held as %v are for inference only and have no gradient; load the weights as float32 to train", op.half)
	}
	grads := make(G.Nodes, len(inputs))
	var err error
	if op.inputGrad {
		if grads[0], err = G.ApplyOp(op.gradOp("Linear.dx", false), grad, inputs[1]); err != nil {
			return nil, err
		}
	}
	if grads[1], err = G.ApplyOp(op.gradOp("Linear.dw", true), grad, inputs[0]); err != nil {
		return nil, err
	}
	if op.hasBias {
		if grads[2], err = ColumnSum(grad, OnRows(op.rows)); err != nil {
			return nil, err
		}
	}
	return grads, nil
}

// gradOp returns the product of one of the layer's gradients.
func (op *linearOp) gradOp(name string, transA bool) *matMulOp {
	return &matMulOp{Base: kit.Base{Desc: precisionTag(op.tag(name), op.precision)}, rowLimit: op.rowLimit, transA: transA, precision: op.precision}
}

// matMulOp computes op(A)·B for the gradients of Linear: dx = dy·w and
// dw = dyᵀ·x. With a row limit only the first rows of A (and, for dx, of
// the result) take part.
type matMulOp struct {
	kit.Base
	rowLimit
	transA    bool
	precision blas.Precision
	out       kit.Buffer
}

func (op *matMulOp) Arity() int          { return 2 }
func (op *matMulOp) Output() *kit.Buffer { return &op.out }
func (op *matMulOp) Type() hm.Type       { return kit.FnType(2, 2, 2) }
func (op *matMulOp) dims(a, b tensor.Shape) (m, k, n int) {
	m, k = a[0], a[1]
	if op.transA {
		m, k = k, m
	}
	return m, k, b[1]
}

func (op *matMulOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	s, err := kit.Shapes(ds)
	if err != nil {
		return nil, err
	}
	if s[0].Dims() != 2 || s[1].Dims() != 2 {
		return nil, errors.Errorf("%s: expected matrices, got %v and %v", op.Desc, s[0], s[1])
	}
	m, k, n := op.dims(s[0], s[1])
	if k != s[1][0] {
		return nil, errors.Errorf("%s: inner sizes of %v and %v differ", op.Desc, s[0], s[1])
	}
	return tensor.Shape{m, n}, nil
}

func (op *matMulOp) Do(vs ...G.Value) (G.Value, error) {
	dt, err := kit.CheckInputs(op.Desc, vs, 2)
	if err != nil {
		return nil, err
	}
	a, b := vs[0].Shape(), vs[1].Shape()
	m, k, n := op.dims(a, b)
	c := op.out.Get(dt, m, n)
	if op.transA {
		k = op.limit(k)
	} else {
		m = op.limit(m)
	}
	switch dt {
	case tensor.Float32:
		if op.precision == blas.PrecisionBF16 {
			err := blas.GemmBF16(op.transA, false, m, n, k, 1, kit.DataOf[float32](vs[0]), a[1], kit.DataOf[float32](vs[1]), n, 0, c.Float32s(), n)
			return c, errors.Wrap(err, op.Desc)
		}
		blas.Gemm(op.transA, false, m, n, k, 1, kit.DataOf[float32](vs[0]), a[1], kit.DataOf[float32](vs[1]), n, 0, c.Float32s(), n)
	default:
		blas.Gemm(op.transA, false, m, n, k, 1, kit.DataOf[float64](vs[0]), a[1], kit.DataOf[float64](vs[1]), n, 0, c.Float64s(), n)
	}
	return c, nil
}

func (op *matMulOp) DiffWRT(int) []bool { return []bool{false, false} }
func (op *matMulOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.Errorf("%s: second derivatives are not supported", op.Desc)
}

// ColumnSum returns the sum over the rows of a matrix x (N, D): a vector (D).
// It is the gradient of a bias broadcast over rows.
func ColumnSum(x *G.Node, opts ...Option) (*G.Node, error) {
	l := limitOf(opts)
	return G.ApplyOp(&columnSumOp{Base: kit.Base{Desc: l.tag("ColumnSum")}, rowLimit: l}, x)
}

type columnSumOp struct {
	kit.Base
	rowLimit
	out kit.Buffer
}

func (op *columnSumOp) Arity() int          { return 1 }
func (op *columnSumOp) Output() *kit.Buffer { return &op.out }
func (op *columnSumOp) Type() hm.Type       { return kit.FnType(2, 1) }
func (op *columnSumOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	s, err := kit.Shapes(ds)
	if err != nil {
		return nil, err
	}
	if s[0].Dims() != 2 {
		return nil, errors.Errorf("ColumnSum: expected a matrix, got %v", s[0])
	}
	return tensor.Shape{s[0][1]}, nil
}

func (op *columnSumOp) Do(vs ...G.Value) (G.Value, error) {
	dt, err := kit.CheckInputs("ColumnSum", vs, 1)
	if err != nil {
		return nil, err
	}
	n, d := vs[0].Shape()[0], vs[0].Shape()[1]
	out := op.out.Get(dt, d)
	n = op.limit(n)
	switch dt {
	case tensor.Float32:
		columnSums(kit.DataOf[float32](vs[0]), n, d, out.Float32s())
	default:
		columnSums(kit.DataOf[float64](vs[0]), n, d, out.Float64s())
	}
	return out, nil
}

// columnSums writes the sums over the n rows of x (n, d) into out (d).
func columnSums[T kit.Float](x []T, n, d int, out []T) {
	clear(out)
	for i := 0; i < n; i++ {
		row := x[i*d : (i+1)*d]
		for j, v := range row {
			out[j] += v
		}
	}
}

func (op *columnSumOp) DiffWRT(int) []bool { return []bool{false} }
func (op *columnSumOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.New("ColumnSum: second derivatives are not supported")
}
