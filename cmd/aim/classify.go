package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/checkpoint/schema"
	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/model"
	"github.com/aim-go/aim/mpi"
	"github.com/aim-go/aim/probe"
)

// classifyFlags are the flags of aim classify.
type classifyFlags struct {
	imageFlags
	ckpt, head, layers, labels, logits string
	top, batch                         int
	jsonOut, allowNonFinite            bool
	precision                          precisionFlag
	dist                               *string
}

func (f *classifyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.ckpt, "checkpoint", "", "classifier checkpoint: a trunk with its probe head (head.*), e.g. one of Apple's released AIM classifiers as safetensors (required)")
	fs.StringVar(&f.head, "head", "", "probe head file, when the checkpoint holds a trunk only (aim probe's probe.safetensors, or a released head)")
	fs.StringVar(&f.layers, "layers", "", "comma-separated 0-based blocks the head reads, or -1 for the post-trunk norm (default: the blocks the file records as probe_layers, else the last 6 for AIM v1 and the post-trunk norm for AIMv2)")
	fs.StringVar(&f.labels, "labels", "", "class names, one per line in class order (default: the 1,000 ImageNet classes, for a head of 1,000 classes)")
	fs.StringVar(&f.logits, "logits", "", "also write the logits (N, classes) as float32 .npy")
	fs.IntVar(&f.top, "top", 5, "classes to print per image, at least 1")
	fs.IntVar(&f.batch, "batch", 64, "images per forward pass (the graph is built for min(batch, images))")
	fs.BoolVar(&f.jsonOut, "json", false, "print one JSON object per image (image, top: class, label, probability, logit)")
	fs.BoolVar(&f.allowNonFinite, "allow-nonfinite", false, "load a checkpoint even if tensors hold NaN or infinite values (to inspect a diverged run)")
	fs.Var(&f.precision, "precision", precisionUsage)
	f.imageFlags.register(fs)
	f.dist = registerDist(fs)
}

func (f *classifyFlags) distMode() string { return *f.dist }

