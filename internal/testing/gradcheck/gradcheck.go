package gradcheck

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Build constructs the function under test from its input nodes. It returns
// either a scalar or a tensor; a tensor output y is reduced to the scalar
// Σ y∘R with a fixed random R, so every output element is checked.
type Build func(g *G.ExprGraph, inputs []*G.Node) (*G.Node, error)

// Options tune a check.
type Options struct {
	Step       float64 // finite-difference step (default 1e-6)
	RelTol     float64 // relative tolerance (default 1e-5)
	AbsTol     float64 // absolute tolerance (default 1e-7)
	MaxSamples int     // elements checked per input, at random (default all)
	Seed       uint64
}

func (o *Options) defaults() {
	if o.Step == 0 {
		o.Step = 1e-6
	}
	if o.RelTol == 0 {
		o.RelTol = 1e-5
	}
	if o.AbsTol == 0 {
		o.AbsTol = 1e-7
	}
}

// Check differentiates build's output with respect to the inputs listed in
// wrt (indices into inputs, which must be float64 tensors) and compares each
// gradient element with a central difference. It returns an error describing
// the first mismatch.
func Check(inputs []*tensor.Dense, wrt []int, build Build, opt Options) error {
	opt.defaults()
	h, err := newHarness(inputs, wrt, build, opt.Seed)
	if err != nil {
		return err
	}
	analytic, err := h.gradients()
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 7))
	for k, idx := range wrt {
		data := inputs[idx].Float64s()
		for _, e := range sample(len(data), opt.MaxSamples, rng) {
			numeric, err := h.centralDifference(data, e, opt.Step)
			if err != nil {
				return err
			}
			a := analytic[k][e]
			if math.Abs(a-numeric) > opt.AbsTol+opt.RelTol*math.Abs(numeric) {
				return errors.Errorf("input %d element %d: analytic gradient %.10g, finite difference %.10g", idx, e, a, numeric)
			}
		}
	}
	return nil
}

// harness holds the compiled graph of one check.
type harness struct {
	loss  *G.Node
	grads G.Nodes
	vm    G.VM
}

func newHarness(inputs []*tensor.Dense, wrt []int, build Build, seed uint64) (*harness, error) {
	g := G.NewGraph()
	nodes := make([]*G.Node, len(inputs))
	for i, in := range inputs {
		if in.Dtype() != tensor.Float64 {
			return nil, errors.Errorf("input %d is %v; gradient checks run in float64", i, in.Dtype())
		}
		nodes[i] = G.NodeFromAny(g, in, G.WithName(fmt.Sprintf("input%d", i)))
	}
	out, err := build(g, nodes)
	if err != nil {
		return nil, errors.Wrap(err, "building the graph")
	}
	loss, err := reduce(g, out, seed)
	if err != nil {
		return nil, err
	}
	wrtNodes := make(G.Nodes, len(wrt))
	for k, idx := range wrt {
		wrtNodes[k] = nodes[idx]
	}
	grads, err := G.Grad(loss, wrtNodes...)
	if err != nil {
		return nil, errors.Wrap(err, "differentiating")
	}
	return &harness{loss: loss, grads: grads, vm: G.NewTapeMachine(g)}, nil
}

// reduce turns a tensor output into the scalar Σ y∘R.
func reduce(g *G.ExprGraph, out *G.Node, seed uint64) (*G.Node, error) {
	if out.IsScalar() {
		return out, nil
	}
	rng := rand.New(rand.NewPCG(seed, 11))
	r := tensor.New(tensor.WithShape(out.Shape()...), tensor.Of(tensor.Float64))
	for i := range r.Float64s() {
		r.Float64s()[i] = rng.NormFloat64()
	}
	rn := G.NodeFromAny(g, r, G.WithName("gradcheck.R"))
	prod, err := G.HadamardProd(out, rn)
	if err != nil {
		return nil, errors.Wrap(err, "weighting the output")
	}
	return G.Sum(prod)
}

func (h *harness) run() error {
	defer h.vm.Reset()
	return errors.Wrap(h.vm.RunAll(), "running the graph")
}

// gradients runs the graph once and copies the analytic gradients.
func (h *harness) gradients() ([][]float64, error) {
	if err := h.run(); err != nil {
		return nil, err
	}
	out := make([][]float64, len(h.grads))
	for k, gn := range h.grads {
		d, ok := gn.Value().Data().([]float64)
		if !ok {
			return nil, errors.Errorf("gradient %d is %T, expected []float64", k, gn.Value().Data())
		}
		out[k] = append([]float64(nil), d...)
	}
	return out, nil
}

func (h *harness) lossAt(data []float64, e int, x float64) (float64, error) {
	old := data[e]
	data[e] = x
	defer func() { data[e] = old }()
	if err := h.run(); err != nil {
		return 0, err
	}
	switch v := h.loss.Value().(type) {
	case *G.F64:
		return float64(*v), nil
	case tensor.Tensor:
		return v.Data().([]float64)[0], nil
	}
	return 0, errors.Errorf("loss value is %T", h.loss.Value())
}

func (h *harness) centralDifference(data []float64, e int, step float64) (float64, error) {
	x := data[e]
	up, err := h.lossAt(data, e, x+step)
	if err != nil {
		return 0, err
	}
	down, err := h.lossAt(data, e, x-step)
	if err != nil {
		return 0, err
	}
	return (up - down) / (2 * step), nil
}

// sample returns the element indices to check.
func sample(n, max int, rng *rand.Rand) []int {
	if max <= 0 || max >= n {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	return rng.Perm(n)[:max]
}
