package ops

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/internal/parallel"
	"github.com/aim-go/aim/masks"
	"github.com/aim-go/aim/ops/internal/kit"
)

// Attention is multi-head scaled dot-product self-attention under the
// prefix-causal mask of package masks, fused into one operation: scores,
// mask, softmax and the weighted sum of values, without materialising
// broadcast copies.
//
// qkv (B·K, 3·D) holds, for each of the K tokens of each of the B samples, the
// query, key and value vectors [q; k; v], each split into heads of D/heads
// consecutive features (the layout of a fused nn.Linear(D, 3D)). prefix (B)
// holds each sample's prefix length S in [1, K]: query i attends key j iff
// j < S or j ≤ i, so S = 1 is causal attention and S = K bidirectional. The
// result (B·K, D) concatenates the heads. Of the options, InPrecision
// applies (to QKᵀ and P·V, and the products of the backward pass).
func Attention(qkv, prefix *G.Node, heads, seqLen int, opts ...Option) (*G.Node, error) {
	if heads < 1 || seqLen < 1 {
		return nil, errors.Errorf("Attention: heads %d and sequence length %d must be positive", heads, seqLen)
	}
	op := &attentionOp{heads: heads, seqLen: seqLen, precision: settingsOf(opts).precision}
	op.Desc = precisionTag(fmt.Sprintf("Attention{heads=%d,K=%d}", heads, seqLen), op.precision)
	return G.ApplyOp(op, qkv, prefix)
}

// attentionOp keeps the attention probabilities (B, heads, K, K) of its last
// run for the backward pass, when a graph has one (SymDiff was called);
// without, each worker reuses one K×K scratch from a free list shared by all
// attention operations, so that an inference graph does not hold B·heads·K²
// values per block.
type attentionOp struct {
	kit.Base
	heads, seqLen int
	precision     blas.Precision
	keepProbs     bool
	out           kit.Buffer
	probs         kit.Buffer
}

func (op *attentionOp) Arity() int          { return 2 }
func (op *attentionOp) Output() *kit.Buffer { return &op.out }
func (op *attentionOp) Type() hm.Type       { return kit.FnType(2, 1, 2) }
func (op *attentionOp) DiffWRT(int) []bool  { return []bool{true, false} }
func (op *attentionOp) geometry(qkv tensor.Shape) (b, d int) {
	return qkv[0] / op.seqLen, qkv[1] / 3
}

func (op *attentionOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	s, err := kit.Shapes(ds)
	if err != nil {
		return nil, err
	}
	qkv, prefix := s[0], s[1]
	if qkv.Dims() != 2 || qkv[1]%3 != 0 || qkv[0]%op.seqLen != 0 {
		return nil, errors.Errorf("%s: qkv %v is not (B·%d, 3·D)", op.Desc, qkv, op.seqLen)
	}
	b, d := op.geometry(qkv)
	if d%op.heads != 0 {
		return nil, errors.Errorf("%s: width %d is not a multiple of the %d heads", op.Desc, d, op.heads)
	}
	if prefix.TotalSize() != b {
		return nil, errors.Errorf("%s: %d prefix lengths for %d samples", op.Desc, prefix.TotalSize(), b)
	}
	return tensor.Shape{qkv[0], d}, nil
}

func (op *attentionOp) Do(vs ...G.Value) (G.Value, error) {
	dt, err := kit.CheckInputs(op.Desc, vs, 2)
	if err != nil {
		return nil, err
	}
	b, d := op.geometry(vs[0].Shape())
	out := op.out.Get(dt, b*op.seqLen, d)
	if dt == tensor.Float32 {
		err = attentionForward(op, vs, out.Float32s(), op.keptProbs32(b))
	} else {
		err = attentionForward(op, vs, out.Float64s(), op.keptProbs64(b))
	}
	return out, err
}

// keptProbs32 and keptProbs64 return the buffer of the probabilities kept
// for the backward pass, or nil when the graph has none.
func (op *attentionOp) keptProbs32(b int) []float32 {
	if !op.keepProbs {
		return nil
	}
	return op.probs.Get(tensor.Float32, b*op.heads*op.seqLen*op.seqLen).Float32s()
}

func (op *attentionOp) keptProbs64(b int) []float64 {
	if !op.keepProbs {
		return nil
	}
	return op.probs.Get(tensor.Float64, b*op.heads*op.seqLen*op.seqLen).Float64s()
}

