package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/internal/parallel"
	"github.com/aim-go/aim/ops/internal/kit"
)

// Add returns a + b for two matrices of the same shape: the residual
// connection of a transformer block.
func Add(a, b *G.Node, opts ...Option) (*G.Node, error) {
	l := limitOf(opts)
	return G.ApplyOp(&addOp{Base: kit.Base{Desc: l.tag("Add")}, rowLimit: l, diff: [2]bool{true, true}}, a, b)
}

// AddRows returns x + c where c (K, D) is added to every block of K
// consecutive rows of x (B·K, D): a fixed position embedding added to each
// sample's tokens. c receives no gradient. Under OnRows, x holds gathered
// rows (see GatherRows) and row r gets the embedding of the token it was
// gathered from.
func AddRows(x, c *G.Node, opts ...Option) (*G.Node, error) {
	l := limitOf(opts)
	return G.ApplyOp(&addOp{Base: kit.Base{Desc: l.tag("AddRows")}, rowLimit: l, diff: [2]bool{true, false}, tile: true}, x, c)
}

// addOp adds its second input to its first, repeating the second over blocks
// of rows when tile is set.
type addOp struct {
	kit.Base
	rowLimit
	diff [2]bool
	tile bool
	out  kit.Buffer
}

func (op *addOp) Arity() int          { return 2 }
func (op *addOp) Output() *kit.Buffer { return &op.out }
func (op *addOp) Type() hm.Type       { return kit.FnType(2, 2, 2) }
func (op *addOp) DiffWRT(int) []bool  { return op.diff[:] }

func (op *addOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	s, err := kit.Shapes(ds)
	if err != nil {
		return nil, err
	}
	a, b := s[0], s[1]
	ok := a.Eq(b)
	if op.tile {
		ok = a.Dims() == 2 && b.Dims() == 2 && a[1] == b[1] && b[0] > 0 && a[0]%b[0] == 0
	}
	if !ok {
		return nil, errors.Errorf("%s: shapes %v and %v do not match", op.Desc, a, b)
	}
	return a.Clone(), nil
}

func (op *addOp) Do(vs ...G.Value) (G.Value, error) {
	dt, err := kit.CheckInputs(op.Desc, vs, 2)
	if err != nil {
		return nil, err
	}
	shape := vs[0].Shape()
	out := op.out.Get(dt, shape...)
	if dt == tensor.Float32 {
		op.add32(kit.DataOf[float32](vs[0]), kit.DataOf[float32](vs[1]), out.Float32s(), shape)
	} else {
		op.add64(kit.DataOf[float64](vs[0]), kit.DataOf[float64](vs[1]), out.Float64s(), shape)
	}
	return out, nil
}

func (op *addOp) add32(a, b, out []float32, shape tensor.Shape) { addLimited(op, a, b, out, shape) }
func (op *addOp) add64(a, b, out []float64, shape tensor.Shape) { addLimited(op, a, b, out, shape) }

// addLimited adds the rows the operation is limited to.
func addLimited[T kit.Float](op *addOp, a, b, out []T, shape tensor.Shape) {
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
func addTiled[T kit.Float](a, b, out []T) {
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
// of several trunk blocks). It has no gradient. See RunningMean, which it
// uses.
func Mean(xs ...*G.Node) (*G.Node, error) {
	m := NewRunningMean(len(xs))
	for _, x := range xs {
		if err := m.Add(x); err != nil {
			return nil, err
		}
	}
	return m.Result()
}

// RunningMean builds the elementwise mean of n nodes of one shape, added one
// at a time, as a chain of steps: each adds one node to the running sum
// (the last also multiplies by 1/n), in the order they were added, as a
// single pass over all of them would. Built right after each node, the
// steps run right after it, and memplan.Plan can reuse a node's memory as
// soon as it has been added: averaging the outputs of 6 trunk blocks then
// takes 2 buffers of their size instead of 7.
type RunningMean struct {
	n, added int
	sum      *G.Node
}

// NewRunningMean starts the mean of n nodes.
func NewRunningMean(n int) *RunningMean { return &RunningMean{n: n} }

// Add adds the next node.
func (m *RunningMean) Add(x *G.Node) error {
	if m.added == m.n {
		return errors.Errorf("Mean: more than the %d nodes announced", m.n)
	}
	m.added++
	op := &meanOp{Base: kit.Base{Desc: fmt.Sprintf("Mean{%d/%d}", m.added, m.n)}, n: m.n, last: m.added == m.n}
	switch {
	case m.n == 1:
		return m.apply(op, x)
	case m.added == 1:
		m.sum = x // the first step adds the second node to it
		return nil
	}
	return m.apply(op, m.sum, x)
}

func (m *RunningMean) apply(op *meanOp, xs ...*G.Node) error {
	sum, err := G.ApplyOp(op, xs...)
	if err != nil {
		return err
	}
	m.sum = sum
	return nil
}

// Result returns the mean, once all n nodes are added.
func (m *RunningMean) Result() (*G.Node, error) {
	if m.n == 0 {
		return nil, errors.New("Mean: no inputs")
	}
	if m.added < m.n {
		return nil, errors.Errorf("Mean: %d of the %d nodes added", m.added, m.n)
	}
	return m.sum, nil
}

// meanOp is one step of Mean: the running sum plus the next node, times
// 1/n at the last step; a lone node is only multiplied by 1.
type meanOp struct {
	kit.Base
	n    int  // the nodes of the whole mean
	last bool // the step that scales by 1/n
	out  kit.Buffer
}

func (op *meanOp) Arity() int {
	if op.n == 1 {
		return 1
	}
	return 2
}
func (op *meanOp) Output() *kit.Buffer { return &op.out }
func (op *meanOp) Type() hm.Type {
	if op.n == 1 {
		return kit.FnType(2, 2)
	}
	return kit.FnType(2, 2, 2)
}

func (op *meanOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	return kit.SameShape(op.Desc, ds)
}

func (op *meanOp) Do(vs ...G.Value) (G.Value, error) {
	dt, err := kit.CheckInputs(op.Desc, vs, op.Arity())
	if err != nil {
		return nil, err
	}
	out := op.out.Get(dt, vs[0].Shape()...)
	if dt == tensor.Float32 {
		meanStep(op, vs, out.Float32s())
	} else {
		meanStep(op, vs, out.Float64s())
	}
	return out, nil
}

// meanStep writes the sum of the inputs to out, then scales it by 1/n at the
// last step.
func meanStep[T kit.Float](op *meanOp, vs []G.Value, out []T) {
	copy(out, kit.DataOf[T](vs[0]))
	for _, v := range vs[1:] {
		for i, x := range kit.DataOf[T](v) {
			out[i] += x
		}
	}
	if op.last {
		inv := 1 / T(op.n)
		for i := range out {
			out[i] *= inv
		}
	}
}

func (op *meanOp) DiffWRT(n int) []bool { return make([]bool, n) }
func (op *meanOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.New("Mean: not differentiable")
}
