package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/data/photo"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/mpi"
	"github.com/aim-go/aim/probe"
)

// probeFlags are the flags aim probe and aim suite share.
type probeFlags struct {
	checkpoint, out, kind, layers string
	epochs, batch                 int
	trainImages, testImages       int
	minSteps, featureBatch        int
	lr, weightDecay               float64
	seed                          uint64
	randomInit, augment           bool
	linearBias                    bool
	allowNonFinite                *bool
	precision                     *precisionFlag
	dist                          *string
}

func (f *probeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.checkpoint, "checkpoint", "", "pre-trained model checkpoint (.safetensors) (required)")
	fs.StringVar(&f.out, "out", "", "output directory (required)")
	fs.StringVar(&f.kind, "probe", string(probe.Attentive), "probe head: attentive or linear")
	fs.StringVar(&f.layers, "layers", "", "comma-separated 0-based blocks whose raw outputs are averaged, or -1 for the post-trunk norm (default: the last ceil(depth/4) for AIM v1, the post-trunk norm for AIMv2)")
	fs.IntVar(&f.epochs, "epochs", probe.DefaultEpochs, "passes over the training images, at least 1 (more when needed for --min-steps)")
	fs.IntVar(&f.minSteps, "min-steps", probe.DefaultMinSteps, "optimiser steps at least: small datasets get more epochs (0: no minimum)")
	fs.IntVar(&f.batch, "batch", probe.DefaultBatch, "training images per step, at least 2")
	fs.Float64Var(&f.lr, "lr", probe.DefaultLR, "peak learning rate, above 0 (5% linear warmup, cosine decay)")
	fs.Float64Var(&f.weightDecay, "weight-decay", probe.DefaultWeightDecay, "AdamW decoupled weight decay, 0 or more")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of the head's initialisation, batch order, augmentation and the --random-init trunk")
	fs.IntVar(&f.trainImages, "train-images", 0, "use only this many training images, a fixed subset (0: all)")
	fs.IntVar(&f.testImages, "test-images", 0, "evaluate on only this many test images, a fixed subset, for a quick look (0: the whole official test split)")
	fs.IntVar(&f.featureBatch, "feature-batch", probe.DefaultFeatureBatch, "images per trunk forward pass, at least 1")
	fs.BoolVar(&f.augment, "augment", false, "random resized crop and flip of every training batch (slow: features are recomputed per batch)")
	fs.BoolVar(&f.linearBias, "linear-bias", false, "give the attentive probe's classifier a bias (ml-aim's has none; the linear probe always has one)")
	f.allowNonFinite = registerAllowNonFinite(fs)
	f.precision = registerPrecision(fs)
	f.dist = registerDist(fs)
}

// startDist starts the communicator of --dist and hands it to the probe's
// options: under mpirun the feature pass is split over the ranks and
// gathered on rank 0, which alone trains the probe and writes the results.
func (f *probeFlags) startDist(o *probe.Options, stdout, stderr *io.Writer) (mpi.Comm, error) {
	comm, err := startDist(*f.dist, stdout, stderr)
	o.Comm = comm
	return comm, err
}

// checkRanges checks the numeric flags.
func (f *probeFlags) checkRanges() error {
	return checkRanges([]intRule{
		{flag: "epochs", value: f.epochs, min: 1},
		{flag: "min-steps", value: f.minSteps, min: 0, minMeans: "no minimum"},
		{flag: "batch", value: f.batch, min: 2},
		{flag: "train-images", value: f.trainImages, min: 0, minMeans: "all"},
		{flag: "test-images", value: f.testImages, min: 0, minMeans: "all"},
		{flag: "feature-batch", value: f.featureBatch, min: 1},
	}, []floatRule{
		{flag: "lr", value: f.lr, positive: true},
		{flag: "weight-decay", value: f.weightDecay},
	})
}

// options turns the flags into probe options.
func (f *probeFlags) options() (probe.Options, error) {
	if err := f.checkRanges(); err != nil {
		return probe.Options{}, err
	}
	kind, err := probe.ParseKind(f.kind)
	if err != nil {
		return probe.Options{}, usageError{errors.Wrap(err, "--probe")}
	}
	o := probe.DefaultOptions(kind)
	if o.Layers, err = parseLayers(f.layers); err != nil {
		return o, err
	}
	o.Epochs, o.MinSteps, o.Batch, o.LR, o.WeightDecay = f.epochs, f.minSteps, f.batch, f.lr, f.weightDecay
	o.Seed, o.TrainImages, o.TestImages, o.FeatureBatch = f.seed, f.trainImages, f.testImages, f.featureBatch
	o.LinearBias = o.LinearBias || f.linearBias
	if f.augment {
		aug := data.DefaultAugment()
		o.Augment = &aug
	}
	if err := o.Validate(); err != nil {
		return o, usageError{err}
	}
	return o, f.precision.check()
}

// trunk loads the checkpoint, or an untrained trunk like it.
func (f *probeFlags) trunk() (*probe.Trunk, error) {
	t, err := probe.LoadTrunk(f.checkpoint, loadOptions(*f.allowNonFinite, f.precision.p)...)
	if err != nil {
		return nil, errors.Wrap(withNonFiniteHint(err), "--checkpoint")
	}
	if f.randomInit {
		return t.Randomized(f.seed)
	}
	return t, nil
}