// headView locates one head of one sample inside the fused buffers.
type headView struct {
	q, k, v int // offsets of the head's q, k and v columns in qkv
	o       int // offset of the head's columns in the (B·K, D) output
	p       int // offset of the head's K×K probabilities
}

// attentionGeometry gathers the sizes every attention kernel needs.
type attentionGeometry struct {
	b, k, d, heads, dh int
	prefixes           []int
	scale              float64
}

func newGeometry[T kit.Float](op *attentionOp, vs []G.Value) (attentionGeometry, error) {
	b, d := op.geometry(vs[0].Shape())
	g := attentionGeometry{b: b, k: op.seqLen, d: d, heads: op.heads, dh: d / op.heads}
	g.scale = 1 / math.Sqrt(float64(g.dh))
	var err error
	g.prefixes, err = prefixLengths(kit.DataOf[T](vs[1]), op.seqLen)
	return g, errors.Wrap(err, op.Desc)
}

// prefixLengths converts and checks the per-sample prefix lengths.
func prefixLengths[T kit.Float](p []T, k int) ([]int, error) {
	out := make([]int, len(p))
	for i, v := range p {
		s := int(v)
		if T(s) != v || s < 1 || s > k {
			return nil, errors.Errorf("prefix length %v of sample %d is not an integer in [1, %d]", v, i, k)
		}
		out[i] = s
	}
	return out, nil
}

// view returns where head h of sample i lives in the buffers.
func (g attentionGeometry) view(bh int) headView {
	i, h := bh/g.heads, bh%g.heads
	rows := i * g.k
	return headView{
		q: rows*3*g.d + h*g.dh, k: rows*3*g.d + g.d + h*g.dh, v: rows*3*g.d + 2*g.d + h*g.dh,
		o: rows*g.d + h*g.dh, p: bh * g.k * g.k,
	}
}

func attentionForward[T kit.Float](op *attentionOp, vs []G.Value, out, probs []T) error {
	g, err := newGeometry[T](op, vs)
	if err != nil {
		return err
	}
	qkv := kit.DataOf[T](vs[0])
	k, dh, ld := g.k, g.dh, 3*g.d
	parallel.For(g.b*g.heads, 1, func(lo, hi int) {
		var scratch []T
		if probs == nil {
			list := scratchFor[T]()
			scratch = list.Get(k * k)
			defer list.Put(scratch)
		}
		for bh := lo; bh < hi; bh++ {
			hv := g.view(bh)
			p := scratch
			if probs != nil {
				p = probs[hv.p : hv.p+k*k]
			}
			gemmIn(op.precision, false, true, k, k, dh, T(g.scale), qkv[hv.q:], ld, qkv[hv.k:], ld, 0, p, k)
			maskedSoftmax(p, k, g.prefixes[bh/g.heads])
			gemmIn(op.precision, false, false, k, dh, k, 1, p, k, qkv[hv.v:], ld, 0, out[hv.o:], g.d)
		}
	})
	return nil
}

// maskedSoftmax turns each row i of the k×k scores into probabilities over the
// keys the mask lets it see, and zeroes the others.
func maskedSoftmax[T kit.Float](p []T, k, prefix int) {
	if p32, ok := any(p).([]float32); ok {
		maskedSoftmax32(p32, k, prefix)
		return
	}
	for i := 0; i < k; i++ {
		row := p[i*k : (i+1)*k]
		lim := masks.VisibleKeys(i, prefix)
		kit.SoftmaxRow(row[:lim])
		clear(row[lim:])
	}
}

// maskedSoftmax32 is maskedSoftmax with the vector exp kernel.
func maskedSoftmax32(p []float32, k, prefix int) {
	for i := 0; i < k; i++ {
		row := p[i*k : (i+1)*k]
		vis := row[:masks.VisibleKeys(i, prefix)]
		clear(row[len(vis):])
		if softmaxVector(vis) {
			continue
		}
		m := vis[0]
		for _, v := range vis[1:] {
			m = max(m, v)
		}
		for j := range vis {
			vis[j] -= m
		}
		for j := expVector(vis); j < len(vis); j++ {
			vis[j] = exp32(vis[j])
		}
		var sum float32
		for _, v := range vis {
			sum += v
		}
		inv := 1 / sum
		for j := range vis {
			vis[j] *= inv
		}
	}
}

func (op *attentionOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	op.keepProbs = true
	back := &attentionGradOp{Base: kit.Base{Desc: precisionTag("Attention.dqkv", op.precision)}, fwd: op}
	dqkv, err := G.ApplyOp(back, inputs[0], inputs[1], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dqkv, nil}, nil
}

