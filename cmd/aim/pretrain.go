package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/masks"
	"github.com/aim-go/aim/objectives"
	"github.com/aim-go/aim/patches"
	"github.com/aim-go/aim/train"
)

// pretrainFlags are the flags of aim pretrain.
type pretrainFlags struct {
	data, dataDir, preset, out, mask, order, target string
	steps, batch, warmup, evalEvery, valImages      int
	trainImages, headDepth                          int
	epochs, lr, minLR, weightDecay                  float64
	seed                                            uint64
	augment, resume                                 bool
}

func (f *pretrainFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.data, "data", "mnist", "dataset: "+fmt.Sprint(data.Names()))
	fs.StringVar(&f.dataDir, "data-dir", "", "directory holding the dataset's files (default: where the dataset's package installs them)")
	fs.StringVar(&f.preset, "preset", "tiny", "model preset: "+fmt.Sprint(graph.PresetNames()))
	fs.StringVar(&f.out, "out", "", "run directory for checkpoint.safetensors and metrics.jsonl (required)")
	fs.IntVar(&f.steps, "steps", 0, "optimiser steps (default 300, or from --epochs)")
	fs.Float64Var(&f.epochs, "epochs", 0, "passes over the training images (instead of --steps)")
	fs.IntVar(&f.batch, "batch", 64, "images per step")
	fs.Float64Var(&f.lr, "lr", 1e-3, "peak learning rate")
	fs.Float64Var(&f.minLR, "min-lr", 0, "learning rate at the last step (cosine decay)")
	fs.IntVar(&f.warmup, "warmup", -1, "linear warmup steps (default 5% of the steps)")
	fs.Float64Var(&f.weightDecay, "weight-decay", 0.05, "AdamW decoupled weight decay")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of initialisation, batch order, prefixes and augmentation")
	fs.IntVar(&f.evalEvery, "eval-every", 0, "steps between validation and checkpoint (default a tenth of the run)")
	fs.IntVar(&f.valImages, "val-images", -1, "held-out validation images (default a tenth, at most 1000)")
	fs.IntVar(&f.trainImages, "train-images", 0, "use only this many unique training images (0: all)")
	fs.BoolVar(&f.augment, "augment", true, "random resized crop (scale 0.4–1) and horizontal flip, as in the paper")
	fs.StringVar(&f.mask, "mask", "prefix", "attention mask during pre-training: prefix or causal")
	fs.StringVar(&f.order, "order", "raster", "patch order: raster, spiral, checkerboard or random")
	fs.StringVar(&f.target, "target", "normalized", "pixel targets: normalized (per patch) or raw")
	fs.IntVar(&f.headDepth, "head-depth", -1, "override the preset's prediction-head depth")
	fs.BoolVar(&f.resume, "resume", false, "continue the run in --out from its checkpoint")
}

func runPretrain(ctx context.Context, args []string, stdout io.Writer) error {
	var f pretrainFlags
	fs := newFlags("pretrain", os.Stderr)
	f.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required("out", f.out); err != nil {
		return err
	}
	src, err := data.Load(f.data, data.LoadOptions{DataDir: f.dataDir})
	if err != nil {
		return err
	}
	valImages := f.valImages
	if valImages < 0 {
		valImages = train.DefaultValImages(src.Train.N)
	}
	split, err := train.PrepareData(src.Train, valImages, f.trainImages)
	if err != nil {
		return err
	}
	opts, err := f.options(split.Train.N)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "pretrain: %s, %d training and %d validation images of %d×%d×%d; preset %s; %d steps of %d\n",
		f.data, split.Train.N, split.Val.N, split.Train.C, split.Train.H, split.Train.W, f.preset, opts.Steps, opts.Batch)
	sum, err := train.Pretrain(ctx, opts, split.Train, split.Val, split.Norm, train.NewBar(os.Stderr))
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(sum)
}

// options turns the flags into training options.
func (f *pretrainFlags) options(trainImages int) (train.Options, error) {
	o := train.NewOptions()
	var err error
	if o.Model, err = graph.Preset(f.preset); err != nil {
		return o, usageError{err}
	}
	if f.headDepth >= 0 {
		o.Model.HeadDepth = f.headDepth
	}
	if o.Mask, err = masks.ParseKind(f.mask); err != nil {
		return o, usageError{err}
	}
	if o.Objective.Target, err = objectives.ParseTarget(f.target); err != nil {
		return o, usageError{err}
	}
	if o.Objective.Order, err = patches.ParseOrder(f.order); err != nil {
		return o, usageError{err}
	}
	o.Objective.OrderSeed = f.seed
	if f.batch < 1 {
		return o, usageError{errors.Errorf("--batch %d: expected at least 1", f.batch)}
	}
	if o.Steps, err = f.stepCount(trainImages); err != nil {
		return o, err
	}
	o.Batch, o.LR, o.MinLR, o.Warmup = f.batch, f.lr, f.minLR, f.warmup
	o.WeightDecay, o.Seed, o.EvalEvery = f.weightDecay, f.seed, f.evalEvery
	o.Out, o.Resume = filepath.Clean(f.out), f.resume
	if !f.augment {
		o.Augment = nil
	}
	return o, nil
}

func (f *pretrainFlags) stepCount(trainImages int) (int, error) {
	switch {
	case f.steps > 0 && f.epochs > 0:
		return 0, usageError{errors.New("give --steps or --epochs, not both")}
	case f.epochs > 0:
		return max(1, int(f.epochs*float64(trainImages)/float64(max(f.batch, 1))+0.5)), nil
	case f.steps < 0:
		return 0, usageError{errors.Errorf("--steps %d: expected a positive count", f.steps)}
	case f.steps == 0:
		return 300, nil
	}
	return f.steps, nil
}
