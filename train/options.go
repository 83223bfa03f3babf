// Package train runs AIM pre-training: it draws batches, samples prefix
// lengths, steps AdamW on the gradients of the training graph under a
// warmup-cosine schedule, evaluates a deterministic validation loss, and
// writes metrics and atomic, resumable checkpoints.
//
// A run is a pure function of its Options and data: image i of the global
// batch of step s is the (s·Batch + i)-th image of per-epoch permutations
// of the training set (data.Permutation, a function of the seed and the
// epoch), and its prefix length, then its augmentation, are drawn from a
// generator of its own, seeded by (seed, s, i). So a run interrupted and
// resumed from its checkpoint follows exactly the loss curve of an
// uninterrupted run, and any share of a batch can be drawn without the
// rest.
//
// # Data parallelism
//
// With Options.Comm of N ranks (package dist; aim pretrain under mpirun),
// Batch is the global batch, a multiple of N, and rank r takes the images
// r·Batch/N … (r+1)·Batch/N − 1 of every global batch, drawing exactly
// what a single process draws for them. Every rank starts from rank 0's
// weights (and, when resuming, rank 0's optimiser state and progress, read
// from the checkpoint by rank 0 alone, so another number of ranks may
// resume a run). After the backward pass each rank scales its gradients by
// its share of the batch's counted target patches and the ranks sum them
// in buckets of up to 4 Mi values (MPI all-reduce), so every rank holds the
// gradient of the token mean over the global batch; the loss is reduced
// the same way, with a flag that stops every rank at the same step when
// one is interrupted. Clipping (the global norm of the reduced gradients)
// and AdamW then do the same on every rank. The validation images are
// split over the ranks and the loss sums reduced. Rank 0 alone writes
// metrics.jsonl (each line records "ranks") and the checkpoints and
// reports progress. At every evaluation the ranks compare a hash of their
// weights with rank 0's, and a rank that ever differed would take rank 0's
// weights and moments (recorded as "replicas_resynced"). Before the first
// step the ranks check that they read the same training and validation
// images.
//
// The result equals the single-process run with the same Batch to float32
// rounding (the sums are taken in another order), not bit for bit.
package train

import (
	"github.com/pkg/errors"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/dist"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/masks"
	"github.com/aim-go/aim/patches"
)

// Options configure a pre-training run.
type Options struct {
	Model     graph.Config    `json:"model"`
	Objective graph.Objective `json:"objective"`
	Mask      masks.Kind      `json:"mask"` // PrefixCausal (the paper) or Causal

	Steps       int     `json:"steps"`
	Batch       int     `json:"batch"`
	LR          float64 `json:"lr"`     // peak learning rate
	MinLR       float64 `json:"min_lr"` // learning rate at the last step
	Warmup      int     `json:"warmup"` // linear warmup steps; negative: 5% of Steps
	WeightDecay float64 `json:"weight_decay"`
	Beta2       float64 `json:"beta2"`
	ClipNorm    float64 `json:"clip_norm"`
	Seed        uint64  `json:"seed"`

	// Precision is how matrix products compute (blas.Precision): bf16
	// rounds their inputs; weights, optimiser and the rest stay float32.
	Precision blas.Precision `json:"precision,omitempty"`

	Augment   *data.Augment `json:"augment,omitempty"` // nil: no augmentation
	EvalEvery int           `json:"eval_every"`        // steps between evaluations and checkpoints; 0: a tenth of Steps

	Out    string `json:"-"` // run directory
	Resume bool   `json:"-"` // continue from Out/checkpoint.safetensors

	// KeepCheckpoints also writes the weights of every evaluation to
	// SnapshotFile(step) (without the optimiser state), so that the run
	// can be probed at several steps. It changes no result, so it is not
	// part of the run's identity: a run may be resumed with or without it.
	KeepCheckpoints bool `json:"-"`

	// Comm spreads the run over its ranks (data-parallel); nil: a single
	// process. It is not part of the run's identity: a run may be resumed
	// on another number of ranks.
	Comm dist.Comm `json:"-"`
}

// NewOptions returns the project's recipe: AdamW β2 0.95, weight decay
// 0.05 and gradient clipping at 1.0 (the paper's), peak learning rate 1e-3
// with a linear warmup over 5% of the steps and cosine decay to 0, batch 64,
// the prefix-causal mask, the paper's augmentation, and an evaluation every
// tenth of the run.
func NewOptions() Options {
	aug := data.DefaultAugment()
	return Options{
		Mask: masks.PrefixCausal, Batch: 64, LR: 1e-3, Warmup: -1,
		WeightDecay: 0.05, Beta2: 0.95, ClipNorm: 1, Augment: &aug,
	}
}

// resolve fills the fields whose default depends on the number of steps:
// a negative Warmup (5% of the steps) and a zero EvalEvery (a tenth).
func (o *Options) resolve() {
	if o.Warmup < 0 {
		o.Warmup = o.Steps / 20
	}
	if o.EvalEvery <= 0 {
		o.EvalEvery = max(1, o.Steps/10)
	}
}

// maxCount bounds the steps and the batch: the stream of each image is
// keyed by its step and its index in the batch, 32 bits each.
const maxCount = 1<<32 - 1

// Validate reports the first unusable option, naming it.
func (o *Options) Validate() error {
	switch {
	case o.Steps < 1 || int64(o.Steps) > maxCount:
		return errors.Errorf("steps %d: expected at least 1 and at most %d", o.Steps, maxCount)
	case o.Batch < 1 || int64(o.Batch) > maxCount:
		return errors.Errorf("batch %d: expected at least 1 and at most %d", o.Batch, maxCount)
	case !(o.LR > 0) || o.MinLR < 0 || o.MinLR > o.LR:
		return errors.Errorf("learning rate %g (minimum %g): expected 0 ≤ minimum ≤ peak and a positive peak", o.LR, o.MinLR)
	case o.WeightDecay < 0 || !(o.Beta2 > 0 && o.Beta2 < 1) || o.ClipNorm < 0:
		return errors.Errorf("weight decay %g, beta2 %g, clip norm %g: expected decay ≥ 0, 0 < beta2 < 1, clip ≥ 0 (0: no clipping)", o.WeightDecay, o.Beta2, o.ClipNorm)
	case o.Warmup > o.Steps:
		return errors.Errorf("warmup %d: expected between 0 and the %d steps", o.Warmup, o.Steps)
	case o.Mask != masks.PrefixCausal && o.Mask != masks.Causal:
		return errors.Errorf("mask %s: pre-training uses the prefix or the causal mask", o.Mask)
	case o.Out == "":
		return errors.New("no output directory")
	}
	if o.Objective.Order != "" {
		if _, err := patches.ParseOrder(string(o.Objective.Order)); err != nil {
			return err
		}
	}
	if err := blas.CheckPrecision(o.Precision); err != nil {
		return errors.Wrapf(err, "precision %v", o.Precision)
	}
	if o.Augment != nil {
		if err := o.Augment.Validate(); err != nil {
			return err
		}
	}
	return o.Model.Validate()
}
