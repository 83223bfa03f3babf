package ops

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

// RMSNorm scales each row of x (N, D) by the reciprocal of its root mean
// square and applies the per-feature weight (D), without centring or bias:
// y = x·w/√(mean(x²) + eps) (AIMv2's norm, T5's LayerNorm). The mean of
// the squares is accumulated in float64.
func RMSNorm(x, weight *G.Node, eps float64, opts ...Option) (*G.Node, error) {
	op := &rmsNormOp{eps: eps, rowLimit: limitOf(opts)}
	op.Desc = op.tag(fmt.Sprintf("RMSNorm{eps=%g}", eps))
	return G.ApplyOp(op, x, weight)
}

// rmsNormOp keeps the reciprocal root mean square of every row of its last
// run for the backward pass.
type rmsNormOp struct {
	kit.Base
	rowLimit
	eps  float64
	out  kit.Buffer
	rstd []float64
}

func (op *rmsNormOp) Arity() int          { return 2 }
func (op *rmsNormOp) Output() *kit.Buffer { return &op.out }
func (op *rmsNormOp) Type() hm.Type       { return kit.FnType(2, 1, 2) }
func (op *rmsNormOp) DiffWRT(int) []bool  { return []bool{true, true} }

func (op *rmsNormOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	s, err := kit.Shapes(ds)
	if err != nil {
		return nil, err
	}
	if s[0].Dims() != 2 || s[1].Dims() != 1 || s[1][0] != s[0][1] {
		return nil, errors.Errorf("RMSNorm: input %v and weight %v do not match", s[0], s[1])
	}
	return s[0].Clone(), nil
}

func (op *rmsNormOp) Do(vs ...G.Value) (G.Value, error) {
	dt, err := kit.CheckInputs("RMSNorm", vs, 2)
	if err != nil {
		return nil, err
	}
	n, d := vs[0].Shape()[0], vs[0].Shape()[1]
	if len(op.rstd) != n {
		op.rstd = make([]float64, n)
	}
	y := op.out.Get(dt, n, d)
	rstd := op.rstd[:op.limit(n)]
	if dt == tensor.Float32 {
		rmsNormForward(kit.DataOf[float32](vs[0]), kit.DataOf[float32](vs[1]), y.Float32s(), rstd, d, op.eps)
	} else {
		rmsNormForward(kit.DataOf[float64](vs[0]), kit.DataOf[float64](vs[1]), y.Float64s(), rstd, d, op.eps)
	}
	return y, nil
}

// rmsNormForward normalises the rows of x into y and records each row's
// reciprocal root mean square.
func rmsNormForward[T kit.Float](x, w, y []T, rstd []float64, d int, eps float64) {
	parallel.For(len(rstd), 32, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row, out := x[i*d:(i+1)*d], y[i*d:(i+1)*d]
			r := 1 / math.Sqrt(meanSquare(row)+eps)
			rstd[i] = r
			rs, wr := T(r), w[:len(row)]
			for j, v := range row {
				out[j] = v * rs * wr[j]
			}
		}
	})
}

// meanSquare returns the mean of the squares of a row, accumulated in
// float64 with four independent sums.
func meanSquare[T kit.Float](row []T) float64 {
	var s0, s1, s2, s3 float64
	j := 0
	for ; j+4 <= len(row); j += 4 {
		a, b, c, e := float64(row[j]), float64(row[j+1]), float64(row[j+2]), float64(row[j+3])
		s0, s1, s2, s3 = s0+a*a, s1+b*b, s2+c*c, s3+e*e
	}
	for ; j < len(row); j++ {
		a := float64(row[j])
		s0 += a * a
	}
	return (s0 + s1 + s2 + s3) / float64(len(row))
}

// SymDiff returns dx and dw = Σ_rows dy·x̂, x̂ = x/rms(x).
func (op *rmsNormOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(&rmsNormGradOp{normGrad: normGrad{Base: kit.Base{Desc: op.tag("RMSNorm.dx")}}, fwd: op}, inputs[0], inputs[1], grad)
	if err != nil {
		return nil, err
	}
	dw, err := G.ApplyOp(&rmsNormGradOp{normGrad: normGrad{Base: kit.Base{Desc: op.tag("RMSNorm.dweight")}, param: true}, fwd: op}, inputs[0], inputs[1], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dw}, nil
}

// rmsNormGradOp computes, from x, w and dy, either dx (the default) or dw,
// reusing the row statistics its forward op recorded.
type rmsNormGradOp struct {
	normGrad
	fwd *rmsNormOp
}

func (op *rmsNormGradOp) Do(vs ...G.Value) (G.Value, error) {
	dt, out, err := op.begin(vs, len(op.fwd.rstd))
	if err != nil {
		return nil, err
	}
	n, d := vs[0].Shape()[0], vs[0].Shape()[1]
	rstd := op.fwd.rstd[:op.fwd.limit(n)]
	if dt == tensor.Float32 {
		rmsNormGrad(op.param, kit.DataOf[float32](vs[0]), kit.DataOf[float32](vs[1]), kit.DataOf[float32](vs[2]), out.Float32s(), rstd, d)
	} else {
		rmsNormGrad(op.param, kit.DataOf[float64](vs[0]), kit.DataOf[float64](vs[1]), kit.DataOf[float64](vs[2]), out.Float64s(), rstd, d)
	}
	return out, nil
}

// rmsNormGrad computes dw (weight) or dx from x, w and dy.
func rmsNormGrad[T kit.Float](weight bool, x, w, dy, out []T, rstd []float64, d int) {
	if weight {
		rmsNormGradWeight(x, dy, out, rstd, d)
		return
	}
	rmsNormGradInput(x, w, dy, out, rstd, d)
}

// rmsNormGradInput computes dx = r·(g − x̂·mean(g·x̂)) with g = dy·w and
// x̂ = x·r, row by row.
func rmsNormGradInput[T kit.Float](x, w, dy, dx []T, rstd []float64, d int) {
	parallel.For(len(rstd), 32, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			xr, gr, out := x[i*d:(i+1)*d], dy[i*d:(i+1)*d], dx[i*d:(i+1)*d]
			r := rstd[i]
			var sgx float64
			for j, v := range xr {
				sgx += float64(gr[j]) * float64(w[j]) * float64(v)
			}
			c := sgx * r * r / float64(d) // mean(g·x̂)·r⁻¹·r, applied to x
			for j, v := range xr {
				out[j] = T(r * (float64(gr[j])*float64(w[j]) - float64(v)*c))
			}
		}
	})
}

// rmsNormGradWeight computes dw = Σ_rows dy·x̂.
func rmsNormGradWeight[T kit.Float](x, dy, dw []T, rstd []float64, d int) {
	acc := make([]float64, d)
	for i, r := range rstd {
		xr, gr := x[i*d:(i+1)*d], dy[i*d:(i+1)*d]
		for j, v := range xr {
			acc[j] += float64(gr[j]) * float64(v) * r
		}
	}
	for j, v := range acc {
		dw[j] = T(v)
	}
}