func (f *classifyFlags) validate(inputs []string) error {
	if err := required("checkpoint", f.ckpt); err != nil {
		return err
	}
	if err := f.precision.check(); err != nil {
		return err
	}
	if err := checkRanges([]intRule{{flag: "top", value: f.top, min: 1}, {flag: "batch", value: f.batch, min: 1}}, nil); err != nil {
		return err
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
	inputs, comm, err := startImageCommand("classify", &f, args, &stdout, &stderr)
	if err != nil {
		return err
	}
	c, err := loadClassifier(f)
	if err = mpi.Agree(comm, err); err != nil { // every rank reads the classifier
		return err
	}
	defer c.close()
	t, why, err := photoTransform(f.imageFlags, f.ckpt, c.model.Config, true)
	if err != nil {
		return err
	}
	p := &predictor{classifier: c, flags: f, out: stdout, log: stderr, comm: comm}
	defer p.abort()
	add := func(c *imageChunk) error { return p.add(ctx, c) }
	if _, err := streamImages("classify", inputs, f.imageFlags, t, why, comm, stderr, add); err != nil {
		return err
	}
	return p.commit()
}

// classifier is a loaded trunk, its head and its labels.
type classifier struct {
	model      *graph.Model
	head       *probe.Head
	headFile   string // the file the head was read from
	layers     []int
	layersFrom string // where layers come from, for errors: "--layers", or the head file's metadata key
	labels     []string
}

func (c *classifier) close() { c.model.Close() }

// loadClassifier reads the trunk, the head (from --head or the checkpoint),
// the blocks it reads and the class names.
func loadClassifier(f classifyFlags) (*classifier, error) {
	m, file, err := loadCheckpoint(f.ckpt, f.allowNonFinite, f.precision.p)
	if err != nil {
		return nil, err
	}
	c := &classifier{model: m}
	recorded, err := c.readHead(f, file)
	if err == nil {
		err = c.head.Params.SetPrecision(f.precision.p) // the head multiplies as the trunk does
	}
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
		c.headFile = f.head
		c.head, layers, err = probe.LoadHead(f.head)
	case probe.HasHead(file):
		c.headFile = f.ckpt
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
// Recorded blocks the trunk does not have are an error naming the head
// file and its metadata.
func (c *classifier) chooseLayers(flagValue string, recorded []int) error {
	layers, err := parseLayers(flagValue)
	switch {
	case err != nil:
		return err
	case layers != nil:
		c.layers, c.layersFrom = layers, "--layers"
	case recorded != nil:
		c.layers, c.layersFrom = recorded, fmt.Sprintf("%s: metadata %s %v", c.headFile, schema.ProbeLayers, recorded)
		return c.checkRecordedLayers()
	case c.model.Config.IsV2():
		c.layers, c.layersFrom = c.model.DefaultLayers(), "AIMv2's features"
	default:
		c.layers, c.layersFrom = probe.DefaultHeadLayers(c.model.Config.Depth), "the default blocks"
	}
	return nil
}

// checkRecordedLayers refuses recorded blocks beyond the trunk's.
func (c *classifier) checkRecordedLayers() error {
	depth := c.model.Config.Depth
	for _, l := range c.layers {
		if l >= depth {
			return errors.Errorf("%s: block %d is beyond the trunk's %d blocks (0…%d); pass --layers to choose others", c.layersFrom, l, depth, depth-1)
		}
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
// streaming the logits. Images of several sizes (AIMv2's native model at
// each photo's size) go through one trunk graph per size, and come out in
// the input order.
type predictor struct {
	classifier *classifier
	flags      classifyFlags
	out, log   io.Writer
	runners    *sizedRunners[*model.Classifier]
	classes    int
	logits     *data.NpyWriter // rank 0's
	enc        *json.Encoder
	comm       mpi.Comm
	rows       []float32 // rank 0's: a chunk's logits in input order, when it comes in groups
	share      []float32 // this rank's logits of a round (see addShared)
	gathered   []float32 // rank 0's: every rank's logits of a round
}

func (p *predictor) add(ctx context.Context, c *imageChunk) error {
	if p.runners == nil {
		if err := p.start(c); err != nil {
			return err
		}
	}
	grouped := !c.inOrder() && p.comm.Rank() == 0
	if grouped {
		p.rows = growRow(p.rows, len(c.names)*p.classes)
	}
	for _, g := range c.groups {
		if err := p.addGroup(ctx, c, g); err != nil {
			return err
		}
	}
	if grouped {
		return p.emit(c.names, p.rows)
	}
	return nil
}

// addGroup classifies the images of one size of a chunk.
func (p *predictor) addGroup(ctx context.Context, c *imageChunk, g imageGroup) error {
	first := c.names[g.index[0]]
	run, err := p.runners.get(g.d, first)
	if err != nil {
		return err
	}
	if p.comm.Size() > 1 {
		return p.addShared(ctx, run, c, g)
	}
	err = run.Logits(ctx, g.d.N, func(i int, dst []float32) { copy(dst, g.d.Image(i)) }, func(lo int, logits []float32) error {
		return p.put(c, g, lo, logits)
	})
	if _, nonFinite := err.(*nonFiniteLogits); nonFinite {
		return err // names its image
	}
	if err != nil {
		return chunkError(ctx, err, first, p.flags.logits)
	}
	return nil
}

// put puts out the logits of the images of group g from lo on (rank 0):
// at once when the chunk is in order, else to their places in p.rows.
func (p *predictor) put(c *imageChunk, g imageGroup, lo int, logits []float32) error {
	if c.inOrder() {
		return p.emit(c.names[lo:], logits)
	}
	n := p.classes
	for i := range len(logits) / n {
		at := g.index[lo+i]
		copy(p.rows[at*n:(at+1)*n], logits[i*n:(i+1)*n])
	}
	return nil
}

// nonFiniteLogits is the error of an image whose logits hold NaN or
// infinite values.
type nonFiniteLogits struct {
	image string
	count checkpoint.NonFiniteTensor
}

// Error blames the head: the trunk's features have been checked finite
// (graph.Extractor), as have the pixels they come from.
func (e *nonFiniteLogits) Error() string {
	return fmt.Sprintf("%s: the logits hold %d NaN and %d infinite values (of %d) although the features are finite: the head's weights hold NaN or infinite values, or overflow",
		e.image, e.count.NaN, e.count.Inf, e.count.Len)
}

// checkLogits refuses an image's logits that hold NaN or infinite values.
func checkLogits(name string, logits []float32) error {
	if t := checkpoint.CountNonFinite("logits", logits); t.NaN+t.Inf > 0 {
		return &nonFiniteLogits{image: name, count: t}
	}
	return nil
}

// emit writes the logits of images, in order from names[0], and prints
// their top classes.
func (p *predictor) emit(names []string, logits []float32) error {
	classes := p.classes
	for i := range len(logits) / classes {
		if err := checkLogits(names[i], logits[i*classes:(i+1)*classes]); err != nil {
			return err
		}
	}
	if p.logits != nil {
		if err := appendOutput(p.logits, logits); err != nil {
			return err
		}
	}
	for i := range len(logits) / classes {
		top := model.TopK(logits[i*classes:(i+1)*classes], p.flags.top, p.classifier.labels)
		if err := p.print(names[i], top); err != nil {
			return err
		}
	}
	return nil
}

// start sizes the trunk to the first images and opens the logits file.
func (p *predictor) start(chunk *imageChunk) error {
	c := p.classifier
	p.runners = newSizedRunners(c.model, p.log, func(sized *graph.Model) (*model.Classifier, error) {
		run, err := model.NewClassifier(sized, c.head, c.layers, p.flags.batch)
		switch {
		case err != nil && c.layersFrom == "--layers":
			return nil, usageError{errors.Wrap(err, "--layers")}
		case err != nil:
			return nil, errors.Wrap(err, c.layersFrom)
		}
		return run, nil
	})
	g := chunk.groups[0]
	run, err := p.runners.get(g.d, chunk.names[g.index[0]])
	if err != nil {
		return err
	}
	p.classes = run.Classes()
	fmt.Fprintf(p.log, "classify: %s probe of %d classes on %s%s\n", c.head.Kind, c.head.Classes, graph.DescribeLayers(run.Layers()), describeHalf(c.model.Params))
	if p.flags.logits != "" && p.comm.Rank() == 0 {
		p.logits, err = data.CreateNpy(p.flags.logits, []int{c.head.Classes})
	}
	p.enc = json.NewEncoder(p.out)
	return err
}

func (p *predictor) print(name string, top []model.Prediction) error {
	if p.flags.jsonOut {
		return p.enc.Encode(map[string]any{"image": name, "top": top})
	}
	fmt.Fprintln(p.out, printable(name))
	for _, t := range top {
		fmt.Fprintf(p.out, "  %6.2f%%  %s (%d)\n", 100*t.Probability, printable(t.Label), t.Class)
	}
	return nil
}

// printable returns s as it is, or quoted as a Go string literal
// (strconv.Quote) when it holds a character that is not printable (a
// newline, a tab, an escape), is not valid UTF-8, or starts with a double
// quote: each name then takes exactly one line of the plain output, and a
// quoted name cannot be mistaken for one that is not.
func printable(s string) string {
	if !utf8.ValidString(s) || strings.HasPrefix(s, `"`) || strings.ContainsFunc(s, func(r rune) bool { return !strconv.IsPrint(r) }) {
		return strconv.Quote(s)
	}
	return s
}

// commit puts the logits file in place.
func (p *predictor) commit() error {
	if p.runners == nil {
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
	if p.runners != nil {
		p.runners.Close()
	}
}
