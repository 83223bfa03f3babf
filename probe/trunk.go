package probe

import (
	"fmt"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/checkpoint/schema"
	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
)

// Trunk is a frozen AIM trunk with what downstream use needs to know about
// the images it was pre-trained on.
type Trunk struct {
	Model *graph.Model
	// Norm is the per-channel normalisation of the pre-training images,
	// nil when the checkpoint does not record it.
	Norm *schema.Normalization
	// FixedSize says that the checkpoint records its image size (the
	// aim_config metadata) or fixes it (AIMv2's learned position table):
	// downstream images are resized to it.
	FixedSize bool
	// Checkpoint is the file the trunk was read from.
	Checkpoint string
	// RandomInit marks an untrained trunk (see Randomized).
	RandomInit bool
}

// LoadTrunk reads a trunk from a safetensors checkpoint; opts are passed
// to graph.LoadCheckpoint.
func LoadTrunk(path string, opts ...graph.LoadOption) (*Trunk, error) {
	m, f, err := graph.LoadCheckpoint(path, tensor.Float32, opts...)
	if err != nil {
		return nil, err
	}
	t := &Trunk{Model: m, Checkpoint: path}
	_, t.FixedSize = f.Meta[schema.ModelConfig]
	t.FixedSize = t.FixedSize || m.Config.PosEmbed == graph.PosLearned
	if n, ok := schema.ReadNormalization(f.Meta); ok {
		t.Norm = &n
	}
	return t, nil
}

// Randomized returns an untrained trunk of the same architecture, freshly
// initialised from seed as by graph.New, which downstream images reach the
// same way as t: the baseline that shows what pre-training is worth.
func (t *Trunk) Randomized(seed uint64) (*Trunk, error) {
	m, err := graph.New(t.Model.Config, tensor.Float32, seed)
	if err != nil {
		return nil, err
	}
	if err := m.Params.SetPrecision(t.Model.Params.Precision()); err != nil {
		return nil, err
	}
	r := *t
	r.Model, r.RandomInit = m, true
	return &r, nil
}

// Normalization sources recorded in a Result.
const (
	NormPretraining = "pretraining" // the checkpoint's pre-training statistics
	NormDownstream  = "downstream"  // the downstream training images' own
	NormTransform   = "transform"   // the photo transform's (Options.Preprocessed)
)

// prepared is a downstream dataset made ready for a trunk.
type prepared struct {
	train, test *data.Dataset
	model       *graph.Model // the trunk sized for the images
	norm        string
}

// trainSubsetSeed fixes the training subset of --train-images: every probe
// of a dataset (pre-trained or random trunk, any seed) sees the same images.
const trainSubsetSeed = 20240116

// prepare checks the labels, keeps trainImages training images (0 or the
// split's size: all, in their order),
// fits both splits to the trunk's input and normalises them, following the
// rules of the package documentation.
func (t *Trunk) prepare(name string, src *data.Source, trainImages, testImages int) (*prepared, error) {
	return t.prepareAs(name, src, trainImages, testImages, "")
}

// prepareAs is prepare for images that, when preprocessed describes a
// photo transform, are already the trunk's input (Options.Preprocessed).
func (t *Trunk) prepareAs(name string, src *data.Source, trainImages, testImages int, preprocessed string) (*prepared, error) {
	if src.Test == nil {
		return nil, errors.Errorf("%s has no test split to measure accuracy on", name)
	}
	for _, d := range []*data.Dataset{src.Train, src.Test} {
		if err := checkLabels(d); err != nil {
			return nil, err
		}
	}
	if src.Train.Classes != src.Test.Classes {
		return nil, errors.Errorf("%s: the training split has %d classes, the test split %d", name, src.Train.Classes, src.Test.Classes)
	}
	trainSet := src.Train
	if trainImages > trainSet.N {
		return nil, errors.Errorf("%d training images asked for, %s has %d", trainImages, trainSet.Name, trainSet.N)
	}
	if trainImages > 0 && trainImages < trainSet.N {
		trainSet = trainSet.Subset(data.Permutation(trainSet.N, trainSubsetSeed, 0)[:trainImages])
	}
	testSet := src.Test
	if testImages > 0 && testImages < testSet.N {
		testSet = testSet.Subset(data.Permutation(testSet.N, trainSubsetSeed, 1)[:testImages])
	}
	sized := t.sized
	if preprocessed != "" {
		sized = t.sizedAsGiven
	}
	model, err := sized(name, trainSet)
	if err != nil {
		return nil, err
	}
	c, h, w := model.Config.Channels, model.Config.ImageHeight, model.Config.ImageWidth
	if preprocessed != "" {
		if d := trainSet; d.C != c || d.H != h || d.W != w {
			return nil, errors.Errorf("%s: images of %d×%d×%d from %s, the checkpoint takes %d×%d×%d", name, d.C, d.H, d.W, preprocessed, c, h, w)
		}
		return &prepared{model: model, train: trainSet, test: testSet, norm: NormTransform}, nil
	}
	p := &prepared{model: model}
	if p.train, err = data.Fit(trainSet, c, h, w); err != nil {
		return nil, errors.Wrapf(err, "fitting %s to the checkpoint's %d×%d×%d input", name, c, h, w)
	}
	if p.test, err = data.Fit(testSet, c, h, w); err != nil {
		return nil, errors.Wrapf(err, "fitting %s to the checkpoint's %d×%d×%d input", name, c, h, w)
	}
	return p, t.normalize(p)
}

