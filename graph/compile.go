package graph

import (
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"

	"github.com/aim-go/aim/layers"
	"github.com/aim-go/aim/ops/memplan"
)

// Program is a graph made ready to run: its gradients (when asked for),
// its memory plan and the Gorgonia TapeMachine that executes it. Every graph
// of the project — pre-training, loss, features, probe heads — goes through
// Compile, so the steps Builder → Grad → memplan.Plan → TapeMachine are
// written once.
type Program struct {
	vm G.VM
	// Names and Params are the parameters the graph uses, in the order the
	// layers asked for them.
	Names  []string
	Params G.Nodes
	// Grads holds the gradient of the loss with respect to each of Params;
	// nil when the program was compiled without gradients.
	Grads G.Nodes

	weights weightFile // the file the weights are mapped from; nil for none
}

// Compile finishes the graph built by b. With withGrad it differentiates
// loss with respect to every parameter the graph uses. It then plans the
// memory of the operations' outputs so that loss, the gradients and keep —
// the nodes read after a run — keep their values, and creates the
// TapeMachine. A construction error recorded by b is returned as it is.
func Compile(b *layers.Builder, loss *G.Node, withGrad bool, keep ...*G.Node) (*Program, error) {
	if err := b.Err(); err != nil {
		return nil, err
	}
	p := &Program{}
	p.Names, p.Params = b.ParamNodes()
	if withGrad {
		if loss == nil {
			return nil, errors.New("compiling the graph: gradients need a loss")
		}
		for _, name := range p.Names {
			if h, bits := b.Params().Half(name); bits != nil {
				return nil, errors.Errorf("compiling the graph: parameter %s is held as %v (loaded with KeepHalf), which serves inference only; load the checkpoint without it to train", name, h)
			}
		}
		var err error
		if p.Grads, err = G.Grad(loss, p.Params...); err != nil {
			return nil, errors.Wrap(err, "differentiating the loss")
		}
	}
	read := append(append(G.Nodes(nil), keep...), p.Grads...)
	if loss != nil {
		read = append(read, loss)
	}
	if _, err := memplan.Plan(b.G, read...); err != nil {
		return nil, err
	}
	p.vm = G.NewTapeMachine(b.G)
	return p, nil
}

// compile is Compile for a graph over the model's weights, which the
// program's runs then check the model's mapped file for.
func (m *Model) compile(b *layers.Builder, loss *G.Node, withGrad bool, keep ...*G.Node) (*Program, error) {
	if err := m.restoreFor(withGrad); err != nil {
		return nil, err
	}
	p, err := Compile(b, loss, withGrad, keep...)
	if err == nil {
		p.weights = m.file
	}
	return p, err
}

// Run executes the graph once. The values of the nodes kept by Compile stay
// readable until the next Run. A program over a model loaded from a mapped
// file returns a *checkpoint.ChangedError when the file is found changed
// before or after the run, or truncated during it (checkpoint.Mapped.Use).
func (p *Program) Run() error {
	defer p.vm.Reset()
	run := func() error { return errors.Wrap(p.vm.RunAll(), "running the graph") }
	if p.weights == nil {
		return run()
	}
	return p.weights.Use(run)
}

// Close releases the machine.
func (p *Program) Close() error { return p.vm.Close() }

// Scalar returns the value of a scalar node (a loss) after a run.
func Scalar(n *G.Node) (float64, error) {
	switch v := n.Value().(type) {
	case *G.F32:
		return float64(*v), nil
	case *G.F64:
		return float64(*v), nil
	}
	return 0, errors.Errorf("%s holds %T, not a scalar", n.Name(), n.Value())
}
