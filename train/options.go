package train

import (
	"github.com/pkg/errors"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/masks"
	"github.com/aim-go/aim/mpi"
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
	Comm mpi.Comm `json:"-"`
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
