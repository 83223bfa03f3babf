package optim

import (
	"math"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/blas"
)

// Float is the element type of parameters: float32 or float64.
type Float interface{ ~float32 | ~float64 }

// Param is one trainable tensor, flattened; Grad has the length of Data.
// Name identifies its optimizer state from step to step. Decay selects weight decay: AIM decays the
// weight matrices and not biases, norm parameters or position embeddings.
type Param[T Float] struct {
	Name  string
	Data  []T
	Grad  []T
	Decay bool
}

// Default hyper-parameters of AIM pre-training (spec §9).
const (
	DefaultBeta1       = 0.9
	DefaultBeta2       = 0.95
	DefaultEps         = 1e-8
	DefaultWeightDecay = 0.05
	DefaultClipNorm    = 1.0
)

// clipEps is the term clip_grad_norm_ adds to the norm before dividing.
const clipEps = 1e-6

// AdamW is the optimizer. Set the exported fields before the first Step; the
// zero value is not usable (Eps must be positive), use NewAdamW.
//
// The first Step fixes the set of parameters: every later Step must pass
// exactly the same names with the same lengths, in any order, or it fails.
// This catches a forgotten parameter or a checkpoint of another model instead
// of silently restarting part of the optimizer state.
type AdamW[T Float] struct {
	Beta1, Beta2 float64 // moment decay rates, in [0, 1)
	Eps          float64 // added to √v̂, > 0
	WeightDecay  float64 // decoupled decay per unit of learning rate, ≥ 0
	ClipNorm     float64 // maximum global gradient norm; 0 disables clipping

	step  int
	state map[string]*moments[T] // nil before the first step
	stamp uint64                 // marks the moments seen by the current Step
	bound []*moments[T]          // bound[i] is the state of params[i] in Step
}

// moments is the optimizer state of one parameter.
type moments[T Float] struct {
	m, v []T
	seen uint64
}

// NewAdamW returns an optimizer with AIM's hyper-parameters: β1 0.9, β2 0.95,
// eps 1e-8, weight decay 0.05 and gradient-norm clipping at 1.0.
func NewAdamW[T Float]() *AdamW[T] {
	return &AdamW[T]{
		Beta1:       DefaultBeta1,
		Beta2:       DefaultBeta2,
		Eps:         DefaultEps,
		WeightDecay: DefaultWeightDecay,
		ClipNorm:    DefaultClipNorm,
	}
}

// Steps returns the number of successful steps, restored ones included.
func (o *AdamW[T]) Steps() int { return o.step }

// Step clips the gradients and updates the parameters in place, and returns
// the global gradient norm before clipping. Grad is read, not modified: the
// clipping factor is applied on the fly.
//
// On any error nothing changes: not the parameters, not the state, not the
// step count. A NaN or infinite gradient norm is such an error; the norm is
// then returned with it, so that the caller can log it and skip the batch.
// After the first step Step allocates nothing.
func (o *AdamW[T]) Step(params []Param[T], lr float64) (gradNorm float64, err error) {
	if err := o.checkHyper(lr); err != nil {
		return 0, err
	}
	fresh, err := o.bind(params)
	if err != nil {
		return 0, err
	}
	norm, bad := globalNorm(params)
	if bad >= 0 {
		return norm, errors.Errorf("optim: gradient norm is %v (non-finite from param %q on); nothing was updated", norm, params[bad].Name)
	}
	if fresh != nil {
		o.state = fresh
	}
	o.step++
	c := o.coefficients(lr, norm)
	for i, p := range params {
		update(&c, p, o.bound[i])
		markChanged(p.Data) // bf16 copies of the weights are made again
	}
	return norm, nil
}

// checkHyper validates the hyper-parameters and the learning rate.
func (o *AdamW[T]) checkHyper(lr float64) error {
	inRange := func(x, lo, hi float64) bool { return x >= lo && x < hi }
	switch {
	case !inRange(o.Beta1, 0, 1):
		return errors.Errorf("optim: Beta1 %v, want 0 ≤ Beta1 < 1", o.Beta1)
	case !inRange(o.Beta2, 0, 1):
		return errors.Errorf("optim: Beta2 %v, want 0 ≤ Beta2 < 1", o.Beta2)
	case !inRange(o.Eps, math.SmallestNonzeroFloat64, math.Inf(1)):
		return errors.Errorf("optim: Eps %v, want a finite Eps > 0", o.Eps)
	case !inRange(o.WeightDecay, 0, math.Inf(1)):
		return errors.Errorf("optim: WeightDecay %v, want a finite value ≥ 0", o.WeightDecay)
	case !inRange(o.ClipNorm, 0, math.Inf(1)):
		return errors.Errorf("optim: ClipNorm %v, want a finite value ≥ 0 (0 disables clipping)", o.ClipNorm)
	case !inRange(lr, 0, math.Inf(1)):
		return errors.Errorf("optim: learning rate %v, want a finite rate ≥ 0", lr)
	}
	return nil
}

