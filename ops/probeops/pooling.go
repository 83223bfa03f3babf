package probeops

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/internal/parallel"
	"github.com/aim-go/aim/ops/internal/kit"
)

// AttentionPool is multi-head attention of one learned query over the K
// tokens of each sample: the pooling of ml-aim's attentive probe
// (AttentionPoolingClassifier with one query).
//
// q (1, D) is the query shared by all samples, used as it is (no
// projection); k and v (B·K, D) hold the keys and values of the K tokens of
// each of the B samples. Each is split into heads of D/heads consecutive
// features. For head h of sample b the result is
// Σ_j softmax_j(q_h·k_bjh/√(D/heads))·v_bjh, and the heads are concatenated
// into out (B, D). All three inputs receive gradients.
func AttentionPool(q, k, v *G.Node, heads, seqLen int) (*G.Node, error) {
	if heads < 1 || seqLen < 1 {
		return nil, errors.Errorf("AttentionPool: heads %d and sequence length %d must be positive", heads, seqLen)
	}
	op := &attnPoolOp{poolGeometry: poolGeometry{heads: heads, k: seqLen}}
	op.Desc = fmt.Sprintf("AttentionPool{heads=%d,K=%d}", heads, seqLen)
	return G.ApplyOp(op, q, k, v)
}

// poolGeometry holds the sizes of an attention pooling; b and d are set
// from the input shapes at each run.
type poolGeometry struct {
	heads, k int
	b, d, dh int
}

func (g *poolGeometry) set(tokens tensor.Shape) {
	g.b, g.d = tokens[0]/g.k, tokens[1]
	g.dh = g.d / g.heads
}

func (g *poolGeometry) scale() float64 { return 1 / math.Sqrt(float64(g.dh)) }

// token returns the offset of head h of token j of sample b in a (B·K, D)
// buffer.
func (g *poolGeometry) token(b, j, h int) int { return (b*g.k+j)*g.d + h*g.dh }

// attnPoolOp keeps the attention probabilities (B·heads, K) of its last run
// for the backward pass.
type attnPoolOp struct {
	kit.Base
	poolGeometry
	out   kit.Buffer
	probs kit.Buffer
}

func (op *attnPoolOp) Arity() int         { return 3 }
func (op *attnPoolOp) Type() hm.Type      { return kit.FnType(2, 2, 2, 2) }
func (op *attnPoolOp) DiffWRT(int) []bool { return []bool{true, true, true} }

func (op *attnPoolOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	s, err := kit.Shapes(ds)
	if err != nil {
		return nil, err
	}
	q, k, v := s[0], s[1], s[2]
	if q.Dims() != 2 || q[0] != 1 || k.Dims() != 2 || !k.Eq(v) || k[1] != q[1] || k[0]%op.k != 0 {
		return nil, errors.Errorf("%s: query %v, keys %v and values %v are not (1, D), (B·%d, D), (B·%d, D)", op.Desc, q, k, v, op.k, op.k)
	}
	if q[1]%op.heads != 0 {
		return nil, errors.Errorf("%s: width %d is not a multiple of the %d heads", op.Desc, q[1], op.heads)
	}
	return tensor.Shape{k[0] / op.k, q[1]}, nil
}

func (op *attnPoolOp) Do(vs ...G.Value) (G.Value, error) {
	dt, err := kit.CheckInputs(op.Desc, vs, 3)
	if err != nil {
		return nil, err
	}
	op.set(vs[1].Shape())
	out := op.out.Get(dt, op.b, op.d)
	probs := op.probs.Get(dt, op.b*op.heads, op.k)
	if dt == tensor.Float32 {
		attnPoolForward(&op.poolGeometry, kit.DataOf[float32](vs[0]), kit.DataOf[float32](vs[1]), kit.DataOf[float32](vs[2]), out.Float32s(), probs.Float32s())
	} else {
		attnPoolForward(&op.poolGeometry, kit.DataOf[float64](vs[0]), kit.DataOf[float64](vs[1]), kit.DataOf[float64](vs[2]), out.Float64s(), probs.Float64s())
	}
	return out, nil
}

