package probe

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/mpi"
	"github.com/aim-go/aim/optim"
	"github.com/aim-go/aim/schedules"
)

// Options configure a probe run.
type Options struct {
	Kind         Kind
	Layers       []int         // blocks whose outputs are averaged; nil: graph.DefaultFeatureLayers
	Epochs       int           // passes over the training images, at least
	MinSteps     int           // optimiser steps, at least: more epochs for small datasets
	Batch        int           // training images per step
	LR           float64       // peak learning rate (linear warmup, cosine decay to 0)
	WeightDecay  float64       // AdamW decoupled decay of the weight matrices and the query
	Seed         uint64        // head initialisation, batch order and augmentation
	Augment      *data.Augment // nil: trunk features computed once and cached
	TrainImages  int           // use this many training images, a fixed subset (0: all)
	TestImages   int           // cap on the test images, a fixed subset (0: the whole official test split)
	FeatureBatch int           // images per trunk forward pass
	LinearBias   bool          // a bias in the final linear layer (see HeadSpec)
	// Preprocessed, when set, describes the photo transform the images
	// went through (data.FolderOptions.Photos): they are the trunk's
	// input as they are, neither fitted nor normalised again, and must
	// have its channels and, where the checkpoint fixes it, its size.
	Preprocessed string
	// Comm spreads the feature pass over its ranks (see Run); nil: a
	// single process.
	Comm mpi.Comm
}

// Defaults of DefaultOptions, chosen on MNIST and Fashion-MNIST with the
// tiny preset (see the package documentation).
const (
	DefaultEpochs       = 10
	DefaultMinSteps     = 500
	DefaultBatch        = 256
	DefaultLR           = 3e-2
	DefaultWeightDecay  = 0.05
	DefaultFeatureBatch = 128
	// Beta2 and ClipNorm of the probes' AdamW.
	probeBeta2    = 0.999
	probeClipNorm = 3.0
	// warmupFraction of the steps warm the learning rate up linearly.
	warmupFraction = 0.05
)

// DefaultOptions returns the default recipe for a probe of the given kind:
// 10 epochs, and at least 500 steps, of batch 256; peak learning rate 3e-2
// with a 5% linear warmup and cosine decay; AdamW (β2 0.999, weight decay
// 0.05, gradient-norm clip 3); no augmentation; features of
// graph.DefaultFeatureLayers; the attentive probe's classifier without bias
// (as ml-aim's), the linear probe's with one.
func DefaultOptions(kind Kind) Options {
	return Options{
		Kind: kind, Epochs: DefaultEpochs, MinSteps: DefaultMinSteps, Batch: DefaultBatch, LR: DefaultLR,
		WeightDecay: DefaultWeightDecay, FeatureBatch: DefaultFeatureBatch, LinearBias: kind == Linear,
	}
}

// Validate reports the first unusable option, naming it.
func (o *Options) Validate() error {
	if _, err := ParseKind(string(o.Kind)); err != nil {
		return err
	}
	switch {
	case o.Epochs < 1:
		return errors.Errorf("epochs %d: expected at least 1", o.Epochs)
	case o.MinSteps < 0:
		return errors.Errorf("minimum steps %d: expected 0 or more", o.MinSteps)
	case o.Batch < 2:
		return errors.Errorf("batch %d: expected at least 2 (BatchNorm needs 2 samples)", o.Batch)
	case !(o.LR > 0) || math.IsInf(o.LR, 0):
		return errors.Errorf("learning rate %g: expected a finite positive rate", o.LR)
	case !(o.WeightDecay >= 0) || math.IsInf(o.WeightDecay, 0):
		return errors.Errorf("weight decay %g: expected a finite value ≥ 0", o.WeightDecay)
	case o.TestImages < 0:
		return errors.Errorf("test images %d: expected 0 (all) or a positive count", o.TestImages)
	case o.TrainImages < 0:
		return errors.Errorf("train images %d: expected 0 (all) or a positive count", o.TrainImages)
	case o.FeatureBatch < 1:
		return errors.Errorf("feature batch %d: expected at least 1", o.FeatureBatch)
	}
	if o.Augment != nil {
		return o.Augment.Validate()
	}
	return nil
}

// trainer trains a head on features.
type trainer struct {
	head   *Head
	o      Options
	tokens int
	p      Progress
}

// epochs returns the epochs of n images that train for at least o.Epochs
// epochs and o.MinSteps steps, the batch and the steps per epoch. Every
// step takes a full batch of a per-epoch permutation (the remainder of an
// epoch is dropped, so BatchNorm never sees a small batch); with fewer
// images than the batch, a step takes them all.
func (o *Options) epochs(n int) (epochs, batch, perEpoch int) {
	batch = min(o.Batch, n)
	perEpoch = n / max(batch, 1)
	epochs = max(o.Epochs, (o.MinSteps+perEpoch-1)/max(perEpoch, 1))
	return epochs, batch, perEpoch
}

