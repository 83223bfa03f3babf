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
	"time"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/data/photo"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/internal/atomicfile"
	"github.com/aim-go/aim/mpi"
	"github.com/aim-go/aim/objectives"
	"github.com/aim-go/aim/patches"
)

// featureFlags are the flags of aim features.
type featureFlags struct {
	imageFlags
	ckpt, images, out, layers, pool string
	batch                           int
	allowNonFinite                  bool
	precision                       precisionFlag
	dist                            *string
}

func (f *featureFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.ckpt, "checkpoint", "", "model checkpoint (.safetensors) (required)")
	fs.StringVar(&f.images, "images", "", "a .npy array of images (N, C, H, W) or (N, H, W): float32 or float64 used exactly as given (normalise them as the model was trained), or uint8 scaled by 1/255 to [0, 1]; H and W any multiple of the patch size — other sizes than the model's give more or fewer patches, and the grid used is printed. Photos and more arrays may also be named as arguments")
	fs.StringVar(&f.out, "out", "", "output .npy file for the float32 features: (N, K, D) per token, or (N, D) with --pool mean; the input order goes to the same name with .json (required)")
	fs.StringVar(&f.layers, "layers", "", "comma-separated 0-based blocks whose raw outputs are averaged, or -1 for the post-trunk norm of the last block (default: the last ceil(depth/4) blocks for AIM v1, the post-trunk norm for AIMv2)")
	fs.StringVar(&f.pool, "pool", "none", "none: a feature per token (N, K, D), every image on one grid of K patches; mean: one embedding per image, the mean over its tokens (N, D), for images of any grids (AIMv2's native model at each photo's own size)")
	fs.IntVar(&f.batch, "batch", 64, "images per forward pass (the graph is built for min(batch, images))")
	fs.BoolVar(&f.allowNonFinite, "allow-nonfinite", false, "load a checkpoint even if tensors hold NaN or infinite values (to inspect a diverged run)")
	fs.Var(&f.precision, "precision", precisionUsage)
	f.imageFlags.register(fs)
	f.dist = registerDist(fs)
}

// validate checks the flags that need no file.
func (f *featureFlags) validate(inputs []string) error {
	if err := required("checkpoint", f.ckpt, "out", f.out); err != nil {
		return err
	}
	if f.batch < 1 {
		return usageError{errors.Errorf("--batch %d: expected at least 1", f.batch)}
	}
	if f.pool != "none" && f.pool != "mean" {
		return usageError{errors.Errorf("--pool %q: expected none or mean", f.pool)}
	}
	in := inputFlags(inputs)
	in["--checkpoint"], in["--images"] = f.ckpt, f.images
	if err := checkOutputs(map[string]string{"--out": f.out, "--out's .json": orderPath(f.out)}, in); err != nil {
		return err
	}
	if !isNpy(f.out) {
		return usageError{errors.Errorf("--out %s: expected a .npy file name", f.out)}
	}
	return f.precision.check()
}

func (f *featureFlags) distMode() string { return *f.dist }

// orderPath is the file beside the features that lists their inputs.
func orderPath(out string) string { return strings.TrimSuffix(out, filepath.Ext(out)) + ".json" }

func runFeatures(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f featureFlags
	inputs, comm, err := startImageCommand("features", &f, args, &stdout, &stderr)
	if err != nil {
		return err
	}
	if f.images != "" {
		inputs = append([]string{f.images}, inputs...)
	}
	layerIdx, err := parseLayers(f.layers)
	if err != nil {
		return err
	}
	began := time.Now()
	m, _, err := loadCheckpoint(f.ckpt, f.allowNonFinite, f.precision.p)
	if err = mpi.Agree(comm, err); err != nil { // every rank reads the checkpoint
		return err
	}
	defer m.Close()
	loaded := time.Since(began)
	fmt.Fprintf(stderr, "features: loaded %s in %.2fs (width %d, %d blocks%s)\n", f.ckpt, loaded.Seconds(), m.Config.Width, m.Config.Depth, describeHalf(m.Params))
	t, why, err := photoTransform(f.imageFlags, f.ckpt, m.Config, true)
	if err != nil {
		return err
	}
	w := &featureWriter{model: m, layers: layerIdx, batch: f.batch, pooled: f.pool == "mean", out: f.out, log: stderr, comm: comm}
	defer w.abort()
	add := func(c *imageChunk) error { return w.add(ctx, c) }
	in, err := streamImages("features", inputs, f.imageFlags, t, why, comm, stderr, add)
	if err != nil {
		return err
	}
	if err := w.commit(in.bad); err != nil {
		return err
	}
	if n := w.order.Len(); n > 0 {
		run := time.Since(began) - loaded
		fmt.Fprintf(stderr, "features: %d images in %.2fs (%.3fs per image)\n", n, run.Seconds(), run.Seconds()/float64(n))
	}
	fmt.Fprintf(stdout, "%d images → %s %v (%s); input order in %s\n", w.order.Len(), f.out, w.shape(), graph.DescribeLayers(w.used), orderPath(f.out))
	return nil
}

