package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/mpi"
	"github.com/aim-go/aim/objectives"
	"github.com/aim-go/aim/patches"
	"github.com/aim-go/aim/train"
)

// pretrainFlags are the flags of aim pretrain.
type pretrainFlags struct {
	data, dataDir, preset, out, mask, order, target string
	dist                                            *string
	size                                            *sizeFlag
	precision                                       *precisionFlag
	steps, batch, warmup, evalEvery, valImages      int
	trainImages, headDepth                          int
	epochs, lr, minLR, weightDecay                  float64
	seed                                            uint64
	augment, resume                                 bool
	stepsGiven                                      bool // --steps was on the command line
}

// defaultSteps is the length of a run given neither --steps nor --epochs.
const defaultSteps = 300

func (f *pretrainFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.data, "data", "mnist", "dataset: "+strings.Join(data.Names(), ", "))
	fs.StringVar(&f.dataDir, "data-dir", "", "directory holding the dataset's files (default: where the dataset's package installs them)")
	f.size = registerSize(fs)
	fs.StringVar(&f.preset, "preset", "tiny", "model preset: "+fmt.Sprint(graph.PresetNames()))
	fs.StringVar(&f.out, "out", "", "run directory for checkpoint.safetensors and metrics.jsonl (required)")
	fs.IntVar(&f.steps, "steps", defaultSteps, "optimiser steps, at least 1 (ignored when --epochs is given)")
	fs.Float64Var(&f.epochs, "epochs", 0, "passes over the training images, instead of --steps (0: use --steps)")
	fs.IntVar(&f.batch, "batch", 64, "images per step, at least 1: the global batch, split evenly over the ranks under mpirun")
	fs.Float64Var(&f.lr, "lr", 1e-3, "peak learning rate, above 0")
	fs.Float64Var(&f.minLR, "min-lr", 0, "learning rate at the last step (cosine decay), from 0 to --lr")
	fs.IntVar(&f.warmup, "warmup", -1, "linear warmup steps, at most the run's steps (-1: 5% of the steps)")
	fs.Float64Var(&f.weightDecay, "weight-decay", 0.05, "AdamW decoupled weight decay, 0 or more")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of initialisation, batch order, prefixes and augmentation")
	fs.IntVar(&f.evalEvery, "eval-every", 0, "steps between validation and checkpoint (0: a tenth of the run)")
	fs.IntVar(&f.valImages, "val-images", -1, "held-out validation images (-1: a tenth, at most 1000; 0: no validation)")
	fs.IntVar(&f.trainImages, "train-images", 0, "use only this many unique training images (0: all)")
	fs.BoolVar(&f.augment, "augment", true, "random resized crop (scale 0.4–1) and horizontal flip, as in the paper")
	fs.StringVar(&f.mask, "mask", "prefix", "attention mask during pre-training: prefix or causal")
	fs.StringVar(&f.order, "order", "raster", "patch order: raster, spiral, checkerboard or random")
	fs.StringVar(&f.target, "target", "normalized", "pixel targets: normalized (per patch) or raw")
	fs.IntVar(&f.headDepth, "head-depth", -1, "prediction-head depth (-1: the preset's)")
	fs.BoolVar(&f.resume, "resume", false, "continue the run in --out from its checkpoint (on any number of ranks)")
	f.precision = registerPrecision(fs)
	f.dist = registerDist(fs)
}

func runPretrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f pretrainFlags
	fs := newFlags("pretrain")
	f.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	f.stepsGiven = flagGiven(fs, "steps")
	if err := f.validate(); err != nil {
		return err
	}
	comm, err := startDist(*f.dist, &stdout, &stderr)
	if err != nil {
		return err
	}
	if f.batch%comm.Size() != 0 {
		return mpi.Everywhere(usageError{errors.Errorf("--batch %d: the global batch is split evenly over the %d ranks, so it must be a multiple of %d", f.batch, comm.Size(), comm.Size())})
	}
	split, opts, err := f.prepare()
	if err = mpi.Agree(comm, err); err != nil { // every rank reads the data
		return err
	}
	opts.Comm = comm
	fmt.Fprintf(stderr, "pretrain: %s, %d training and %d validation images of %d×%d×%d; preset %s; %d steps of %d%s\n",
		f.data, split.Train.N, split.Val.N, split.Train.C, split.Train.H, split.Train.W, f.preset, opts.Steps, opts.Batch, overRanks(comm, opts.Batch))
	sum, err := train.Pretrain(ctx, opts, split.Train, split.Val, split.Norm, train.NewBar(stderr))
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(sum)
}

