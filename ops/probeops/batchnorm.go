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

// BatchNormState is the state of a BatchNorm without affine parameters, as
// in PyTorch's nn.BatchNorm1d(dim, affine=False): the running mean and
// running (unbiased) variance of each feature, the momentum of their update
// and the epsilon added to the variance.
//
// One state is shared by the training and the evaluation graph of a model:
// training runs update it, evaluation runs read it.
type BatchNormState struct {
	Mean, Var []float64 // running statistics, one per feature
	Momentum  float64   // weight of the newest batch in the running statistics
	Eps       float64   // added to the variance before the square root
	Updates   int       // training runs seen (PyTorch's num_batches_tracked)
}

// NewBatchNormState returns the state of a fresh PyTorch BatchNorm over dim
// features: running mean 0, running variance 1, momentum 0.1, and eps.
func NewBatchNormState(dim int, eps float64) *BatchNormState {
	s := &BatchNormState{Mean: make([]float64, dim), Var: make([]float64, dim), Momentum: 0.1, Eps: eps}
	for i := range s.Var {
		s.Var[i] = 1
	}
	return s
}

// BatchNorm normalises each column (feature) of x (N, D) without affine
// parameters, like PyTorch's nn.BatchNorm1d(D, affine=False) applied to
// the rows of x as samples.
//
// In training (training = true) every run normalises with the statistics of
// the batch, y = (x − μ_B)/√(σ²_B + eps) with the biased variance σ²_B, and
// updates the running statistics of state with PyTorch's rule:
// mean ← (1−m)·mean + m·μ_B and var ← (1−m)·var + m·σ²_B·N/(N−1) (the
// unbiased variance), m = state.Momentum. It needs N ≥ 2. In evaluation
// (training = false) it normalises with the running statistics and leaves
// them unchanged. The gradient flows to x in both modes.
func BatchNorm(x *G.Node, state *BatchNormState, training bool) (*G.Node, error) {
	if state == nil || len(state.Mean) == 0 || len(state.Mean) != len(state.Var) {
		return nil, errors.New("BatchNorm: the state needs one running mean and variance per feature")
	}
	if !(state.Eps >= 0) || !(state.Momentum >= 0 && state.Momentum <= 1) {
		return nil, errors.Errorf("BatchNorm: eps %g must not be negative and momentum %g must be in [0, 1]", state.Eps, state.Momentum)
	}
	op := &batchNormOp{state: state, training: training}
	// The state's address is part of the description: two BatchNorms over
	// different states are different operations.
	op.Desc = fmt.Sprintf("BatchNorm{dim=%d,eps=%g,momentum=%g,training=%t,state=%p}",
		len(state.Mean), state.Eps, state.Momentum, training, state)
	return G.ApplyOp(op, x)
}

// batchNormOp keeps the mean and reciprocal standard deviation it
// normalised with in its last run for the backward pass.
type batchNormOp struct {
	kit.Base
	state      *BatchNormState
	training   bool
	out        kit.Buffer
	mean, rstd []float64
	rows       int
}

func (op *batchNormOp) Arity() int         { return 1 }
func (op *batchNormOp) Type() hm.Type      { return kit.FnType(2, 2) }
func (op *batchNormOp) DiffWRT(int) []bool { return []bool{true} }

func (op *batchNormOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	s, err := kit.Shapes(ds)
	if err != nil {
		return nil, err
	}
	if s[0].Dims() != 2 || s[0][1] != len(op.state.Mean) {
		return nil, errors.Errorf("%s: input %v is not (N, %d)", op.Desc, s[0], len(op.state.Mean))
	}
	return s[0].Clone(), nil
}

func (op *batchNormOp) Do(vs ...G.Value) (G.Value, error) {
	dt, err := kit.CheckInputs("BatchNorm", vs, 1)
	if err != nil {
		return nil, err
	}
	n, d := vs[0].Shape()[0], vs[0].Shape()[1]
	if op.training && n < 2 {
		return nil, errors.Errorf("BatchNorm: training needs at least 2 rows per batch, got %d", n)
	}
	y := op.out.Get(dt, n, d)
	if dt == tensor.Float32 {
		batchNormForward(op, kit.DataOf[float32](vs[0]), y.Float32s(), n)
	} else {
		batchNormForward(op, kit.DataOf[float64](vs[0]), y.Float64s(), n)
	}
	return y, nil
}

// batchNormForward normalises x into y with the statistics of the mode.
func batchNormForward[T kit.Float](op *batchNormOp, x, y []T, n int) {
	d := len(op.state.Mean)
	if len(op.mean) != d {
		op.mean, op.rstd = make([]float64, d), make([]float64, d)
	}
	op.rows = n
	if op.training {
		op.useBatch(columnStats(x, d))
	} else {
		op.useRunning()
	}
	normalizeColumns(x, y, op.mean, op.rstd)
}

