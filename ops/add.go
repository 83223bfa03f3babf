package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/internal/parallel"
)

// Add returns a + b for two matrices of the same shape: the residual
// connection of a transformer block.
func Add(a, b *G.Node, opts ...Option) (*G.Node, error) {
	l := limitOf(opts)
	return G.ApplyOp(&addOp{base: base{l.tag("Add")}, rowLimit: l, diff: [2]bool{true, true}}, a, b)
}

// AddRows returns x + c where c (K, D) is added to every block of K
// consecutive rows of x (B·K, D): a fixed position embedding added to each
// sample's tokens. c receives no gradient. Under OnRows, x holds gathered
// rows (see GatherRows) and row r gets the embedding of the token it was
// gathered from.
func AddRows(x, c *G.Node, opts ...Option) (*G.Node, error) {
	l := limitOf(opts)
	return G.ApplyOp(&addOp{base: base{l.tag("AddRows")}, rowLimit: l, diff: [2]bool{true, false}, tile: true}, x, c)
}

// addOp adds its second input to its first, repeating the second over blocks
// of rows when tile is set.
type addOp struct {
	base
	rowLimit
	diff [2]bool
	tile bool
	out  buffer
}

func (op *addOp) Arity() int         { return 2 }
func (op *addOp) output() *buffer    { return &op.out }
func (op *addOp) Type() hm.Type      { return fnType(2, 2, 2) }
func (op *addOp) DiffWRT(int) []bool { return op.diff[:] }

func (op *addOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ds)
	if err != nil {
		return nil, err
	}
	a, b := s[0], s[1]
	ok := a.Eq(b)
	if op.tile {
		ok = a.Dims() == 2 && b.Dims() == 2 && a[1] == b[1] && b[0] > 0 && a[0]%b[0] == 0
	}
	if !ok {
		return nil, errors.Errorf("%s: shapes %v and %v do not match", op.desc, a, b)
	}
	return a.Clone(), nil
}

func (op *addOp) Do(vs ...G.Value) (G.Value, error) {
	dt, err := checkInputs(op.desc, vs, 2)
	if err != nil {
		return nil, err
	}
	shape := vs[0].Shape()
	out := op.out.get(dt, shape...)
	if dt == tensor.Float32 {
		op.add32(dataOf[float32](vs[0]), dataOf[float32](vs[1]), out.Float32s(), shape)
	} else {
		op.add64(dataOf[float64](vs[0]), dataOf[float64](vs[1]), out.Float64s(), shape)
	}
	return out, nil
}

func (op *addOp) add32(a, b, out []float32, shape tensor.Shape) { addLimited(op, a, b, out, shape) }
func (op *addOp) add64(a, b, out []float64, shape tensor.Shape) { addLimited(op, a, b, out, shape) }

// addLimited adds the rows the operation is limited to.
func addLimited[T Float](op *addOp, a, b, out []T, shape tensor.Shape) {
	if shape.Dims() != 2 || op.rows == nil {
		addTiled(a, b, out)
		return
	}
	d := shape[1]
	n := op.limit(shape[0]) * d
	if !op.tile {
		addTiled(a[:n], b[:n], out[:n])
		return
	}
	k := len(b) / d
	for r, src := range op.rows.index[:n/d] {
		c := b[src%k*d : (src%k+1)*d]
		ar, or := a[r*d:(r+1)*d], out[r*d:(r+1)*d]
		for j, v := range c {
			or[j] = ar[j] + v
		}
	}
}

// addTiled writes a + b into out, where len(a) is a multiple of len(b) and b
// repeats.
func addTiled[T Float](a, b, out []T) {
	n := len(b)
	parallel.For(len(a)/n, max(1, 16384/n), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			ar, or := a[r*n:(r+1)*n], out[r*n:(r+1)*n]
			for j, v := range b {
				or[j] = ar[j] + v
			}
		}
	})
}

func (op *addOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	grads := make(G.Nodes, 2)
	for i, d := range op.diff {
		if d {
			grads[i] = grad
		}
	}
	return grads, nil
}

// Mean returns the elementwise mean of nodes of the same shape (the features
// of several trunk blocks). It has no gradient.
func Mean(xs ...*G.Node) (*G.Node, error) {
	if len(xs) == 0 {
		return nil, errors.New("Mean: no inputs")
	}
	return G.ApplyOp(&meanOp{base: base{fmt.Sprintf("Mean{%d}", len(xs))}, n: len(xs)}, xs...)
}

type meanOp struct {
	base
	n   int
	out buffer
}

func (op *meanOp) Arity() int      { return op.n }
func (op *meanOp) output() *buffer { return &op.out }
func (op *meanOp) Type() hm.Type {
	ranks := make([]int, op.n+1)
	for i := range ranks {
		ranks[i] = 2
	}
	return fnType(ranks...)
}

func (op *meanOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ds)
	if err != nil {
		return nil, err
	}
	for _, x := range s[1:] {
		if !x.Eq(s[0]) {
			return nil, errors.Errorf("%s: shapes %v and %v differ", op.desc, s[0], x)
		}
	}
	return s[0].Clone(), nil
}

func (op *meanOp) Do(vs ...G.Value) (G.Value, error) {
	dt, err := checkInputs(op.desc, vs, op.n)
	if err != nil {
		return nil, err
	}
	out := op.out.get(dt, vs[0].Shape()...)
	if dt == tensor.Float32 {
		meanOf(vs, out.Float32s())
	} else {
		meanOf(vs, out.Float64s())
	}
	return out, nil
}

func meanOf[T Float](vs []G.Value, out []T) {
	copy(out, dataOf[T](vs[0]))
	for _, v := range vs[1:] {
		for i, x := range dataOf[T](v) {
			out[i] += x
		}
	}
	inv := 1 / T(len(vs))
	for i := range out {
		out[i] *= inv
	}
}

func (op *meanOp) DiffWRT(n int) []bool { return make([]bool, n) }
func (op *meanOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.New("Mean: not differentiable")
}