// bind finds the state of each parameter and stores it in o.bound. Before
// the first step it returns new zero state for the caller to commit once the
// step can no longer fail; later it checks that params match the state.
func (o *AdamW[T]) bind(params []Param[T]) (fresh map[string]*moments[T], err error) {
	if cap(o.bound) < len(params) {
		o.bound = make([]*moments[T], len(params))
	}
	o.bound = o.bound[:len(params)]
	for _, p := range params {
		if len(p.Grad) != len(p.Data) {
			return nil, errors.Errorf("optim: param %q has %d gradient values for %d values", p.Name, len(p.Grad), len(p.Data))
		}
	}
	if o.state == nil {
		return o.bindFresh(params)
	}
	return nil, o.bindExisting(params)
}

func (o *AdamW[T]) bindFresh(params []Param[T]) (map[string]*moments[T], error) {
	fresh := make(map[string]*moments[T], len(params))
	for i, p := range params {
		if _, dup := fresh[p.Name]; dup {
			return nil, errors.Errorf("optim: param %q is passed twice", p.Name)
		}
		st := &moments[T]{m: make([]T, len(p.Data)), v: make([]T, len(p.Data))}
		fresh[p.Name] = st
		o.bound[i] = st
	}
	return fresh, nil
}

func (o *AdamW[T]) bindExisting(params []Param[T]) error {
	o.stamp++
	for i, p := range params {
		st, ok := o.state[p.Name]
		switch {
		case !ok:
			return errors.Errorf("optim: param %q has no optimizer state; the parameter set is fixed by the first step", p.Name)
		case st.seen == o.stamp:
			return errors.Errorf("optim: param %q is passed twice", p.Name)
		case len(st.m) != len(p.Data):
			return errors.Errorf("optim: param %q has %d values but its optimizer state has %d", p.Name, len(p.Data), len(st.m))
		}
		st.seen = o.stamp
		o.bound[i] = st
	}
	if len(params) != len(o.state) {
		return errors.Errorf("optim: %d params passed, but the optimizer state holds %d (missing: %q)", len(params), len(o.state), o.missing())
	}
	return nil
}

// missing returns a name in the state that the current Step did not pass.
func (o *AdamW[T]) missing() string {
	for name, st := range o.state {
		if st.seen != o.stamp {
			return name
		}
	}
	return ""
}

// globalNorm returns the L2 norm of all gradients and the index of the first
// parameter whose gradients make it non-finite, or -1.
func globalNorm[T Float](params []Param[T]) (norm float64, bad int) {
	var total float64
	for i, p := range params {
		var s float64
		for _, g := range p.Grad {
			s += float64(g) * float64(g)
		}
		total += s
		if math.IsNaN(total) || math.IsInf(total, 0) {
			return math.Sqrt(total), i
		}
	}
	return math.Sqrt(total), -1
}

// coefficients holds the per-step scalars of the update.
type coefficients struct {
	clip         float64 // gradient scale
	decay        float64 // 1 − lr·WeightDecay
	beta1, beta2 float64
	one1, one2   float64 // 1 − β1, 1 − β2
	invSqrtBC2   float64 // 1/√(1 − β2ᵗ)
	stepSize     float64 // lr/(1 − β1ᵗ)
	eps          float64
}

func (o *AdamW[T]) coefficients(lr, norm float64) coefficients {
	t := float64(o.step)
	c := coefficients{
		clip:       1,
		decay:      1 - lr*o.WeightDecay,
		beta1:      o.Beta1,
		beta2:      o.Beta2,
		one1:       1 - o.Beta1,
		one2:       1 - o.Beta2,
		invSqrtBC2: 1 / math.Sqrt(1-math.Pow(o.Beta2, t)),
		stepSize:   lr / (1 - math.Pow(o.Beta1, t)),
		eps:        o.Eps,
	}
	if o.ClipNorm > 0 {
		c.clip = min(o.ClipNorm/(norm+clipEps), 1)
	}
	return c
}

// update applies one step to p in a single pass over its values.
func update[T Float](c *coefficients, p Param[T], st *moments[T]) {
	decay := 1.0
	if p.Decay {
		decay = c.decay
	}
	data := p.Data
	grad, m, v := p.Grad[:len(data)], st.m[:len(data)], st.v[:len(data)]
	for i, x := range data {
		g := float64(grad[i]) * c.clip
		mi := T(c.beta1*float64(m[i]) + c.one1*g)
		vi := T(c.beta2*float64(v[i]) + c.one2*g*g)
		m[i], v[i] = mi, vi
		denom := math.Sqrt(float64(vi))*c.invSqrtBC2 + c.eps
		data[i] = T(float64(x)*decay - c.stepSize*(float64(mi)/denom))
	}
}

// markChanged tells package blas that float32 weights were updated.
func markChanged[T Float](data []T) {
	if w, ok := any(data).([]float32); ok {
		blas.WeightsChanged(w)
	}
}