// useRunning normalises with the running statistics.
func (op *batchNormOp) useRunning() {
	s := op.state
	for j := range s.Mean {
		op.mean[j], op.rstd[j] = s.Mean[j], 1/math.Sqrt(s.Var[j]+s.Eps)
	}
}

// useBatch normalises with the batch statistics of op.rows rows and folds
// them into the running ones, the variance made unbiased.
func (op *batchNormOp) useBatch(mean, variance []float64) {
	s := op.state
	m, unbias := s.Momentum, float64(op.rows)/float64(op.rows-1)
	for j := range s.Mean {
		op.mean[j], op.rstd[j] = mean[j], 1/math.Sqrt(variance[j]+s.Eps)
		s.Mean[j] = (1-m)*s.Mean[j] + m*mean[j]
		s.Var[j] = (1-m)*s.Var[j] + m*variance[j]*unbias
	}
	s.Updates++
}

// columnStats returns the mean and biased variance of each column of x
// (rows of d values), in two passes accumulated in float64.
func columnStats[T kit.Float](x []T, d int) (mean, variance []float64) {
	n := len(x) / d
	mean, variance = make([]float64, d), make([]float64, d)
	for i := range n {
		for j, v := range x[i*d : (i+1)*d] {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	for i := range n {
		for j, v := range x[i*d : (i+1)*d] {
			c := float64(v) - mean[j]
			variance[j] += c * c
		}
	}
	for j := range variance {
		variance[j] /= float64(n)
	}
	return mean, variance
}

// normalizeColumns writes y = (x − mean)·rstd column by column.
func normalizeColumns[T kit.Float](x, y []T, mean, rstd []float64) {
	d := len(mean)
	parallel.For(len(x)/d, max(1, 8192/d), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row, out := x[i*d:(i+1)*d], y[i*d:(i+1)*d]
			for j, v := range row {
				out[j] = T((float64(v) - mean[j]) * rstd[j])
			}
		}
	})
}

func (op *batchNormOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(&batchNormGradOp{Base: kit.Base{Desc: op.Desc + ".dx"}, fwd: op}, inputs[0], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}

// batchNormGradOp computes dx from x and dy with the statistics its forward
// op used. In training the statistics depend on x:
// dx = rstd·(dy − mean(dy) − x̂·mean(dy·x̂)), column by column; in
// evaluation they are constants and dx = rstd·dy.
type batchNormGradOp struct {
	kit.Base
	fwd *batchNormOp
	out kit.Buffer
}

func (op *batchNormGradOp) Arity() int         { return 2 }
func (op *batchNormGradOp) Type() hm.Type      { return kit.FnType(2, 2, 2) }
func (op *batchNormGradOp) DiffWRT(int) []bool { return []bool{false, false} }
func (op *batchNormGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.New("BatchNorm: second derivatives are not supported")
}

func (op *batchNormGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	s, err := kit.Shapes(ds)
	if err != nil {
		return nil, err
	}
	return s[0].Clone(), nil
}

func (op *batchNormGradOp) Do(vs ...G.Value) (G.Value, error) {
	dt, err := kit.CheckInputs(op.Desc, vs, 2)
	if err != nil {
		return nil, err
	}
	n, d := vs[0].Shape()[0], vs[0].Shape()[1]
	if op.fwd.rows != n || len(op.fwd.mean) != d {
		return nil, errors.Errorf("%s: the forward pass has not run on %d rows", op.Desc, n)
	}
	out := op.out.Get(dt, n, d)
	if dt == tensor.Float32 {
		batchNormGrad(kit.DataOf[float32](vs[0]), kit.DataOf[float32](vs[1]), out.Float32s(), op.fwd.mean, op.fwd.rstd, op.fwd.training)
	} else {
		batchNormGrad(kit.DataOf[float64](vs[0]), kit.DataOf[float64](vs[1]), out.Float64s(), op.fwd.mean, op.fwd.rstd, op.fwd.training)
	}
	return out, nil
}

// batchNormGrad writes dx for the given statistics.
func batchNormGrad[T kit.Float](x, dy, dx []T, mean, rstd []float64, training bool) {
	d := len(mean)
	n := len(x) / d
	sg, sgx := make([]float64, d), make([]float64, d)
	if training {
		for i := range n {
			xr, gr := x[i*d:(i+1)*d], dy[i*d:(i+1)*d]
			for j, v := range xr {
				g := float64(gr[j])
				sg[j] += g
				sgx[j] += g * (float64(v) - mean[j]) * rstd[j]
			}
		}
		for j := range sg {
			sg[j] /= float64(n)
			sgx[j] /= float64(n)
		}
	}
	parallel.For(n, max(1, 8192/d), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			xr, gr, out := x[i*d:(i+1)*d], dy[i*d:(i+1)*d], dx[i*d:(i+1)*d]
			for j, v := range xr {
				xhat := (float64(v) - mean[j]) * rstd[j]
				out[j] = T(rstd[j] * (float64(gr[j]) - sg[j] - xhat*sgx[j]))
			}
		}
	})
}