// attnPoolForward computes the probabilities and the pooled output of
// every head of every sample.
func attnPoolForward[T kit.Float](g *poolGeometry, q, k, v, out, probs []T) {
	scale := g.scale()
	parallel.For(g.b*g.heads, 16, func(lo, hi int) {
		for bh := lo; bh < hi; bh++ {
			b, h := bh/g.heads, bh%g.heads
			qh, p := q[h*g.dh:(h+1)*g.dh], probs[bh*g.k:(bh+1)*g.k]
			for j := range p {
				kj := k[g.token(b, j, h):]
				var s float64
				for c, x := range qh {
					s += float64(x) * float64(kj[c])
				}
				p[j] = T(s * scale)
			}
			kit.SoftmaxRow(p)
			o := out[b*g.d+h*g.dh : b*g.d+(h+1)*g.dh]
			clear(o)
			for j, pj := range p {
				vj := v[g.token(b, j, h):]
				for c := range o {
					o[c] += pj * vj[c]
				}
			}
		}
	})
}

// SymDiff builds dS = P∘(dP − rowsum(P∘dP)) with dP = dO·Vᵀ per head once,
// and from it dq = scale·Σ dS·K and dK = scale·dSᵀ·q; dV = Pᵀ·dO.
func (op *attnPoolOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	q, k, v := inputs[0], inputs[1], inputs[2]
	apply := func(part poolGradPart, a, b *G.Node) (*G.Node, error) {
		return G.ApplyOp(&attnPoolGradOp{Base: kit.Base{Desc: op.Desc + "." + string(part)}, fwd: op, part: part}, a, b)
	}
	ds, err := apply(poolScores, v, grad)
	if err != nil {
		return nil, err
	}
	dq, err := apply(poolQuery, ds, k)
	if err != nil {
		return nil, err
	}
	dk, err := apply(poolKeys, ds, q)
	if err != nil {
		return nil, err
	}
	dv, err := apply(poolValues, v, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dq, dk, dv}, nil
}

// poolGradPart names what an attnPoolGradOp computes, and from what.
type poolGradPart string

const (
	poolScores poolGradPart = "dscores" // from (v, dout): dS (B·heads, K)
	poolQuery  poolGradPart = "dq"      // from (dS, k): dq (1, D)
	poolKeys   poolGradPart = "dk"      // from (dS, q): dk (B·K, D)
	poolValues poolGradPart = "dv"      // from (v, dout): dv (B·K, D)
)

// attnPoolGradOp computes one part of the gradient of AttentionPool with
// the probabilities its forward op kept.
type attnPoolGradOp struct {
	kit.Base
	fwd  *attnPoolOp
	part poolGradPart
	out  kit.Buffer
}

func (op *attnPoolGradOp) Arity() int         { return 2 }
func (op *attnPoolGradOp) Type() hm.Type      { return kit.FnType(2, 2, 2) }
func (op *attnPoolGradOp) DiffWRT(int) []bool { return []bool{false, false} }
func (op *attnPoolGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.New("AttentionPool: second derivatives are not supported")
}

func (op *attnPoolGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	s, err := kit.Shapes(ds)
	if err != nil {
		return nil, err
	}
	h, k := op.fwd.heads, op.fwd.k
	switch op.part {
	case poolScores:
		return tensor.Shape{s[1][0] * h, k}, nil
	case poolQuery:
		return tensor.Shape{1, s[1][1]}, nil
	case poolKeys:
		return tensor.Shape{s[0][0] / h * k, s[1][1]}, nil
	}
	return s[0].Clone(), nil
}

