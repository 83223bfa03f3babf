package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/dist"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/probe"
)

// classifyFlags are the flags of aim classify.
type classifyFlags struct {
	imageFlags
	ckpt, head, layers, labels, logits string
	top, batch                         int
	jsonOut, allowNonFinite            bool
	dist                               *string
}

func (f *classifyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.ckpt, "checkpoint", "", "classifier checkpoint: a trunk with its probe head (head.*), e.g. one of Apple's released AIM classifiers as safetensors (required)")
	fs.StringVar(&f.head, "head", "", "probe head file, when the checkpoint holds a trunk only (aim probe's probe.safetensors, or a released head)")
	fs.StringVar(&f.layers, "layers", "", "comma-separated 0-based blocks the head reads (default: the blocks the file records as probe_layers, else the last 6)")
	fs.StringVar(&f.labels, "labels", "", "class names, one per line in class order (default: the 1,000 ImageNet classes, for a head of 1,000 classes)")
	fs.StringVar(&f.logits, "logits", "", "also write the logits (N, classes) as float32 .npy")
	fs.IntVar(&f.top, "top", 5, "classes to print per image, at least 1")
	fs.IntVar(&f.batch, "batch", 64, "images per forward pass (the graph is built for min(batch, images))")
	fs.BoolVar(&f.jsonOut, "json", false, "print one JSON object per image (image, top: class, label, probability, logit)")
	fs.BoolVar(&f.allowNonFinite, "allow-nonfinite", false, "load a checkpoint even if tensors hold NaN or infinite values (to inspect a diverged run)")
	f.imageFlags.register(fs)
	f.dist = registerDist(fs)
}

func (f *classifyFlags) validate(inputs []string) error {
	if err := required("checkpoint", f.ckpt); err != nil {
		return err
	}
	if f.top < 1 || f.batch < 1 {
		return usageError{errors.Errorf("--top %d and --batch %d: expected at least 1", f.top, f.batch)}
	}
	if f.logits == "" {
		return nil
	}
	if !isNpy(f.logits) {
		return usageError{errors.Errorf("--logits %s: expected a .npy file name", f.logits)}
	}
	in := inputFlags(inputs)
	in["--checkpoint"], in["--head"], in["--labels"] = f.ckpt, f.head, f.labels
	return checkOutputs(map[string]string{"--logits": f.logits}, in)
}

func runClassify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f classifyFlags
	fs := newFlags("classify")
	f.register(fs)
	inputs, err := parseWithArgs(fs, args)
	if err != nil {
		return err
	}
	if err := f.validate(inputs); err != nil {
		return err
	}
	comm, err := startDist(*f.dist, &stdout, &stderr)
	if err != nil {
		return err
	}
	if err := checkSameInputs(comm, f.sharedInputs(inputs)...); err != nil {
		return err
	}
	c, err := loadClassifier(f)
	if err = dist.Agree(comm, err); err != nil { // every rank reads the classifier
		return err
	}
	defer c.close()
	in, err := newImageInputs(inputs, f.imageFlags)
	if err != nil {
		return err
	}
	p := &predictor{classifier: c, flags: f, out: stdout, log: stderr, comm: comm}
	defer p.abort()
	if err := in.each(func(d *data.Dataset, names []string) error { return p.add(ctx, d, names) }); err != nil {
		return err
	}
	in.reportBad(stderr)
	return p.commit()
}

// classifier is a loaded trunk, its head and its labels.
type classifier struct {
	model  *graph.Model
	head   *probe.Head
	layers []int
	labels []string
}

func (c *classifier) close() { c.model.Close() }

// loadClassifier reads the trunk, the head (from --head or the checkpoint),
// the blocks it reads and the class names.
func loadClassifier(f classifyFlags) (*classifier, error) {
	m, file, err := loadCheckpoint(f.ckpt, f.allowNonFinite)
	if err != nil {
		return nil, err
	}
	c := &classifier{model: m}
	recorded, err := c.readHead(f, file)
	if err == nil {
		err = c.chooseLayers(f.layers, recorded)
	}
	if err == nil {
		c.labels, err = classLabels(f.labels, c.head.Classes)
	}
	if err != nil {
		m.Close()
		return nil, err
	}
	return c, nil
}

// readHead reads the probe head and returns the blocks its file records.
func (c *classifier) readHead(f classifyFlags, file *checkpoint.Mapped) ([]int, error) {
	var layers []int
	var err error
	switch {
	case f.head != "":
		c.head, layers, err = probe.LoadHead(f.head)
	case probe.HasHead(file):
		c.head, layers, err = probe.HeadFrom(file, c.model.Config.Heads)
		err = errors.Wrap(err, f.ckpt)
	default:
		return nil, usageError{errors.Errorf("%s holds no classifier head (head.* tensors): pass its head with --head FILE", f.ckpt)}
	}
	if err == nil && c.head.Dim != c.model.Config.Width {
		err = errors.Errorf("the head reads features of width %d, the trunk of %s is %d wide", c.head.Dim, f.ckpt, c.model.Config.Width)
	}
	return layers, err
}

