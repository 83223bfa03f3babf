package train

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/checkpoint/schema"
	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/internal/lockfile"
	"github.com/aim-go/aim/mpi"
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
	Ranks          int     `json:"ranks"`
}

// runner holds the state of one pre-training run, on one rank.
type runner struct {
	o Options
	rankShare
	runData
	runGraphs
	optimiser
	batchDraw
	bookkeeping
	lastStep
}

// rankShare is this rank's part of the job.
type rankShare struct {
	comm  mpi.Comm
	rank  int
	ranks int
	local int // images of each global batch this rank takes (Batch/ranks)
	first int // the index of its first image in the global batch
}

// runData is the run's images and the order it takes them in.
type runData struct {
	norm      Normalization
	trainSet  *data.Dataset
	valSet    *data.Dataset
	perm      []int
	permEpoch int
}

// runGraphs is the model and the graphs that train and validate it.
type runGraphs struct {
	model    *graph.Model
	graph    *graph.TrainGraph
	valGraph *graph.LossGraph
	valBatch int // images per pass of valGraph
}

// optimiser is what updates the weights.
type optimiser struct {
	opt    *optim.AdamW[float32]
	sched  schedules.Schedule
	params []optim.Param[float32]
	sync   *gradSync // the all-reduce of the gradients; nil for a single rank
}

// batchDraw is the step's batch and the random draws that make it.
type batchDraw struct {
	images   []float32
	prefixes []int
	stream   *rand.PCG  // reseeded for every image (imageRNG)
	rng      *rand.Rand // draws from stream
	counted  [2]int     // target patches of this rank's images and of the global batch
}

// bookkeeping is the run's progress, time, logs and run directory.
type bookkeeping struct {
	prog      progress
	start     int
	log       *metricsLog
	bar       Progress
	trainTime time.Duration  // in this invocation
	priorTime float64        // seconds trained by earlier invocations
	lock      *lockfile.Lock // the run directory's, on rank 0
	// savedStep is the step of the run's checkpoint on disk, written by
	// this invocation or, when resuming, an earlier one; 0: none yet.
	savedStep int
}

// lastStep is what the progress display shows of the latest step and
// evaluation.
type lastStep struct {
	lastTrainLoss float64
	lastValLoss   float64
	lastLR        float64
	lastGradNorm  float64
}

// Pretrain runs (or, with o.Resume, continues) pre-training on trainSet,
// evaluating on valSet. Both must already be normalised with norm, which is
// recorded in the checkpoint for downstream use. bar receives progress.
//
// The run locks o.Out (LockFile) until it returns, and refuses a directory
// that another run, in this process or another, is using; with the lock
// held it removes the temporary files that a killed write of the
// checkpoint or the metrics left there.
//
// With o.Comm of several ranks, every rank calls Pretrain with the same
// options and data, and each computes the gradient of its share of every
// global batch (see the package documentation); rank 0 alone writes the
// metrics and checkpoints and reports progress to bar (the others' bars
// are not used). An error every rank meets at the same point (a
// non-finite loss, an interruption, a failed setup) is returned by every
// rank, marked with mpi.Everywhere or as a *mpi.Failure.
func Pretrain(ctx context.Context, o Options, trainSet, valSet *data.Dataset, norm Normalization, bar Progress) (*Summary, error) {
	o.resolve()
	o.Model = o.Model.WithImage(trainSet.C, trainSet.H, trainSet.W)
	r, err := newRunner(o, trainSet, valSet, norm, bar)
	if err != nil {
		return nil, err
	}
	defer r.close()
	return r.loop(ctx)
}

