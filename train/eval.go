package train

import (
	"math"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/mpi"
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
	Ranks        int     `json:"ranks"` // processes the run is spread over (0 in files from before distribution)
	// ReplicasResynced says that a rank's weights had drifted from rank 0's
	// and were replaced by them at this evaluation (see syncReplicas).
	ReplicasResynced bool `json:"replicas_resynced,omitempty"`
}

// evaluate computes the validation loss, logs a metrics line and saves a
// checkpoint after step done (the last two on rank 0 alone).
func (r *runner) evaluate(done int) error {
	val, err := r.validationLoss()
	if err != nil {
		return err
	}
	m := Metrics{
		Step: done, Epoch: float64(done*r.o.Batch) / float64(r.trainSet.N),
		TrainLoss: r.prog.lossSum / float64(max(r.prog.lossCount, 1)), ValLoss: val,
		LR: r.lastLR, GradNorm: r.lastGradNorm, ImagesPerSec: r.imagesPerSec(), ElapsedSec: r.elapsed(),
		Ranks: r.ranks,
	}
	if r.ranks > 1 {
		if m.ReplicasResynced, err = r.syncReplicas(); err != nil {
			return err
		}
	}
	r.prog.lossSum, r.prog.lossCount = 0, 0
	r.lastTrainLoss, r.lastValLoss = m.TrainLoss, m.ValLoss
	if r.rank != 0 {
		return nil
	}
	if err := r.log.Append(m); err != nil {
		return err
	}
	if err := r.keep(); err != nil {
		return err
	}
	if err := r.save(); err != nil {
		return err
	}
	r.bar.Evaluated(m)
	return nil
}

// validationLoss is the loss over the held-out images, image i with prefix
// length 1 + (i mod (K−1)), averaged over all counted target patches. With
// several ranks each evaluates its share of the images and the sums are
// reduced.
func (r *runner) validationLoss() (float64, error) {
	if r.valSet == nil || r.valSet.N == 0 {
		return 0, nil
	}
	k := r.o.Model.Grid().Len()
	if r.ranks == 1 {
		return ValidationLoss(r.valGraph, r.valSet.Images, r.valSet.N, min(r.o.Batch, r.valSet.N), k)
	}
	lo, hi := r.valShare()
	var sums [2]float64 // loss × counted patches, counted patches
	if hi > lo {
		size := r.valSet.C * r.valSet.H * r.valSet.W
		total, counted, err := validationSums(r.valGraph, r.valSet.Images[lo*size:hi*size], lo, hi-lo, r.valBatch, k)
		if err != nil {
			return 0, err
		}
		sums = [2]float64{total, float64(counted)}
	}
	if err := r.comm.AllReduceFloat64(sums[:]); err != nil {
		return 0, errors.Wrap(err, "reducing the validation loss")
	}
	v, err := meanLoss(sums[0], int(sums[1]))
	return v, mpi.Everywhere(err)
}

// ValidationLoss evaluates the deterministic validation loss of n images
// (n·C·H·W values) through a loss graph taking up to batch images.
func ValidationLoss(l interface {
	Loss(images []float32, prefixes []int) (float64, int, error)
}, images []float32, n, batch, k int) (float64, error) {
	total, counted, err := validationSums(l, images, 0, n, batch, k)
	if err != nil {
		return 0, err
	}
	return meanLoss(total, counted)
}

// validationSums returns the loss summed over the counted target patches
// of n validation images, the first of which is held-out image first (it
// sets the prefix lengths), and the number of those patches.
func validationSums(l interface {
	Loss(images []float32, prefixes []int) (float64, int, error)
}, images []float32, first, n, batch, k int) (total float64, counted int, err error) {
	size := len(images) / max(n, 1)
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		prefixes := make([]int, hi-lo)
		for i := range prefixes {
			prefixes[i] = objectives.ValidationPrefix(first+lo+i, k)
		}
		loss, c, err := l.Loss(images[lo*size:hi*size], prefixes)
		if err != nil {
			return 0, 0, errors.Wrap(err, "validation loss")
		}
		total += loss * float64(c)
		counted += c
	}
	return total, counted, nil
}

// meanLoss is total/counted (0 without counted patches), refusing a value
// that is not finite.
func meanLoss(total float64, counted int) (float64, error) {
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

// keep writes the weights of an evaluation to their own file when the run
// keeps its checkpoints. It runs before save: a run stopped between the
// two resumes from the previous checkpoint and writes the same weights
// again.
func (r *runner) keep() error {
	if !r.o.KeepCheckpoints {
		return nil
	}
	r.prog.seconds = r.elapsed()
	return saveSnapshot(r.o.Out, r.model, r.prog, r.o, r.norm)
}

// interrupt saves a checkpoint at the last completed step (rank 0). With
// several ranks every rank stops at the same step (the interruption is
// agreed through the reduction), so the error is marked mpi.Everywhere.
func (r *runner) interrupt(step int) error {
	if step > r.start && r.rank == 0 {
		if err := r.save(); err != nil {
			return err
		}
	}
	err := errors.Wrapf(ErrInterrupted, "stopped after step %d; continue with --resume", step)
	if r.ranks > 1 {
		return mpi.Everywhere(err)
	}
	return err
}

func (r *runner) summary() *Summary {
	trunk, head := r.o.Model.ParamCount()
	return &Summary{
		Steps: r.o.Steps, TrainLoss: r.lastTrainLoss, ValLoss: r.lastValLoss, ImagesPerSec: r.imagesPerSec(),
		Checkpoint: r.o.Out + "/" + CheckpointFile, ResumedAtStep: r.start, ParameterCount: trunk + head,
		Ranks: r.ranks,
	}
}