// train fits the head to the labelled features and returns the mean loss
// of the last epoch and the number of epochs.
func (t *trainer) train(ctx context.Context, feats features, labels []int) (float64, int, error) {
	n := len(labels)
	epochs, batch, perEpoch := t.o.epochs(n)
	if batch < 2 {
		return 0, 0, errors.Errorf("%d training images: a probe needs at least 2", n)
	}
	total := epochs * perEpoch
	sched := schedules.WarmupCosine{Peak: t.o.LR, Warmup: int(warmupFraction * float64(total)), Total: total}
	if err := sched.Validate(); err != nil {
		return 0, 0, err
	}
	g, err := t.head.newGraph(batch, t.tokens, true)
	if err != nil {
		return 0, 0, err
	}
	defer g.close()
	opt := optim.NewAdamW[float32]()
	opt.Beta2, opt.WeightDecay, opt.ClipNorm = probeBeta2, t.o.WeightDecay, probeClipNorm
	t.p.Start("probe", total)
	defer t.p.Finish()
	var perm []int
	var epochLoss float64
	for step := range total {
		epoch, pos := step/perEpoch, step%perEpoch
		if pos == 0 {
			perm, epochLoss = data.Permutation(n, t.o.Seed, uint64(epoch)), 0
		}
		loss, err := t.step(ctx, g, feats, labels, perm[pos*batch:(pos+1)*batch], step)
		if err != nil {
			return 0, 0, errors.Wrapf(err, "probe step %d", step+1)
		}
		if _, err := opt.Step(t.params(g), sched.LR(step)); err != nil {
			return 0, 0, errors.Wrapf(err, "probe step %d (lower the learning rate)", step+1)
		}
		epochLoss += loss
		t.p.Step(step+1, fmt.Sprintf("epoch %d/%d  loss %.4f", epoch+1, epochs, epochLoss/float64(pos+1)))
	}
	return epochLoss / float64(perEpoch), epochs, nil
}

// step loads one batch and runs the forward and backward pass.
func (t *trainer) step(ctx context.Context, g *headGraph, feats features, labels, idx []int, step int) (float64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	rng := rand.New(rand.NewPCG(t.o.Seed, uint64(step)))
	if err := feats.fill(ctx, idx, g.input.Float32s(), rng); err != nil {
		return 0, err
	}
	lab := g.labels.Float32s()
	for j, i := range idx {
		lab[j] = float32(labels[i])
	}
	loss, err := g.run()
	if err == nil && (math.IsNaN(loss) || math.IsInf(loss, 0)) {
		err = errors.Errorf("the loss is %v", loss)
	}
	return loss, err
}

// params returns the head's parameters with their gradients of the last
// run; matrices and the query decay, biases do not.
func (t *trainer) params(g *headGraph) []optim.Param[float32] {
	ps := make([]optim.Param[float32], len(g.Names))
	for i, name := range g.Names {
		ps[i] = optim.Param[float32]{
			Name: name, Data: t.head.Params.Float32s(name), Grad: g.Grads[i].Value().Data().([]float32),
			Decay: len(t.head.Params.Get(name).Shape()) >= 2,
		}
	}
	return ps
}

// accuracy returns the share of images whose highest logit is their class,
// evaluating the head (BatchNorm on running statistics) in batches.
func (h *Head) accuracy(ctx context.Context, feats features, labels []int, batch, tokens int) (float64, error) {
	n := len(labels)
	if n == 0 {
		return 0, errors.New("no images to evaluate")
	}
	batch = min(batch, n)
	g, err := h.newGraph(batch, tokens, false)
	if err != nil {
		return 0, err
	}
	defer g.close()
	in := g.input.Float32s()
	idx := make([]int, 0, batch)
	correct := 0
	for lo := 0; lo < n; lo += batch {
		idx = idx[:0]
		for i := lo; i < min(lo+batch, n); i++ {
			idx = append(idx, i)
		}
		clear(in)
		if err := feats.fill(ctx, idx, in, nil); err != nil {
			return 0, err
		}
		if _, err := g.run(); err != nil {
			return 0, err
		}
		correct += CountCorrect(g.out[:len(idx)*h.Classes], labels[lo:lo+len(idx)], h.Classes)
	}
	return float64(correct) / float64(n), nil
}

// CountCorrect returns how many rows of logits (N, classes) have their
// largest value at the row's label: top-1 hits. A row whose largest value
// is shared by several classes counts for the first of them; a row holding
// NaN is never correct.
func CountCorrect(logits []float32, labels []int, classes int) int {
	correct := 0
	for i, l := range labels {
		row := logits[i*classes : (i+1)*classes]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		if best == l && !hasNaN(row) {
			correct++
		}
	}
	return correct
}

func hasNaN(row []float32) bool {
	for _, v := range row {
		if v != v {
			return true
		}
	}
	return false
}