// featureWriter streams the features of image chunks to a .npy file.
// Under mpirun every rank reads every chunk, computes the features of its
// share of each round of ranks × batch images, and rank 0 gathers them and
// writes the output. Images of several sizes (AIMv2's native model at each
// photo's size) go through one graph per size; their rows keep the input
// order. Per-token output needs one grid for every image.
type featureWriter struct {
	model     *graph.Model // as loaded: sized for each image size by runners
	layers    []int
	batch     int
	pooled    bool
	out       string
	log       io.Writer
	comm      mpi.Comm
	runners   *sizedRunners[*graph.Extractor]
	first     string          // the first image
	firstSize [3]int          // its C, H, W: per-token output needs it of every image
	tokens    int             // tokens per image of per-token output
	used      []int           // the blocks the features come from
	npy       *data.NpyWriter // rank 0's
	order     inputOrder
	rows      []float32 // rank 0's: a chunk's rows in input order, when it comes in groups
	row       []float32
	share     []float32 // this rank's features of a round
	gathered  []float32 // rank 0's: every rank's features of a round
}

// add computes and writes the features of one chunk of images; the first
// chunk opens the output.
func (w *featureWriter) add(ctx context.Context, c *imageChunk) error {
	if w.runners == nil {
		if err := w.start(c); err != nil {
			return err
		}
	}
	grouped := !c.inOrder() && w.comm.Rank() == 0
	if grouped {
		w.rows = growRow(w.rows, len(c.names)*w.rowLen())
	}
	for _, g := range c.groups {
		if err := w.addGroup(ctx, c, g); err != nil {
			return err
		}
	}
	if grouped {
		if err := appendOutput(w.npy, w.rows); err != nil {
			return err
		}
	}
	w.order.add(c.names...)
	return nil
}

// addGroup computes the features of the images of one size of a chunk.
func (w *featureWriter) addGroup(ctx context.Context, c *imageChunk, g imageGroup) error {
	first := c.names[g.index[0]]
	if size := [3]int{g.d.C, g.d.H, g.d.W}; !w.pooled && size != w.firstSize {
		return usageError{errors.Errorf("%s: images of %d×%d×%d after %s of %d×%d×%d: per-token features (N, K, D) need one grid of patches for every image; pass --pool mean for one embedding per image, or --size H,W to resize every photo to one size",
			first, g.d.C, g.d.H, g.d.W, w.first, w.firstSize[0], w.firstSize[1], w.firstSize[2])}
	}
	ex, err := w.runners.get(g.d, first)
	if err != nil {
		return err
	}
	if w.comm.Size() > 1 {
		return w.addShared(ctx, ex, c, g)
	}
	err = ex.Extract(ctx, g.d.N, func(i int, dst []float32) { copy(dst, g.d.Image(i)) }, func(lo int, f []float32) error {
		return w.put(c, g, lo, w.pool(ex, f))
	})
	if err != nil {
		return chunkError(ctx, err, first, w.out)
	}
	return nil
}

// pool returns the features f of a batch as the output's rows: each
// image's mean over its tokens with --pool mean, else f.
func (w *featureWriter) pool(ex *graph.Extractor, f []float32) []float32 {
	if !w.pooled {
		return f
	}
	k := ex.Tokens()
	w.row = growRow(w.row, len(f)/k)
	graph.MeanTokens(f, k, w.model.Config.Width, w.row)
	return w.row
}

// put writes the rows of the images of group g from lo on (rank 0): to
// the output when the chunk is in order, else to their places in w.rows.
func (w *featureWriter) put(c *imageChunk, g imageGroup, lo int, rows []float32) error {
	if c.inOrder() {
		return appendOutput(w.npy, rows)
	}
	n := w.rowLen()
	for i := range len(rows) / n {
		at := g.index[lo+i]
		copy(w.rows[at*n:(at+1)*n], rows[i*n:(i+1)*n])
	}
	return nil
}

