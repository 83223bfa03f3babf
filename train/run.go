package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/objectives"
	"github.com/aim-go/aim/optim"
	"github.com/aim-go/aim/schedules"
)

// ErrInterrupted is returned when the context is cancelled: the run stopped
// after saving a checkpoint it can be resumed from.
var ErrInterrupted = errors.New("interrupted")

// Summary describes a finished run.
type Summary struct {
	Steps          int     `json:"steps"`
	TrainLoss      float64 `json:"train_loss"`
	ValLoss        float64 `json:"val_loss"`
	ImagesPerSec   float64 `json:"images_per_s"`
	Checkpoint     string  `json:"checkpoint"`
	ResumedAtStep  int     `json:"resumed_at_step"`
	ParameterCount int     `json:"parameters"`
}

// runner holds the state of one pre-training run.
type runner struct {
	o          Options
	norm       Normalization
	trainSet   *data.Dataset
	valSet     *data.Dataset
	model      *graph.Model
	graph      *graph.TrainGraph
	valGraph   *graph.LossGraph
	opt        *optim.AdamW[float32]
	sched      schedules.Schedule
	params     []optim.Param[float32]
	prog       progress
	start      int
	log        *metricsLog
	bar        Progress
	images     []float32
	prefixes   []int
	perm       []int
	permEpoch  int
	trainTime  time.Duration // in this invocation
	priorTime  float64       // seconds trained by earlier invocations
	lastRate   float64
	lastValue  float64
	lastGradNm float64
	// savedStep is the step of the run's checkpoint on disk, written by
	// this invocation or, when resuming, an earlier one; 0: none yet.
	savedStep int
}

// Pretrain runs (or, with o.Resume, continues) pre-training on trainSet,
// evaluating on valSet. Both must already be normalised with norm, which is
// recorded in the checkpoint for downstream use. bar receives progress.
func Pretrain(ctx context.Context, o Options, trainSet, valSet *data.Dataset, norm Normalization, bar Progress) (*Summary, error) {
	o.resolve()
	o.Model = o.Model.WithImage(trainSet.C, trainSet.H, trainSet.W)
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if err := checkSets(trainSet, valSet); err != nil {
		return nil, err
	}
	if err := checkMemory(o); err != nil {
		return nil, err
	}
	r, err := newRunner(o, trainSet, valSet, norm, bar)
	if err != nil {
		return nil, err
	}
	defer r.close()
	return r.loop(ctx)
}

func checkSets(trainSet, valSet *data.Dataset) error {
	if trainSet.N == 0 {
		return errors.New("no training images")
	}
	if valSet != nil && (valSet.C != trainSet.C || valSet.H != trainSet.H || valSet.W != trainSet.W) {
		return errors.Errorf("validation images are %d×%d×%d, training images %d×%d×%d", valSet.C, valSet.H, valSet.W, trainSet.C, trainSet.H, trainSet.W)
	}
	return nil
}

func newRunner(o Options, trainSet, valSet *data.Dataset, norm Normalization, bar Progress) (*runner, error) {
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, errors.Wrap(err, "creating the run directory")
	}
	if _, err := os.Stat(filepath.Join(o.Out, CheckpointFile)); err == nil && !o.Resume {
		return nil, errors.Errorf("%s already holds a run (%s): continue it with --resume, or choose another --out", o.Out, CheckpointFile)
	}
	r := &runner{o: o, norm: norm, trainSet: trainSet, valSet: valSet, bar: bar, permEpoch: -1}
	r.opt = optim.NewAdamW[float32]()
	r.opt.Beta2, r.opt.WeightDecay, r.opt.ClipNorm = o.Beta2, o.WeightDecay, o.ClipNorm
	if err := r.initModel(); err != nil {
		return nil, err
	}
	sched := schedules.WarmupCosine{Peak: o.LR, Final: o.MinLR, Warmup: o.Warmup, Total: o.Steps}
	if err := sched.Validate(); err != nil {
		return nil, err
	}
	r.sched = sched
	var err error
	if r.graph, err = r.model.NewTrainGraph(o.Batch, o.Objective); err != nil {
		return nil, err
	}
	if valSet != nil && valSet.N > 0 {
		if r.valGraph, err = r.model.NewLossGraph(min(o.Batch, valSet.N), o.Objective); err != nil {
			return nil, err
		}
	}
	if r.log, err = openMetrics(o.Out, r.start); err != nil {
		return nil, err
	}
	r.images = make([]float32, o.Batch*trainSet.C*trainSet.H*trainSet.W)
	r.prefixes = make([]int, o.Batch)
	return r, nil
}

// initModel creates the model, or restores it with the optimiser state when
// resuming.
func (r *runner) initModel() error {
	if !r.o.Resume {
		m, err := graph.New(r.o.Model, tensor.Float32, r.o.Seed)
		r.model = m
		return err
	}
	res, err := loadCheckpoint(r.o.Out, r.opt)
	if err != nil {
		return errors.Wrap(err, "resuming")
	}
	if err := sameRun(res.options, r.o); err != nil {
		return err
	}
	r.model, r.prog, r.start, r.priorTime = res.model, res.progress, res.progress.step, res.progress.seconds
	r.savedStep = r.start
	return nil
}

