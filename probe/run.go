package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aim-go/aim/internal/atomicfile"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/mpi"
)

// File names inside a probe's output directory.
const (
	ResultFile = "result.json"
	HeadFile   = "probe.safetensors"
)

// Result is the outcome of one probe run. Accuracies are top-1 fractions
// in [0, 1]; the test accuracy is measured on the dataset's official test
// split, which training never sees.
type Result struct {
	Dataset        string  `json:"dataset"`
	Probe          Kind    `json:"probe"`
	Layers         []int   `json:"layers"`
	TrainAccuracy  float64 `json:"train_accuracy"`
	TestAccuracy   float64 `json:"test_accuracy"`
	Epochs         int     `json:"epochs"` // run: o.Epochs, or more to make o.MinSteps steps
	RandomInit     bool    `json:"random_init"`
	Checkpoint     string  `json:"checkpoint"`
	TrainImages    int     `json:"train_images"`
	TestImages     int     `json:"test_images"`
	FeatureSeconds float64 `json:"feature_seconds"`         // time in the trunk
	ProbeSeconds   float64 `json:"probe_seconds"`           // training and evaluating the head
	FeatureRanks   int     `json:"feature_ranks,omitempty"` // processes the cached feature pass was split over, when more than one

	Classes       int     `json:"classes"`
	Image         [3]int  `json:"image"`               // C, H, W the trunk saw
	Normalization string  `json:"normalization"`       // NormPretraining, NormDownstream or NormTransform
	Transform     string  `json:"transform,omitempty"` // the photo transform of Options.Preprocessed
	Augment       bool    `json:"augment"`
	Batch         int     `json:"batch"`
	LR            float64 `json:"lr"`
	WeightDecay   float64 `json:"weight_decay"`
	Seed          uint64  `json:"seed"`
	FinalLoss     float64 `json:"final_train_loss"` // mean loss of the last epoch
}

// Run trains a probe of kind o.Kind on the frozen trunk's features of the
// training split of src and measures its top-1 accuracy on both splits.
// name names the dataset in the result. The trunk's weights are only read.
//
// With o.Comm of several ranks, every
// rank calls Run alike: the cached feature pass (no augmentation) is split
// over the ranks and gathered on rank 0, which alone trains and measures
// the probe; the other ranks return after the feature pass, with a result
// without accuracies. With augmentation rank 0 does all the work.
func Run(ctx context.Context, t *Trunk, name string, src *data.Source, o Options, p Progress) (*Result, *Head, error) {
	if err := o.Validate(); err != nil {
		return nil, nil, err
	}
	prep, err := t.prepareAs(name, src, o.TrainImages, o.TestImages, o.Preprocessed)
	if err != nil {
		return nil, nil, err
	}
	layers := o.Layers
	if layers == nil {
		layers = prep.model.DefaultLayers()
	}
	cfg := prep.model.Config
	head, err := NewHead(HeadSpec{Kind: o.Kind, Dim: cfg.Width, Heads: cfg.Heads, Classes: prep.train.Classes, LinearBias: o.LinearBias}, o.Seed)
	if err != nil {
		return nil, nil, err
	}
	// the head multiplies in the trunk's precision
	if err := head.Params.SetPrecision(prep.model.Params.Precision()); err != nil {
		return nil, nil, err
	}
	r := &Result{
		Dataset: name, Probe: o.Kind, Layers: layers, RandomInit: t.RandomInit,
		Checkpoint: t.Checkpoint, TrainImages: prep.train.N, TestImages: prep.test.N,
		Classes: head.Classes, Image: [3]int{cfg.Channels, cfg.ImageHeight, cfg.ImageWidth},
		Normalization: prep.norm, Transform: o.Preprocessed, Augment: o.Augment != nil, Batch: o.Batch, LR: o.LR,
		WeightDecay: o.WeightDecay, Seed: o.Seed,
	}
	p.Note(r.describe(t))
	if err := r.fit(ctx, head, prep, layers, o, p); err != nil {
		return nil, nil, errors.Wrapf(err, "probing %s", name)
	}
	return r, head, nil
}

// fit trains the head and measures it, filling the accuracies and times.
func (r *Result) fit(ctx context.Context, head *Head, prep *prepared, layers []int, o Options, p Progress) error {
	began := time.Now()
	ex, err := newExtractor(prep.model, o.FeatureBatch, layers, head.Kind == Linear, o.Augment)
	if err != nil {
		return err
	}
	defer ex.close()
	var trainFeats, testFeats features = live{ex, prep.train}, live{ex, prep.test}
	comm := mpi.Or(o.Comm)
	if o.Augment == nil {
		if trainFeats, err = cache(ctx, comm, live{ex, prep.train}, p); err != nil {
			return err
		}
		if testFeats, err = cache(ctx, comm, live{ex, prep.test}, p); err != nil {
			return err
		}
		if comm.Size() > 1 {
			r.FeatureRanks = comm.Size()
		}
	} else if comm.Size() > 1 {
		p.Note(fmt.Sprintf("probe %s: augmented features are recomputed for every batch on rank 0 alone; the other %d ranks have nothing to do", r.Dataset, comm.Size()-1))
	}
	if comm.Rank() != 0 {
		r.FeatureSeconds = ex.elapsed.Seconds()
		return nil // rank 0 trains the probe
	}
	tr := &trainer{head: head, o: o, tokens: ex.tokens, p: p}
	if r.FinalLoss, r.Epochs, err = tr.train(ctx, trainFeats, prep.train.Labels); err != nil {
		return err
	}
	// Accuracy on the training images without augmentation (evaluation
	// draws none): on the slow path their features are computed once more.
	if r.TrainAccuracy, err = head.accuracy(ctx, trainFeats, prep.train.Labels, o.Batch, ex.tokens); err != nil {
		return err
	}
	if r.TestAccuracy, err = head.accuracy(ctx, testFeats, prep.test.Labels, o.Batch, ex.tokens); err != nil {
		return err
	}
	total := time.Since(began)
	r.FeatureSeconds, r.ProbeSeconds = ex.elapsed.Seconds(), (total - ex.elapsed).Seconds()
	return nil
}

// describe says what the run is about to do.
func (r *Result) describe(t *Trunk) string {
	feats := "cached once"
	if r.Augment {
		feats = "recomputed for every augmented batch"
	}
	return fmt.Sprintf("probe %s: %d training and %d test images of %d×%d×%d (%s normalisation), %s probe on blocks %v of %s; features %s",
		r.Dataset, r.TrainImages, r.TestImages, r.Image[0], r.Image[1], r.Image[2], r.Normalization, r.Probe, r.Layers, t.describe(), feats)
}

// WriteResult writes r as indented JSON to dir/result.json.
func WriteResult(dir string, r *Result) error {
	return writeJSON(filepath.Join(dir, ResultFile), r)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return errors.Wrapf(err, "encoding %s", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return errors.Wrapf(err, "writing %s", path)
	}
	return atomicfile.WriteFile(path, append(b, '\n'))
}