func (op *attnPoolGradOp) Do(vs ...G.Value) (G.Value, error) {
	dt, err := kit.CheckInputs(op.Desc, vs, 2)
	if err != nil {
		return nil, err
	}
	g := &op.fwd.poolGeometry
	if op.fwd.probs.Tensor() == nil || op.fwd.probs.Tensor().Dtype() != dt {
		return nil, errors.Errorf("%s: the forward pass has not run", op.Desc)
	}
	var out *tensor.Dense
	switch op.part {
	case poolScores:
		out = op.out.Get(dt, g.b*g.heads, g.k)
	case poolQuery:
		out = op.out.Get(dt, 1, g.d)
	default:
		out = op.out.Get(dt, g.b*g.k, g.d)
	}
	if dt == tensor.Float32 {
		attnPoolGrad(op.part, g, kit.DataOf[float32](op.fwd.probs.Tensor()), kit.DataOf[float32](vs[0]), kit.DataOf[float32](vs[1]), out.Float32s())
	} else {
		attnPoolGrad(op.part, g, kit.DataOf[float64](op.fwd.probs.Tensor()), kit.DataOf[float64](vs[0]), kit.DataOf[float64](vs[1]), out.Float64s())
	}
	return out, nil
}

// attnPoolGrad computes one part of the gradient from the inputs a and b
// listed for it on poolGradPart.
func attnPoolGrad[T kit.Float](part poolGradPart, g *poolGeometry, probs, a, b, out []T) {
	switch part {
	case poolScores:
		poolScoresGrad(g, probs, a, b, out)
	case poolQuery:
		poolQueryGrad(g, a, b, out)
	case poolKeys:
		poolKeysGrad(g, a, b, out)
	case poolValues:
		poolValuesGrad(g, probs, b, out)
	}
}

// poolScoresGrad writes dS = P∘(dP − Σ_j P∘dP), dP_j = dO_bh·v_bjh.
func poolScoresGrad[T kit.Float](g *poolGeometry, probs, v, dout, ds []T) {
	parallel.For(g.b*g.heads, 16, func(lo, hi int) {
		for bh := lo; bh < hi; bh++ {
			b, h := bh/g.heads, bh%g.heads
			do := dout[b*g.d+h*g.dh : b*g.d+(h+1)*g.dh]
			p, d := probs[bh*g.k:(bh+1)*g.k], ds[bh*g.k:(bh+1)*g.k]
			var dot float64
			for j := range d {
				vj := v[g.token(b, j, h):]
				var s float64
				for c, x := range do {
					s += float64(x) * float64(vj[c])
				}
				d[j] = T(s)
				dot += float64(p[j]) * s
			}
			for j, pj := range p {
				d[j] = T(float64(pj) * (float64(d[j]) - dot))
			}
		}
	})
}

// poolQueryGrad writes dq_h = scale·Σ_b Σ_j dS_bhj·k_bjh.
func poolQueryGrad[T kit.Float](g *poolGeometry, ds, k, dq []T) {
	acc := make([]float64, g.d)
	for b := range g.b {
		for j := range g.k {
			row := k[g.token(b, j, 0) : g.token(b, j, 0)+g.d]
			for c, x := range row {
				acc[c] += float64(ds[(b*g.heads+c/g.dh)*g.k+j]) * float64(x)
			}
		}
	}
	scale := g.scale()
	for c, a := range acc {
		dq[c] = T(scale * a)
	}
}

// poolKeysGrad writes dk_bjh = scale·dS_bhj·q_h.
func poolKeysGrad[T kit.Float](g *poolGeometry, ds, q, dk []T) {
	scale := T(g.scale())
	parallel.For(g.b*g.k, 64, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			b, j := r/g.k, r%g.k
			row := dk[r*g.d : (r+1)*g.d]
			for c := range row {
				row[c] = scale * ds[(b*g.heads+c/g.dh)*g.k+j] * q[c]
			}
		}
	})
}

// poolValuesGrad writes dv_bjh = P_bhj·dO_bh.
func poolValuesGrad[T kit.Float](g *poolGeometry, probs, dout, dv []T) {
	parallel.For(g.b*g.k, 64, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			b, j := r/g.k, r%g.k
			row, do := dv[r*g.d:(r+1)*g.d], dout[b*g.d:(b+1)*g.d]
			for c := range row {
				row[c] = probs[(b*g.heads+c/g.dh)*g.k+j] * do[c]
			}
		}
	})
}