// addShared is addGroup on several ranks: the group goes in rounds of
// ranks × batch images, each rank computes the features of its contiguous
// share of a round, and rank 0 gathers them in order and puts them out.
func (w *featureWriter) addShared(ctx context.Context, ex *graph.Extractor, c *imageChunk, g imageGroup) error {
	rank, size, row := w.comm.Rank(), w.comm.Size(), w.rowLen()
	for lo := 0; lo < g.d.N; lo += size * w.batch {
		m := min(size*w.batch, g.d.N-lo)
		a, b := mpi.Share(m, rank, size)
		if err := w.extractShare(ctx, ex, g.d, lo+a, b-a); err != nil {
			return chunkError(ctx, err, "the images from "+c.names[g.index[lo+a]]+" on", w.out)
		}
		if rank == 0 {
			w.gathered = growRow(w.gathered, m*row)
		}
		if err := mpi.Gather(w.comm, w.share, w.gathered, mpi.ShareCounts(m, row, size), 0); err != nil {
			return errors.Wrap(err, "gathering the features")
		}
		if rank == 0 {
			if err := w.put(c, g, lo, w.gathered); err != nil {
				return err
			}
		}
	}
	return nil
}

// extractShare computes the features of n images of d from first on into
// w.share, pooled if asked.
func (w *featureWriter) extractShare(ctx context.Context, ex *graph.Extractor, d *data.Dataset, first, n int) error {
	w.share = w.share[:0]
	return ex.Extract(ctx, n, func(i int, dst []float32) { copy(dst, d.Image(first+i)) }, func(_ int, f []float32) error {
		w.share = append(w.share, w.pool(ex, f)...)
		return nil
	})
}

// rowLen is the number of values of one image's features.
func (w *featureWriter) rowLen() int {
	if w.pooled {
		return w.model.Config.Width
	}
	return w.tokens * w.model.Config.Width
}

func growRow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// start prepares the graphs of the first images' size and opens the
// output.
func (w *featureWriter) start(c *imageChunk) error {
	g := c.groups[0]
	w.first, w.firstSize = c.names[g.index[0]], [3]int{g.d.C, g.d.H, g.d.W}
	w.runners = newSizedRunners(w.model, w.log, func(sized *graph.Model) (*graph.Extractor, error) {
		ex, err := sized.NewExtractor(w.batch, w.layers) // --batch is checked: only --layers can be wrong
		if err != nil {
			return nil, usageError{errors.Wrap(err, "--layers")}
		}
		return ex, nil
	})
	ex, err := w.runners.get(g.d, w.first)
	if err != nil {
		return err
	}
	w.tokens, w.used = ex.Tokens(), ex.Layers()
	if w.comm.Rank() != 0 {
		return nil // rank 0 alone writes
	}
	w.npy, err = data.CreateNpy(w.out, w.shape()[1:])
	return err
}

// shape is the shape of the features written so far.
func (w *featureWriter) shape() []int {
	if w.pooled {
		return []int{w.order.Len(), w.model.Config.Width}
	}
	return []int{w.order.Len(), w.tokens, w.model.Config.Width}
}

// commit puts the features and the input order in place (rank 0).
func (w *featureWriter) commit(bad []photo.Bad) error {
	if w.runners == nil {
		return errors.New("no images could be read")
	}
	if w.comm.Rank() != 0 {
		return nil
	}
	if err := w.npy.Close(); err != nil {
		return err
	}
	w.npy = nil
	return w.order.write(orderPath(w.out), w.shape(), w.used, bad)
}

// abort discards an output not committed.
func (w *featureWriter) abort() {
	if w.npy != nil {
		w.npy.Abort()
	}
	if w.runners != nil {
		w.runners.Close()
	}
}

// inputOrder records which input each row of an output comes from.
type inputOrder struct{ names []string }

func (o *inputOrder) add(names ...string) { o.names = append(o.names, names...) }

// Len returns the number of rows.
func (o *inputOrder) Len() int { return len(o.names) }

// write saves the order as JSON: the inputs row by row, the output's
// shape, the blocks, and the photos skipped.
func (o *inputOrder) write(path string, shape, layers []int, bad []photo.Bad) error {
	skipped := make([]map[string]string, len(bad))
	for i, b := range bad {
		skipped[i] = map[string]string{"path": b.Path, "error": b.Err.Error()}
	}
	js, err := json.MarshalIndent(map[string]any{"inputs": o.names, "shape": shape, "layers": layers, "skipped": skipped}, "", "  ")
	if err != nil {
		return errors.Wrap(err, "encoding the input order")
	}
	return atomicfile.WriteFile(path, append(js, '\n'))
}

// loadModelAndImages reads a checkpoint, its objective (the paper's, when
// it records none) and a .npy batch of images, and adapts the model to the
// images' size, with errors naming the file.
func loadModelAndImages(ckpt, images string, allowNonFinite bool, prec blas.Precision, log io.Writer) (*graph.Model, *data.Dataset, graph.Objective, error) {
	obj := graph.Objective{Order: patches.Raster, Target: objectives.Normalized}
	m, f, err := loadCheckpoint(ckpt, allowNonFinite, prec)
	if err != nil {
		return nil, nil, obj, err
	}
	if recorded, ok, err := graph.RecordedObjective(f.Meta); err != nil {
		return nil, nil, obj, errors.Wrap(err, ckpt)
	} else if ok {
		obj = recorded
	}
	imgs, err := data.ReadNpy(images)
	if err != nil {
		return nil, nil, obj, err
	}
	if imgs.N == 0 {
		return nil, nil, obj, errors.Errorf("%s holds no images", images)
	}
	sized, err := m.WithImage(imgs.C, imgs.H, imgs.W)
	if err != nil {
		return nil, nil, obj, errors.Wrapf(err, "%s (%d×%d×%d images) with %s", images, imgs.C, imgs.H, imgs.W, ckpt)
	}
	fmt.Fprintln(log, describeGrid(imgs, m.Config, sized.Config))
	return sized, imgs, obj, nil
}

