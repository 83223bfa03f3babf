package train

import (
	"math"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/objectives"
)

// Metrics is one line of metrics.jsonl, written at every evaluation.
type Metrics struct {
	Step         int     `json:"step"`
	Epoch        float64 `json:"epoch"`
	TrainLoss    float64 `json:"train_loss"` // mean over the steps since the previous line
	ValLoss      float64 `json:"val_loss"`   // NaN-free: omitted runs have no validation set
	LR           float64 `json:"lr"`
	GradNorm     float64 `json:"grad_norm"`
	ImagesPerSec float64 `json:"images_per_s"`
	ElapsedSec   float64 `json:"elapsed_s"`
}

// evaluate computes the validation loss, logs a metrics line and saves a
// checkpoint after step done.
func (r *runner) evaluate(done int) error {
	val, err := r.validationLoss()
	if err != nil {
		return err
	}
	m := Metrics{
		Step: done, Epoch: float64(done*r.o.Batch) / float64(r.trainSet.N),
		TrainLoss: r.prog.lossSum / float64(max(r.prog.lossCount, 1)), ValLoss: val,
		LR: r.lastRate, GradNorm: r.lastGradNm, ImagesPerSec: r.imagesPerSec(), ElapsedSec: r.elapsed(),
	}
	if err := r.log.Append(m); err != nil {
		return err
	}
	r.prog.lossSum, r.prog.lossCount = 0, 0
	r.lastValue = m.TrainLoss
	if err := r.save(); err != nil {
		return err
	}
	r.bar.Evaluated(m)
	return nil
}

// validationLoss is the loss over the held-out images, image i with prefix
// length 1 + (i mod (K−1)), averaged over all counted target patches.
func (r *runner) validationLoss() (float64, error) {
	if r.valGraph == nil {
		return 0, nil
	}
	return ValidationLoss(r.valGraph, r.valSet.Images, r.valSet.N, min(r.o.Batch, r.valSet.N), r.o.Model.Grid().Len())
}

// ValidationLoss evaluates the deterministic validation loss of n images
// (n·C·H·W values) through a loss graph taking up to batch images.
func ValidationLoss(l interface {
	Loss(images []float32, prefixes []int) (float64, int, error)
}, images []float32, n, batch, k int) (float64, error) {
	size := len(images) / max(n, 1)
	var total float64
	var counted int
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		prefixes := make([]int, hi-lo)
		for i := range prefixes {
			prefixes[i] = objectives.ValidationPrefix(lo+i, k)
		}
		loss, c, err := l.Loss(images[lo*size:hi*size], prefixes)
		if err != nil {
			return 0, errors.Wrap(err, "validation loss")
		}
		total += loss * float64(c)
		counted += c
	}
	if counted == 0 {
		return 0, nil
	}
	v := total / float64(counted)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errors.Errorf("validation loss is %v", v)
	}
	return v, nil
}

// save writes the checkpoint of the run as it stands, with the training
// time of every invocation so far.
func (r *runner) save() error {
	r.prog.seconds = r.elapsed()
	return saveCheckpoint(r.o.Out, r.model, r.opt, r.prog, r.o, r.norm)
}

// interrupt saves a checkpoint at the last completed step.
func (r *runner) interrupt(step int) error {
	if step > r.start {
		if err := r.save(); err != nil {
			return err
		}
	}
	return errors.Wrapf(ErrInterrupted, "stopped after step %d; continue with --resume", step)
}

func (r *runner) summary() *Summary {
	trunk, head := r.o.Model.ParamCount()
	return &Summary{
		Steps: r.o.Steps, TrainLoss: r.lastValue, ValLoss: r.log.last.ValLoss, ImagesPerSec: r.imagesPerSec(),
		Checkpoint: r.o.Out + "/" + CheckpointFile, ResumedAtStep: r.start, ParameterCount: trunk + head,
	}
}