// chooseLayers picks --layers, else the recorded blocks, else the last 6.
func (c *classifier) chooseLayers(flagValue string, recorded []int) error {
	layers, err := parseLayers(flagValue)
	switch {
	case err != nil:
		return err
	case layers != nil:
		c.layers = layers
	case recorded != nil:
		c.layers = recorded
	default:
		c.layers = probe.DefaultHeadLayers(c.model.Config.Depth)
	}
	return nil
}

// classLabels reads --labels, or gives the ImageNet classes to a head of
// 1,000 classes.
func classLabels(path string, classes int) ([]string, error) {
	if path == "" {
		if classes != 1000 {
			return nil, usageError{errors.Errorf("the head has %d classes, not ImageNet's 1,000: name them with --labels FILE", classes)}
		}
		return data.ImageNetClasses(), nil
	}
	labels, err := data.ReadLabels(path)
	if err != nil {
		return nil, err
	}
	if len(labels) != classes {
		return nil, usageError{errors.Errorf("--labels %s names %d classes, the head has %d", path, len(labels), classes)}
	}
	return labels, nil
}

// predictor classifies image chunks, printing the top classes and
// streaming the logits.
type predictor struct {
	classifier *classifier
	flags      classifyFlags
	out, log   io.Writer
	run        *probe.Classifier
	logits     *data.NpyWriter // rank 0's
	enc        *json.Encoder
	comm       dist.Comm
	share      []float32 // this rank's logits of a round (see addShared)
	gathered   []float32 // rank 0's: every rank's logits of a round
}

func (p *predictor) add(ctx context.Context, d *data.Dataset, names []string) error {
	if p.run == nil {
		if err := p.start(d, names[0]); err != nil {
			return err
		}
	}
	if p.comm.Size() > 1 {
		return p.addShared(ctx, d, names)
	}
	err := p.run.Logits(ctx, d.N, func(i int, dst []float32) { copy(dst, d.Image(i)) }, func(first int, logits []float32) error {
		return p.emit(names[first:], logits)
	})
	return errors.Wrap(err, names[0])
}

// emit writes the logits of images, in order from names[0], and prints
// their top classes.
func (p *predictor) emit(names []string, logits []float32) error {
	if p.logits != nil {
		if err := p.logits.Append(logits); err != nil {
			return err
		}
	}
	classes := p.run.Classes()
	for i := range len(logits) / classes {
		top := probe.TopK(logits[i*classes:(i+1)*classes], p.flags.top, p.classifier.labels)
		if err := p.print(names[i], top); err != nil {
			return err
		}
	}
	return nil
}

// start sizes the trunk to the images and opens the logits file.
func (p *predictor) start(d *data.Dataset, first string) error {
	c := p.classifier
	sized, err := c.model.WithImage(d.C, d.H, d.W)
	if err != nil {
		return errors.Wrapf(err, "%s (%d×%d×%d images)", first, d.C, d.H, d.W)
	}
	fmt.Fprintln(p.log, describeGrid(d, c.model.Config, sized.Config))
	if p.run, err = probe.NewClassifier(sized, c.head, c.layers, p.flags.batch); err != nil {
		return usageError{errors.Wrap(err, "--layers")}
	}
	fmt.Fprintf(p.log, "classify: %s probe of %d classes on blocks %v%s\n", c.head.Kind, c.head.Classes, p.run.Layers(), describeHalf(c.model.Params))
	if p.flags.logits != "" && p.comm.Rank() == 0 {
		p.logits, err = data.CreateNpy(p.flags.logits, []int{c.head.Classes})
	}
	p.enc = json.NewEncoder(p.out)
	return err
}

func (p *predictor) print(name string, top []probe.Prediction) error {
	if p.flags.jsonOut {
		return p.enc.Encode(map[string]any{"image": name, "top": top})
	}
	fmt.Fprintln(p.out, name)
	for _, t := range top {
		fmt.Fprintf(p.out, "  %6.2f%%  %s (%d)\n", 100*t.Probability, t.Label, t.Class)
	}
	return nil
}

// commit puts the logits file in place.
func (p *predictor) commit() error {
	if p.run == nil {
		return errors.New("no images could be read")
	}
	if p.logits == nil {
		return nil
	}
	err := p.logits.Close()
	p.logits = nil
	return err
}

func (p *predictor) abort() {
	if p.logits != nil {
		p.logits.Abort()
	}
	if p.run != nil {
		p.run.Close()
	}
}
