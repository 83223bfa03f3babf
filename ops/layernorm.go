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

// LayerNorm normalises each row of x (N, D) to zero mean and unit variance
// (biased variance, like PyTorch) and applies the per-feature affine map
// gamma (D), beta (D): y = (x − μ)/√(σ² + eps)·γ + β.
func LayerNorm(x, gamma, beta *G.Node, eps float64, opts ...Option) (*G.Node, error) {
	op := &layerNormOp{eps: eps, rowLimit: limitOf(opts)}
	op.Desc = op.tag(fmt.Sprintf("LayerNorm{eps=%g}", eps))
	return G.ApplyOp(op, x, gamma, beta)
}

// layerNormOp keeps the mean and reciprocal standard deviation of every row
// of its last run for the backward pass.
type layerNormOp struct {
	kit.Base
	rowLimit
	eps        float64
	out        kit.Buffer
	mean, rstd []float64
}

func (op *layerNormOp) Arity() int          { return 3 }
func (op *layerNormOp) Output() *kit.Buffer { return &op.out }
func (op *layerNormOp) Type() hm.Type       { return kit.FnType(2, 1, 1, 2) }
func (op *layerNormOp) DiffWRT(int) []bool  { return []bool{true, true, true} }

func (op *layerNormOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	s, err := kit.Shapes(ds)
	if err != nil {
		return nil, err
	}
	x := s[0]
	if x.Dims() != 2 || s[1].Dims() != 1 || s[2].Dims() != 1 || s[1][0] != x[1] || s[2][0] != x[1] {
		return nil, errors.Errorf("LayerNorm: input %v, weight %v and bias %v do not match", x, s[1], s[2])
	}
	return x.Clone(), nil
}

func (op *layerNormOp) Do(vs ...G.Value) (G.Value, error) {
	dt, err := kit.CheckInputs("LayerNorm", vs, 3)
	if err != nil {
		return nil, err
	}
	n, d := vs[0].Shape()[0], vs[0].Shape()[1]
	if len(op.mean) != n {
		op.mean, op.rstd = make([]float64, n), make([]float64, n)
	}
	y := op.out.Get(dt, n, d)
	rows := op.limit(n)
	switch dt {
	case tensor.Float32:
		layerNormForward32(kit.DataOf[float32](vs[0]), kit.DataOf[float32](vs[1]), kit.DataOf[float32](vs[2]), y.Float32s(), op.mean[:rows], op.rstd[:rows], d, op.eps)
	default:
		layerNormForward(kit.DataOf[float64](vs[0]), kit.DataOf[float64](vs[1]), kit.DataOf[float64](vs[2]), y.Float64s(), op.mean[:rows], op.rstd[:rows], d, op.eps)
	}
	return y, nil
}

// layerNormForward normalises the rows of x into y and records each row's
// mean and reciprocal standard deviation.
func layerNormForward[T kit.Float](x, gamma, beta, y []T, mean, rstd []float64, d int, eps float64) {
	parallel.For(len(mean), 32, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row, out := x[i*d:(i+1)*d], y[i*d:(i+1)*d]
			mu, r := rowStats(row, eps)
			mean[i], rstd[i] = mu, r
			m, rs := T(mu), T(r)
			for j, v := range row {
				out[j] = (v-m)*rs*gamma[j] + beta[j]
			}
		}
	})
}

// rowStats returns the mean and 1/√(biased variance + eps) of a row,
// accumulated in float64.
func rowStats[T kit.Float](row []T, eps float64) (mean, rstd float64) {
	var s float64
	for _, v := range row {
		s += float64(v)
	}
	mean = s / float64(len(row))
	var ss float64
	for _, v := range row {
		c := float64(v) - mean
		ss += c * c
	}
	return mean, 1 / math.Sqrt(ss/float64(len(row))+eps)
}

// SymDiff returns dx, dγ = Σ_rows dy·x̂ and dβ = Σ_rows dy.
func (op *layerNormOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(&layerNormGradOp{normGrad: normGrad{Base: kit.Base{Desc: op.tag("LayerNorm.dx")}}, fwd: op}, inputs[0], inputs[1], grad)
	if err != nil {
		return nil, err
	}
	dGamma, err := G.ApplyOp(&layerNormGradOp{normGrad: normGrad{Base: kit.Base{Desc: op.tag("LayerNorm.dgamma")}, param: true}, fwd: op}, inputs[0], inputs[1], grad)
	if err != nil {
		return nil, err
	}
	dBeta, err := ColumnSum(grad, OnRows(op.rows))
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dGamma, dBeta}, nil
}

// layerNormGradOp computes, from x, γ and dy, either dx (the default) or dγ,
// reusing the row statistics its forward op recorded.
type layerNormGradOp struct {
	normGrad
	fwd *layerNormOp
}

func (op *layerNormGradOp) Do(vs ...G.Value) (G.Value, error) {
	dt, out, err := op.begin(vs, len(op.fwd.mean))
	if err != nil {
		return nil, err
	}
	if dt == tensor.Float32 {
		layerNormGrad(op, vs, out.Float32s())
	} else {
		layerNormGrad(op, vs, out.Float64s())
	}
	return out, nil
}

// layerNormGrad computes dγ or dx from the inputs x, γ, dy.
func layerNormGrad[T kit.Float](op *layerNormGradOp, vs []G.Value, out []T) {
	x, gamma, dy := kit.DataOf[T](vs[0]), kit.DataOf[T](vs[1]), kit.DataOf[T](vs[2])
	d := vs[0].Shape()[1]
	rows := op.fwd.limit(vs[0].Shape()[0])
	mean, rstd := op.fwd.mean[:rows], op.fwd.rstd[:rows]
	x32, is32 := any(x).([]float32)
	switch {
	case is32 && op.param:
		layerNormGradGamma32(x32, any(dy).([]float32), any(out).([]float32), mean, rstd, d)
	case is32:
		layerNormGradInput32(x32, any(gamma).([]float32), any(dy).([]float32), any(out).([]float32), mean, rstd, d)
	case op.param:
		layerNormGradGamma(x, dy, out, mean, rstd, d)
	default:
		layerNormGradInput(x, gamma, dy, out, mean, rstd, d)
	}
}

// layerNormGradInput computes dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with
// g = dy·γ, row by row.
func layerNormGradInput[T kit.Float](x, gamma, dy, dx []T, mean, rstd []float64, d int) {
	parallel.For(len(mean), 32, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			xr, gr, out := x[i*d:(i+1)*d], dy[i*d:(i+1)*d], dx[i*d:(i+1)*d]
			mu, rs := mean[i], rstd[i]
			var sg, sgx float64
			for j, v := range xr {
				g := float64(gr[j]) * float64(gamma[j])
				sg += g
				sgx += g * (float64(v) - mu) * rs
			}
			sg /= float64(d)
			sgx /= float64(d)
			for j, v := range xr {
				xhat := (float64(v) - mu) * rs
				g := float64(gr[j]) * float64(gamma[j])
				out[j] = T(rs * (g - sg - xhat*sgx))
			}
		}
	})
}

// layerNormGradGamma computes dγ = Σ_rows dy·x̂.
func layerNormGradGamma[T kit.Float](x, dy, dGamma []T, mean, rstd []float64, d int) {
	acc := make([]float64, d)
	for i := range mean {
		xr, gr := x[i*d:(i+1)*d], dy[i*d:(i+1)*d]
		mu, rs := mean[i], rstd[i]
		for j, v := range xr {
			acc[j] += float64(gr[j]) * (float64(v) - mu) * rs
		}
	}
	for j, v := range acc {
		dGamma[j] = T(v)
	}
}