// load reads the trunk and the dataset name, a folder: dataset's images
// as photos says for that trunk; it returns the photo transform they went
// through, described ("" for none).
func (f *probeFlags) load(name string, opts data.LoadOptions, photos folderPhotos) (*probe.Trunk, *data.Source, string, error) {
	t, err := f.trunk()
	if err != nil {
		return nil, nil, "", err
	}
	var transform string
	if opts.Folder, transform, err = photos.options(name, f.checkpoint, t.Model.Config); err != nil {
		return nil, nil, "", err
	}
	src, err := data.Load(name, opts)
	return t, src, transform, errors.Wrap(withSizeHint(err), "--data")
}

// folderPhotos are aim probe's flags for the images of a folder: dataset.
type folderPhotos struct {
	transform string
	exif      bool
	size      *sizeFlag
}

func (p *folderPhotos) register(fs *flag.FlagSet) {
	fs.StringVar(&p.transform, "transform", transformAuto, "how the photos of a folder: dataset are preprocessed: auto (the hub's for an AIMv2 checkpoint of RGB input; otherwise resized to the checkpoint's size, or --size, bilinear, and normalised as every dataset is), ml-aim (shorter side 256 bicubic, centre crop 224, ImageNet mean/std) or hub (the preprocessor_config.json beside the checkpoint, else shorter side to the model's size bicubic, centre crop, CLIP mean/std)")
	fs.BoolVar(&p.exif, "exif", false, "apply the EXIF orientation of a folder: dataset's photos when a photo transform reads them (ml-aim ignores it)")
	p.size = registerSize(fs)
}

// options returns how the images of dataset name are read for the model
// of checkpoint ckpt: a folder: dataset for an AIMv2 model of RGB input,
// or with --transform ml-aim or hub, through that photo transform (at
// --size when given), described in the second result; otherwise resized
// to --size as every folder: dataset is.
func (p *folderPhotos) options(name, ckpt string, cfg graph.Config) (data.FolderOptions, string, error) {
	chosen := p.transform != transformAuto && p.transform != ""
	if !strings.HasPrefix(name, "folder:") {
		if chosen || p.exif {
			return data.FolderOptions{}, "", usageError{errors.Errorf("--transform and --exif apply to folder: datasets, not %s", name)}
		}
		return p.size.folderOptions(), "", nil
	}
	if !chosen && (!cfg.IsV2() || cfg.Channels != 3) {
		return p.size.folderOptions(), "", nil
	}
	if cfg.Channels != 3 {
		return data.FolderOptions{}, "", usageError{errors.Errorf("--transform %s makes RGB images; the checkpoint takes %d channels", p.transform, cfg.Channels)}
	}
	t, why, err := photoTransform(imageFlags{transform: p.transform, size: *p.size}, ckpt, cfg, false)
	if err != nil {
		return data.FolderOptions{}, "", err
	}
	t.EXIF = p.exif
	return data.FolderOptions{Photos: &photo.Options{Transform: t}}, fmt.Sprintf("%s: %v", why, t), nil
}

func runProbe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f probeFlags
	fs := newFlags("probe")
	f.register(fs)
	name := fs.String("data", "", "labelled dataset: "+fmt.Sprint(probe.SuiteDatasets())+" or folder:DIR (required)")
	dataDir := fs.String("data-dir", "", "directory holding the dataset's files (default: where the dataset's package installs them)")
	var photos folderPhotos
	photos.register(fs)
	fs.BoolVar(&f.randomInit, "random-init", false, "probe an untrained trunk of the checkpoint's architecture, initialised from --seed (the baseline)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required("checkpoint", f.checkpoint, "data", *name, "out", f.out); err != nil {
		return err
	}
	o, err := f.options()
	if err != nil {
		return err
	}
	inputs := map[string]string{"--checkpoint": f.checkpoint, "--data": datasetPath(*name), "--data-dir": *dataDir}
	if err := checkOutputFiles("--out", f.out, []string{probe.ResultFile, probe.HeadFile}, inputs); err != nil {
		return err
	}
	comm, err := f.startDist(&o, &stdout, &stderr)
	if err != nil {
		return err
	}
	if err := checkSameInputs(comm, f.sharedInputs(*name)...); err != nil {
		return err
	}
	t, src, transform, err := f.load(*name, data.LoadOptions{DataDir: *dataDir}, photos)
	if err = mpi.Agree(comm, err); err != nil { // every rank reads both
		return err
	}
	if o.Preprocessed = transform; transform != "" {
		fmt.Fprintf(stderr, "probe: photos through %s\n", transform)
	}
	if comm.Rank() == 0 {
		if err := os.MkdirAll(f.out, 0o755); err != nil {
			return errors.Wrap(err, "--out")
		}
	}
	r, head, err := probe.Run(ctx, t, *name, src, o, probe.NewBar(stderr))
	if err != nil || comm.Rank() != 0 {
		return err
	}
	if err := probe.WriteResult(f.out, r); err != nil {
		return err
	}
	if err := head.Save(filepath.Join(f.out, probe.HeadFile), r.Layers); err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