// sameRun refuses to resume a checkpoint with other options: the result
// would be neither run.
func sameRun(saved, now Options) error {
	a, b := jsonString(saved), jsonString(now)
	if a != b {
		return errors.Errorf("resuming: the checkpoint was written by a run with options\n  %s\nbut this run has\n  %s\nresume with the same flags, or start a new run in another directory", a, b)
	}
	return nil
}

func (r *runner) close() {
	if r.graph != nil {
		r.graph.Close()
	}
	if r.valGraph != nil {
		r.valGraph.Close()
	}
	if r.log != nil {
		r.log.Close()
	}
}

func (r *runner) loop(ctx context.Context) (*Summary, error) {
	r.bar.Start(r.o.Steps, r.start)
	defer r.bar.Finish()
	for step := r.start; step < r.o.Steps; step++ {
		if err := ctx.Err(); err != nil {
			return nil, r.interrupt(step)
		}
		if err := r.step(step); err != nil {
			return nil, err
		}
		if done := step + 1; done%r.o.EvalEvery == 0 || done == r.o.Steps {
			if err := r.evaluate(done); err != nil {
				return nil, err
			}
			r.savedStep = done
		}
	}
	return r.summary(), nil
}

// step runs one optimiser step.
func (r *runner) step(step int) error {
	began := time.Now()
	r.loadBatch(step)
	loss, err := r.graph.Step(r.images, r.prefixes)
	if err != nil {
		return errors.Wrapf(err, "step %d", step+1)
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return r.diverged(step, fmt.Sprintf("the loss is %v", loss))
	}
	if err := r.bindParams(); err != nil {
		return err
	}
	lr := r.sched.LR(step)
	norm, err := r.opt.Step(r.params, lr)
	if err != nil {
		return r.diverged(step, err.Error())
	}
	r.trainTime += time.Since(began)
	r.prog.step = step + 1
	r.prog.lossSum += loss
	r.prog.lossCount++
	r.lastValue, r.lastRate, r.lastGradNm = loss, lr, norm
	r.bar.Step(step+1, loss, r.imagesPerSec())
	return nil
}

// diverged is the error of a non-finite loss or update at step: it names
// the last good checkpoint, if the run has written one.
func (r *runner) diverged(step int, why string) error {
	saved := "no checkpoint was written yet"
	if r.savedStep > 0 {
		saved = fmt.Sprintf("the last good checkpoint is %s, from step %d", filepath.Join(r.o.Out, CheckpointFile), r.savedStep)
	}
	return errors.Errorf("step %d: %s; training stopped, %s (lower --lr, or check the data)", step+1, why, saved)
}

// bindParams points the optimiser at the parameters and their gradients
// (the same tensors every step, so this runs once).
func (r *runner) bindParams() error {
	if r.params != nil {
		return nil
	}
	grads, err := r.graph.Gradients()
	if err != nil {
		return err
	}
	for _, g := range grads {
		r.params = append(r.params, optim.Param[float32]{
			Name: g.Name, Data: g.Value.Float32s(), Grad: g.Grad.Float32s(),
			Decay: len(r.model.Params.Get(g.Name).Shape()) >= 2,
		})
	}
	return nil
}

// loadBatch fills the batch of a step: images in a per-epoch permutation,
// augmentation and prefix lengths from a generator seeded by the step.
func (r *runner) loadBatch(step int) {
	rng := rand.New(rand.NewPCG(r.o.Seed, uint64(step)))
	n, size := r.trainSet.N, r.trainSet.C*r.trainSet.H*r.trainSet.W
	k := r.o.Model.Grid().Len()
	for j := range r.prefixes {
		g := step*r.o.Batch + j
		if epoch := g / n; epoch != r.permEpoch {
			r.perm, r.permEpoch = data.Permutation(n, r.o.Seed, uint64(epoch)), epoch
		}
		src, dst := r.trainSet.Image(r.perm[g%n]), r.images[j*size:(j+1)*size]
		if r.o.Augment != nil {
			r.o.Augment.Apply(src, r.trainSet.C, r.trainSet.H, r.trainSet.W, rng, dst)
		} else {
			copy(dst, src)
		}
		r.prefixes[j] = objectives.Prefix(r.o.Mask, rng, k)
	}
}

// elapsed is the training time up to now, over every invocation of the
// run (without evaluations and checkpoints).
func (r *runner) elapsed() float64 { return r.priorTime + r.trainTime.Seconds() }

func (r *runner) imagesPerSec() float64 {
	steps := r.prog.step - r.start
	if r.trainTime <= 0 || steps <= 0 {
		return 0
	}
	return float64(steps*r.o.Batch) / r.trainTime.Seconds()
}