// check refuses options, data or a batch that cannot run, before anything
// is allocated.
func (r *runner) check() error {
	if err := r.o.Validate(); err != nil {
		return err
	}
	if r.o.Batch%r.ranks != 0 {
		return errors.Errorf("batch %d: the global batch is split evenly over the %d ranks, so it must be a multiple of %d", r.o.Batch, r.ranks, r.ranks)
	}
	if err := checkSets(r.trainSet, r.valSet); err != nil {
		return err
	}
	return checkMemory(r.o, r.local, mpi.LocalSize(r.comm))
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

// newRunner prepares a run on every rank: each checks and builds what it
// can alone, the ranks agree on the outcome, and rank 0 hands its state to
// the others (see share).
func newRunner(o Options, trainSet, valSet *data.Dataset, norm Normalization, bar Progress) (*runner, error) {
	comm := mpi.Or(o.Comm)
	rank, ranks := comm.Rank(), comm.Size()
	r := &runner{o: o,
		rankShare:   rankShare{comm: comm, rank: rank, ranks: ranks, local: o.Batch / ranks, first: rank * (o.Batch / ranks)},
		runData:     runData{norm: norm, trainSet: trainSet, valSet: valSet, permEpoch: -1},
		bookkeeping: bookkeeping{bar: bar},
	}
	if r.rank != 0 {
		r.bar = Silent{}
	}
	err := r.prepare()
	if r.ranks > 1 {
		if err == nil {
			err = r.checkSameData()
		} else {
			_ = r.checkSameData() // a collective: every rank takes part
		}
		if err = mpi.Agree(comm, err); err == nil {
			err = r.share()
		}
	}
	if err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

// prepare checks the run and builds this rank's model, optimiser, graphs
// and, on rank 0, the run directory and metrics file.
func (r *runner) prepare() error {
	o := r.o
	if err := r.check(); err != nil {
		return err
	}
	if r.rank == 0 {
		if err := r.claimDir(); err != nil {
			return err
		}
	}
	r.opt = optim.NewAdamW[float32]()
	r.opt.Beta2, r.opt.WeightDecay, r.opt.ClipNorm = o.Beta2, o.WeightDecay, o.ClipNorm
	if err := r.initModel(); err != nil {
		return err
	}
	sched := schedules.WarmupCosine{Peak: o.LR, Final: o.MinLR, Warmup: o.Warmup, Total: o.Steps}
	if err := sched.Validate(); err != nil {
		return err
	}
	r.sched = sched
	if err := r.buildGraphs(); err != nil {
		return err
	}
	if r.rank == 0 {
		var err error
		if r.log, err = openMetrics(o.Out, r.start); err != nil {
			return err
		}
		// A finished run that is resumed reports its last evaluation.
		r.lastTrainLoss, r.lastValLoss = r.log.last.TrainLoss, r.log.last.ValLoss
	}
	r.images = make([]float32, r.local*r.trainSet.C*r.trainSet.H*r.trainSet.W)
	r.prefixes = make([]int, r.local)
	r.stream = rand.NewPCG(0, 0)
	r.rng = rand.New(r.stream)
	return nil
}

// buildGraphs builds the training graph for this rank's share of a batch
// and the validation graph for its share of the validation images.
func (r *runner) buildGraphs() error {
	var err error
	if r.graph, err = r.model.NewTrainGraph(r.local, r.o.Objective); err != nil {
		return err
	}
	if lo, hi := r.valShare(); hi > lo {
		r.valBatch = min(r.local, hi-lo)
		r.valGraph, err = r.model.NewLossGraph(r.valBatch, r.o.Objective)
	}
	return err
}

// valShare is the range of validation images this rank evaluates.
func (r *runner) valShare() (lo, hi int) {
	if r.valSet == nil {
		return 0, 0
	}
	return mpi.Share(r.valSet.N, r.rank, r.ranks)
}

// initModel creates the model, or restores it with the optimiser state when
// resuming. Only rank 0 reads the checkpoint; the other ranks create a
// model of the same shape, which share overwrites.
func (r *runner) initModel() error {
	if err := r.createOrRestore(); err != nil {
		return err
	}
	return errors.Wrapf(r.model.Params.SetPrecision(r.o.Precision), "precision %v", r.o.Precision)
}

// createOrRestore creates the model, or restores it with the optimiser
// state when resuming (see initModel).
func (r *runner) createOrRestore() error {
	if !r.o.Resume || r.rank != 0 {
		m, err := graph.New(r.o.Model, tensor.Float32, r.o.Seed)
		r.model = m
		return err
	}
	res, err := loadCheckpoint(r.o.Out, r.opt)
	if err != nil {
		return errors.Wrap(err, "resuming")
	}
	if err := checkResumeStep(res, r.o); err != nil {
		return err
	}
	if err := sameRun(res.options, r.o); err != nil {
		return err
	}
	r.model, r.prog, r.start, r.priorTime = res.model, res.progress, res.progress.step, res.progress.seconds
	r.savedStep = r.start
	return nil
}

// checkResumeStep refuses a checkpoint past the end of the run: resuming
// it would train nothing and report nothing. The run's length is part of
// its identity (the learning-rate schedule depends on it), so the remedy is
// the run's own --steps, not a larger one.
func checkResumeStep(res *resumed, o Options) error {
	step := res.progress.step
	if step <= o.Steps {
		return nil
	}
	path := filepath.Join(o.Out, CheckpointFile)
	if step > res.options.Steps {
		return errors.Errorf("resuming: %s is at step %d, past --steps %d and past the %d steps of the run that wrote it: its metadata %q is damaged; start a new run in another --out", path, step, o.Steps, res.options.Steps, schema.Step)
	}
	return errors.Errorf("resuming: %s is at step %d, already past --steps %d: a run cannot be shortened; resume it with the --steps %d it was started with, or start a new run in another --out", path, step, o.Steps, res.options.Steps)
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
	if r.lock != nil {
		r.lock.Release()
	}
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
		if r.ranks == 1 && ctx.Err() != nil {
			return nil, r.interrupt(step)
		}
		stop, err := r.step(ctx, step)
		if err != nil {
			return nil, err
		}
		if stop {
			return nil, r.interrupt(step)
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

// step runs one optimiser step. With several ranks the gradients and the
// loss are reduced over the ranks first, and stop reports that a rank was
// interrupted (ctx): then no rank updates the weights.
func (r *runner) step(ctx context.Context, step int) (stop bool, err error) {
	began := time.Now()
	r.loadBatch(step)
	loss, err := r.graph.Step(r.images, r.prefixes)
	if err != nil {
		return false, errors.Wrapf(err, "step %d", step+1)
	}
	if err := r.bindParams(); err != nil {
		return false, err
	}
	if r.sync != nil {
		if loss, stop, err = r.sync.reduce(ctx, loss, r.counted); err != nil || stop {
			return stop, err
		}
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return false, r.diverged(step, fmt.Sprintf("the loss is %v", loss))
	}
	lr := r.sched.LR(step)
	norm, err := r.opt.Step(r.params, lr)
	if err != nil {
		return false, r.diverged(step, err.Error())
	}
	r.trainTime += time.Since(began)
	r.prog.step = step + 1
	r.prog.lossSum += loss
	r.prog.lossCount++
	r.lastTrainLoss, r.lastLR, r.lastGradNorm = loss, lr, norm
	r.bar.Step(step+1, loss, r.imagesPerSec())
	return false, nil
}

// diverged is the error of a non-finite loss or update at step: it names
// the last good checkpoint, if the run has written one. With several
// ranks every rank meets it at the same step (the loss and the gradients
// are reduced before the check), so it is marked mpi.Everywhere.
func (r *runner) diverged(step int, why string) error {
	saved := "no checkpoint was written yet"
	if r.savedStep > 0 {
		saved = fmt.Sprintf("the last good checkpoint is %s, from step %d", filepath.Join(r.o.Out, CheckpointFile), r.savedStep)
	}
	err := errors.Errorf("step %d: %s; training stopped, %s (lower --lr, or check the data)", step+1, why, saved)
	if r.ranks > 1 {
		return mpi.Everywhere(err)
	}
	return err
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
	if r.ranks > 1 {
		r.sync = newGradSync(r.comm, r.params)
	}
	return nil
}

// loadBatch fills this rank's share of the global batch of a step. Image
// i of the global batch is the (step·Batch + i)-th of the per-epoch
// permutations of the training images, and its prefix length, then its
// augmentation, are drawn from its own stream (imageRNG), so each rank
// draws exactly what a single process would for the same images. It also
// counts the target patches of the rank's images and of the whole batch
// (every rank draws every prefix length, which is cheap).
func (r *runner) loadBatch(step int) {
	n, size := r.trainSet.N, r.trainSet.C*r.trainSet.H*r.trainSet.W
	k := r.o.Model.Grid().Len()
	r.counted = [2]int{}
	for i := range r.o.Batch {
		r.imageRNG(step, i)
		prefix := objectives.Prefix(r.o.Mask, r.rng, k)
		c := objectives.Counted(prefix, k)
		r.counted[1] += c
		j := i - r.first
		if j < 0 || j >= r.local {
			continue
		}
		r.counted[0] += c
		r.prefixes[j] = prefix
		g := step*r.o.Batch + i
		if epoch := g / n; epoch != r.permEpoch {
			r.perm, r.permEpoch = data.Permutation(n, r.o.Seed, uint64(epoch)), epoch
		}
		src, dst := r.trainSet.Image(r.perm[g%n]), r.images[j*size:(j+1)*size]
		if r.o.Augment != nil {
			r.o.Augment.Apply(src, r.trainSet.C, r.trainSet.H, r.trainSet.W, r.rng, dst)
		} else {
			copy(dst, src)
		}
	}
}

// imageRNG points r.rng at the stream of image i of the global batch of
// step: PCG seeded by the run's seed and a bijective mix of (step, i).
func (r *runner) imageRNG(step, i int) {
	r.stream.Seed(r.o.Seed, mix64(uint64(step)<<32|uint64(i)))
}

// mix64 is the SplitMix64 finaliser, a bijection that spreads nearby keys
// apart.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
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

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