// sized returns the trunk for the images: at the checkpoint's recorded
// size, else at the images' own size when the patches tile it.
func (t *Trunk) sized(name string, d *data.Dataset) (*graph.Model, error) {
	cfg := t.Model.Config
	if t.FixedSize {
		return t.Model, nil
	}
	if d.H%cfg.Patch != 0 || d.W%cfg.Patch != 0 {
		return nil, errors.Errorf("%s: images of %d×%d are not a multiple of the checkpoint's %d×%d patches, and %s records no image size (%s metadata) to resize them to",
			name, d.H, d.W, cfg.Patch, cfg.Patch, t.Checkpoint, schema.ModelConfig)
	}
	m, err := t.Model.WithImage(cfg.Channels, d.H, d.W)
	return m, errors.Wrapf(err, "%s: %d×%d images", name, d.H, d.W)
}

// sizedAsGiven is sized for images a photo transform made: a model with
// sin-cos positions (AIMv2's native one) takes their size even where the
// checkpoint records one.
func (t *Trunk) sizedAsGiven(name string, d *data.Dataset) (*graph.Model, error) {
	if t.Model.Config.PosEmbed != graph.PosSinCos {
		return t.sized(name, d)
	}
	u := *t
	u.FixedSize = false
	return u.sized(name, d)
}

// normalize applies the checkpoint's normalisation when it has one for the
// trunk's channels, else the training images' own channel statistics.
func (t *Trunk) normalize(p *prepared) error {
	mean, std, how := []float32(nil), []float32(nil), NormPretraining
	if t.Norm != nil && len(t.Norm.Mean) == p.train.C && len(t.Norm.Std) == p.train.C {
		mean, std = t.Norm.Mean, t.Norm.Std
	} else {
		mean, std, how = downstreamStats(p.train)
	}
	p.norm = how
	for _, d := range []*data.Dataset{p.train, p.test} {
		if err := d.Normalize(mean, std); err != nil {
			return errors.Wrapf(err, "normalising with the %s statistics", how)
		}
	}
	return nil
}

func downstreamStats(d *data.Dataset) (mean, std []float32, how string) {
	mean, std = data.ChannelStats(d)
	for i := range std {
		if std[i] == 0 {
			std[i] = 1
		}
	}
	return mean, std, NormDownstream
}

// checkLabels reports a split without labels or with a label outside its
// classes.
func checkLabels(d *data.Dataset) error {
	switch {
	case d.Labels == nil:
		return errors.Errorf("%s has no labels: a probe needs labelled images", d.Name)
	case len(d.Labels) != d.N:
		return errors.Errorf("%s: %d labels for %d images", d.Name, len(d.Labels), d.N)
	case d.Classes < 2:
		return errors.Errorf("%s has %d classes: a probe needs at least 2", d.Name, d.Classes)
	}
	for i, l := range d.Labels {
		if l < 0 || l >= d.Classes {
			return errors.Errorf("%s: label %d of image %d is outside the %d classes [0, %d)", d.Name, l, i, d.Classes, d.Classes)
		}
	}
	return nil
}

// describe names the trunk in notes.
func (t *Trunk) describe() string {
	if t.RandomInit {
		return fmt.Sprintf("random-init trunk like %s", t.Checkpoint)
	}
	return t.Checkpoint
}