// describeGrid says how the images are cut into patches, and when that
// differs from the model's own image size.
func describeGrid(imgs *data.Dataset, model, sized graph.Config) string {
	g, p := sized.Grid(), sized.Patch
	line := fmt.Sprintf("%d images of %d×%d×%d: a %d×%d grid of %d×%d patches (%d tokens)",
		imgs.N, imgs.C, imgs.H, imgs.W, g.Rows(), g.Cols(), p, p, g.Len())
	if model.ImageHeight != sized.ImageHeight || model.ImageWidth != sized.ImageWidth {
		mg := model.Grid()
		line += fmt.Sprintf("; the model's own images are %d×%d (%d×%d patches)", model.ImageHeight, model.ImageWidth, mg.Rows(), mg.Cols())
	}
	return line
}

func runLoss(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("loss")
	ckpt := fs.String("checkpoint", "", "model checkpoint with prediction head (.safetensors) (required)")
	images := fs.String("images", "", "images as a .npy array (N, C, H, W) or (N, H, W): float32 or float64 used exactly as given (normalise them as the model was trained), or uint8 scaled by 1/255 to [0, 1]; H and W any multiple of the patch size — other sizes than the model's give more or fewer patches, and the grid used is printed (required)")
	prefix := fs.Int("prefix", 0, "prefix length S in [1, K−1] used for every image (required)")
	batch := fs.Int("batch", 64, "images per forward pass (the graph is built for min(batch, images))")
	allowNonFinite := registerAllowNonFinite(fs)
	prec := registerPrecision(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := prec.check(); err != nil {
		return err
	}
	if err := required("checkpoint", *ckpt, "images", *images); err != nil {
		return err
	}
	if *batch < 1 {
		return usageError{errors.Errorf("--batch %d: expected at least 1", *batch)}
	}
	m, imgs, obj, err := loadModelAndImages(*ckpt, *images, *allowNonFinite, prec.p, stderr)
	if err != nil {
		return err
	}
	k := m.Config.Grid().Len()
	if *prefix < 1 || *prefix > k-1 {
		return usageError{errors.Errorf("--prefix %d: expected a prefix length in [1, %d] for %d patches", *prefix, k-1, k)}
	}
	lg, err := m.NewLossGraph(min(*batch, imgs.N), obj)
	if err != nil {
		return err
	}
	defer lg.Close()
	loss, counted, err := meanLoss(lg, imgs, min(*batch, imgs.N), *prefix)
	if err != nil {
		return errors.Wrap(err, *images)
	}
	return json.NewEncoder(stdout).Encode(map[string]any{
		"loss": loss, "images": imgs.N, "prefix": *prefix,
		"counted_patches": counted, "patches_per_image": k, "target": obj.Target, "patch_order": obj.Order,
	})
}

// meanLoss returns the loss of every image at one prefix length, averaged
// over the counted target patches, and their number. A loss that is not
// finite is an error naming the first batch that gave it.
func meanLoss(lg *graph.LossGraph, imgs *data.Dataset, batch, prefix int) (float64, int, error) {
	var total float64
	var counted int
	for lo := 0; lo < imgs.N; lo += batch {
		hi := min(lo+batch, imgs.N)
		prefixes := make([]int, hi-lo)
		for i := range prefixes {
			prefixes[i] = prefix
		}
		size := imgs.C * imgs.H * imgs.W
		loss, c, err := lg.Loss(imgs.Images[lo*size:hi*size], prefixes)
		if err != nil {
			return 0, 0, err
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return 0, 0, errors.Errorf("the loss of images %d…%d is %v: %s", lo, hi-1, loss, nonFiniteCause(imgs.Images[lo*size:hi*size]))
		}
		total, counted = total+loss*float64(c), counted+c
	}
	return total / float64(max(counted, 1)), counted, nil
}

// nonFiniteCause says whether images hold NaN or infinite values, or else
// blames the weights.
func nonFiniteCause(images []float32) string {
	for _, v := range images {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return "the images hold NaN or infinite values"
		}
	}
	return "the images are finite, so the model's weights hold NaN or infinite values, or overflow"
}