// prepare loads and splits the data and sets the training options.
func (f *pretrainFlags) prepare() (*train.Split, train.Options, error) {
	src, err := data.Load(f.data, data.LoadOptions{DataDir: f.dataDir, Folder: f.size.folderOptions()})
	if err != nil {
		return nil, train.Options{}, withSizeHint(err)
	}
	valImages := f.valImages
	if valImages < 0 {
		valImages = train.DefaultValImages(src.Train.N)
	}
	split, err := train.PrepareData(src.Train, valImages, f.trainImages)
	if err != nil {
		return nil, train.Options{}, err
	}
	opts, err := f.options(split.Train.N)
	return split, opts, err
}

// overRanks says how a batch is split over the ranks of c ("" for one).
func overRanks(c mpi.Comm, batch int) string {
	if c.Size() == 1 {
		return ""
	}
	return fmt.Sprintf(" over %d ranks (%d images each)", c.Size(), batch/c.Size())
}

// validate checks the flags that need no data: required flags, numeric
// ranges, and that the run writes none of its inputs.
func (f *pretrainFlags) validate() error {
	if err := required("out", f.out); err != nil {
		return err
	}
	err := checkRanges([]intRule{
		{flag: "steps", value: f.steps, min: 1},
		{flag: "batch", value: f.batch, min: 1},
		{flag: "warmup", value: f.warmup, min: -1, minMeans: "5% of the steps"},
		{flag: "eval-every", value: f.evalEvery, min: 0, minMeans: "a tenth of the run"},
		{flag: "val-images", value: f.valImages, min: -1, minMeans: "a tenth of the images, at most 1000"},
		{flag: "train-images", value: f.trainImages, min: 0, minMeans: "all"},
		{flag: "head-depth", value: f.headDepth, min: -1, minMeans: "the preset's"},
	}, []floatRule{
		{flag: "epochs", value: f.epochs},
		{flag: "lr", value: f.lr, positive: true},
		{flag: "min-lr", value: f.minLR},
		{flag: "weight-decay", value: f.weightDecay},
	})
	switch {
	case err != nil:
		return err
	case f.minLR > f.lr:
		return usageError{errors.Errorf("--min-lr %g: expected at most --lr %g", f.minLR, f.lr)}
	case f.stepsGiven && f.epochs > 0:
		return usageError{errors.New("give --steps or --epochs, not both")}
	case f.epochs == 0 && f.warmup > f.steps:
		return usageError{errors.Errorf("--warmup %d: expected at most the run's %d steps", f.warmup, f.steps)}
	}
	if _, err := parsePretrainMask(f.mask); err != nil {
		return err
	}
	return checkOutputFiles("--out", f.out, []string{train.CheckpointFile, train.MetricsFile, train.LockFile},
		map[string]string{"--data": datasetPath(f.data), "--data-dir": f.dataDir})
}

// options turns the flags into training options.
func (f *pretrainFlags) options(trainImages int) (train.Options, error) {
	o := train.NewOptions()
	var err error
	if o.Model, err = graph.Preset(f.preset); err != nil {
		return o, usageError{err}
	}
	if err := f.precision.check(); err != nil {
		return o, err
	}
	o.Precision = f.precision.p
	if f.headDepth >= 0 {
		o.Model.HeadDepth = f.headDepth
	}
	if o.Mask, err = parsePretrainMask(f.mask); err != nil {
		return o, err
	}
	if o.Objective.Target, err = objectives.ParseTarget(f.target); err != nil {
		return o, usageError{err}
	}
	if o.Objective.Order, err = patches.ParseOrder(f.order); err != nil {
		return o, usageError{err}
	}
	o.Objective.OrderSeed = f.seed
	if o.Steps, err = f.stepCount(trainImages); err != nil {
		return o, err
	}
	if f.warmup > o.Steps {
		return o, usageError{errors.Errorf("--warmup %d: expected at most the run's %d steps", f.warmup, o.Steps)}
	}
	o.Batch, o.LR, o.MinLR, o.Warmup = f.batch, f.lr, f.minLR, f.warmup
	o.WeightDecay, o.Seed, o.EvalEvery = f.weightDecay, f.seed, f.evalEvery
	o.Out, o.Resume = filepath.Clean(f.out), f.resume
	if !f.augment {
		o.Augment = nil
	}
	return o, nil
}

// maxSteps bounds the steps --epochs may ask for.
const maxSteps = 1 << 30

// stepCount is --steps, or the steps of --epochs over trainImages.
func (f *pretrainFlags) stepCount(trainImages int) (int, error) {
	if f.epochs <= 0 {
		return f.steps, nil
	}
	steps := math.Round(f.epochs * float64(trainImages) / float64(f.batch))
	if steps > maxSteps {
		return 0, usageError{errors.Errorf("--epochs %g: %g steps of %d of the %d training images, expected at most %d", f.epochs, steps, f.batch, trainImages, maxSteps)}
	}
	return max(1, int(steps)), nil
}
