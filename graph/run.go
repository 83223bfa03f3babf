package graph

import (
	"math/rand/v2"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/layers"
	"github.com/aim-go/aim/objectives"
)

// WithImage returns the model for images of another size, sharing the
// weights. The channel count is fixed by the patch embedding.
func (m *Model) WithImage(channels, height, width int) (*Model, error) {
	if channels != m.Config.Channels {
		return nil, errors.Errorf("images have %d channels, the model was built for %d", channels, m.Config.Channels)
	}
	cfg := m.Config.WithImage(channels, height, width)
	if m.Config.PosEmbed == PosLearned && (height != m.Config.ImageHeight || width != m.Config.ImageWidth) {
		return nil, errors.Errorf("images of %d×%d: the model learned positions for %d×%d images only (AIMv2's native model takes other sizes)", height, width, m.Config.ImageHeight, m.Config.ImageWidth)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Model{Config: cfg, Params: m.Params, file: m.file, evicted: m.evicted}, nil
}

// pretrainGraph is the forward pass up to the loss, shared by the training
// and the loss-evaluation graphs.
type pretrainGraph struct {
	*inputs
	*Program
	loss *G.Node
}

func (m *Model) newPretrainGraph(batch int, obj Objective, withGrad bool) (*pretrainGraph, error) {
	if batch < 1 {
		return nil, errors.Errorf("batch size %d must be positive", batch)
	}
	if m.Config.IsV2() {
		return nil, errors.New("an AIMv2 encoder carries no prediction head (Apple released the vision encoder alone), so it has no pre-training loss")
	}
	if m.Config.HeadWidth == 0 {
		return nil, errors.New("the model has no prediction head (decoder.*), so it has no pre-training loss")
	}
	in, err := newInputs(m.Config.Grid(), obj, batch, m.Params.Dtype())
	if err != nil {
		return nil, err
	}
	b := layers.NewBuilder(m.Params, rand.New(rand.NewPCG(0, 0)))
	net := newNetwork(b, m.Config, in.order, true)
	pred := net.pretrain(b.Input("patches", in.patches), b.Input("prefix", in.prefix), in.rows)
	var loss *G.Node
	if b.Err() == nil {
		loss, err = objectives.NextPatchLoss(pred, b.Input("targets", in.targets), b.Input("weights", in.weights), in.rows)
		b.Fail(err, "adding the loss")
	}
	if err := m.checkParams(b); err != nil {
		return nil, err
	}
	prog, err := m.compile(b, loss, withGrad)
	if err != nil {
		return nil, err
	}
	return &pretrainGraph{inputs: in, Program: prog, loss: loss}, nil
}

// checkParams reports a construction error, or parameters of the store the
// graph did not use (a checkpoint with a tensor the architecture lacks).
func (m *Model) checkParams(b *layers.Builder) error {
	if err := b.Err(); err != nil {
		return err
	}
	used, _ := b.ParamNodes()
	if len(used) != m.Params.Len() {
		seen := map[string]bool{}
		for _, n := range used {
			seen[n] = true
		}
		for _, n := range m.Params.Names() {
			if !seen[n] {
				return errors.Errorf("parameter %s is not part of the model", n)
			}
		}
	}
	return nil
}

// run executes the graph once on the loaded inputs and returns the loss.
func (pg *pretrainGraph) run() (float64, error) {
	if err := pg.Run(); err != nil {
		return 0, err
	}
	return Scalar(pg.loss)
}

// TrainGraph computes the pre-training loss of a batch and the gradient of
// every parameter.
type TrainGraph struct{ *pretrainGraph }

// NewTrainGraph builds the training graph for batches of the given size.
func (m *Model) NewTrainGraph(batch int, obj Objective) (*TrainGraph, error) {
	pg, err := m.newPretrainGraph(batch, obj, true)
	if err != nil {
		return nil, err
	}
	return &TrainGraph{pg}, nil
}

// Step runs the forward and backward pass on a full batch of images
// (B·C·H·W values) with the given prefix lengths, and returns the loss. The
// gradients are then available from Gradients until the next Step.
func (t *TrainGraph) Step(images []float32, prefixes []int) (float64, error) {
	if len(prefixes) != t.batch {
		return 0, errors.Errorf("a training step takes %d images, got %d", t.batch, len(prefixes))
	}
	if err := t.fill(images, prefixes); err != nil {
		return 0, err
	}
	return t.run()
}

// Gradient is one parameter with its gradient from the last Step.
type Gradient struct {
	Name        string
	Value, Grad *tensor.Dense
}

// Gradients returns every parameter with its gradient, in the order the
// model creates them.
func (t *TrainGraph) Gradients() ([]Gradient, error) {
	out := make([]Gradient, len(t.Names))
	for i, name := range t.Names {
		v, _ := t.Params[i].Value().(*tensor.Dense)
		g, _ := t.Grads[i].Value().(*tensor.Dense)
		if v == nil || g == nil {
			return nil, errors.Errorf("parameter %s has no gradient: run Step first", name)
		}
		out[i] = Gradient{Name: name, Value: v, Grad: g}
	}
	return out, nil
}

// LossGraph evaluates the pre-training loss without gradients.
type LossGraph struct{ *pretrainGraph }

// NewLossGraph builds a loss-only graph for batches of up to batch images.
func (m *Model) NewLossGraph(batch int, obj Objective) (*LossGraph, error) {
	pg, err := m.newPretrainGraph(batch, obj, false)
	if err != nil {
		return nil, err
	}
	return &LossGraph{pg}, nil
}

// Loss returns the mean loss over the counted target patches of up to batch
// images and the number of those patches, so that callers can average over
// several batches.
func (l *LossGraph) Loss(images []float32, prefixes []int) (loss float64, counted int, err error) {
	if err := l.fill(images, prefixes); err != nil {
		return 0, 0, err
	}
	for _, s := range prefixes {
		counted += objectives.Counted(s, l.grid.Len())
	}
	loss, err = l.run()
	return loss, counted, err
}