// attentionGradOp computes dqkv from qkv, the prefix lengths and dout, using
// the probabilities its forward op kept.
type attentionGradOp struct {
	kit.Base
	fwd     *attentionOp
	out     kit.Buffer
	scratch kit.Buffer
}

func (op *attentionGradOp) Arity() int          { return 3 }
func (op *attentionGradOp) Output() *kit.Buffer { return &op.out }
func (op *attentionGradOp) Type() hm.Type       { return kit.FnType(2, 1, 2, 2) }
func (op *attentionGradOp) DiffWRT(int) []bool  { return []bool{false, false, false} }
func (op *attentionGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	s, err := kit.Shapes(ds)
	if err != nil {
		return nil, err
	}
	return s[0].Clone(), nil
}

func (op *attentionGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.New("Attention: second derivatives are not supported")
}

func (op *attentionGradOp) Do(vs ...G.Value) (G.Value, error) {
	dt, err := kit.CheckInputs(op.Desc, vs, 3)
	if err != nil {
		return nil, err
	}
	n := op.fwd.probs.Tensor()
	if n == nil {
		return nil, errors.Errorf("%s: the forward pass has not run", op.Desc)
	}
	out := op.out.Get(dt, vs[0].Shape()...)
	scratch := op.scratch.Get(dt, n.Shape()...)
	if dt == tensor.Float32 {
		err = attentionBackward(op, vs, out.Float32s(), scratch.Float32s())
	} else {
		err = attentionBackward(op, vs, out.Float64s(), scratch.Float64s())
	}
	return out, err
}

// attentionBackward computes, per head: dV = Pᵀ·dO, dP = dO·Vᵀ,
// dS = P∘(dP − rowsum(P∘dP))·scale, dQ = dS·K and dK = dSᵀ·Q.
func attentionBackward[T kit.Float](op *attentionGradOp, vs []G.Value, dqkv, scratch []T) error {
	g, err := newGeometry[T](op.fwd, vs)
	if err != nil {
		return err
	}
	prec := op.fwd.precision
	qkv, dout := kit.DataOf[T](vs[0]), kit.DataOf[T](vs[2])
	probs := kit.DataOf[T](op.fwd.probs.Tensor())
	k, dh, ld := g.k, g.dh, 3*g.d
	parallel.For(g.b*g.heads, 1, func(lo, hi int) {
		for bh := lo; bh < hi; bh++ {
			hv := g.view(bh)
			p, ds := probs[hv.p:hv.p+k*k], scratch[hv.p:hv.p+k*k]
			dO := dout[hv.o:]
			gemmIn(prec, true, false, k, dh, k, 1, p, k, dO, g.d, 0, dqkv[hv.v:], ld)
			gemmIn(prec, false, true, k, k, dh, 1, dO, g.d, qkv[hv.v:], ld, 0, ds, k)
			softmaxBackward(p, ds, k)
			gemmIn(prec, false, false, k, dh, k, T(g.scale), ds, k, qkv[hv.k:], ld, 0, dqkv[hv.q:], ld)
			gemmIn(prec, true, false, k, dh, k, T(g.scale), ds, k, qkv[hv.q:], ld, 0, dqkv[hv.k:], ld)
		}
	})
	return nil
}

// softmaxBackward turns dP into dS = P∘(dP − rowsum(P∘dP)) in place. Masked
// entries have P = 0 and get dS = 0.
func softmaxBackward[T kit.Float](p, dp []T, k int) {
	for i := 0; i < k; i++ {
		pr, dr := p[i*k:(i+1)*k], dp[i*k:(i+1)*k]
		var dot float64
		for j, v := range pr {
			dot += float64(v) * float64(dr[j])
		}
		for j, v := range pr {
			dr[j] = T(float64(v) * (float64(dr[j]) - dot))
		}
	}
}

// gemmIn is blas.Gemm in precision p: for float32 in bf16, the product of
// the operands rounded to bf16, on the float32 kernels (attention's
// products are many and small: one oneDNN thread would serialise them).
func gemmIn[T kit.Float](p blas.Precision, transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if p == blas.PrecisionBF16 {
		if a32, ok := any(a).([]float32); ok {
			blas.GemmRoundedBF16(transA, transB, m, n, k, float32(alpha), a32, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
			return
		}
	}
	blas.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
