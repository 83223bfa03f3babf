package graph

import (
	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/objectives"
	"github.com/aim-go/aim/ops"
	"github.com/aim-go/aim/patches"
)

// Objective is how the model is asked to predict: the order of the patch
// sequence and the kind of pixel target. The paper's choice is the zero
// value's defaults: raster order, normalised targets.
type Objective struct {
	Order     patches.Order     `json:"patch_order"`
	OrderSeed uint64            `json:"order_seed"`
	Target    objectives.Target `json:"target"`
}

func (o Objective) withDefaults() Objective {
	if o.Order == "" {
		o.Order = patches.Raster
	}
	if o.Target == "" {
		o.Target = objectives.Normalized
	}
	return o
}

// inputs holds the host tensors bound to a graph's input nodes, refilled
// from images before each run.
type inputs struct {
	grid      patches.Grid
	order     []int
	target    objectives.Target
	batch     int
	patches   *tensor.Dense // (B·K, C·p·p), channel-first patches
	targets   *tensor.Dense // (B·K, p·p·C), next-patch targets of the counted rows, gathered
	weights   *tensor.Dense // (B·K), loss weights of the gathered rows
	prefix    *tensor.Dense // (B), prefix lengths
	rows      *ops.Rows     // the counted rows: those the prediction head runs on
	index     []int         // the counted rows, as image·K + position
	positions []int         // one image's counted positions
	scratch   []float64     // one image's channel-last patches
	imageLen  int
}

func newInputs(grid patches.Grid, obj Objective, batch int, dtype tensor.Dtype) (*inputs, error) {
	obj = obj.withDefaults()
	order, err := grid.Sequence(obj.Order, obj.OrderSeed)
	if err != nil {
		return nil, err
	}
	k := grid.Len()
	alloc := func(shape ...int) *tensor.Dense { return tensor.New(tensor.Of(dtype), tensor.WithShape(shape...)) }
	return &inputs{
		grid: grid, order: order, target: obj.Target, batch: batch,
		patches: alloc(batch*k, grid.Dim()), targets: alloc(batch*k, grid.Dim()),
		weights: alloc(batch * k), prefix: alloc(batch), rows: ops.NewRows(),
		scratch: make([]float64, k*grid.Dim()), imageLen: grid.ImageSize(),
	}, nil
}

// fill loads up to batch images (n·C·H·W values, (N, C, H, W) order) with
// their prefix lengths. Unused batch slots get zero images that do not count
// in the loss.
func (in *inputs) fill(images []float32, prefixes []int) error {
	n, k := len(prefixes), in.grid.Len()
	if n > in.batch {
		return errors.Errorf("%d images for a batch of %d", n, in.batch)
	}
	if len(images) != n*in.imageLen {
		return errors.Errorf("%d pixel values for %d images of %d×%d×%d", len(images), n, in.grid.Channels, in.grid.Height, in.grid.Width)
	}
	for i, s := range prefixes {
		if s < 1 || s > k {
			return errors.Errorf("prefix length %d of image %d is outside [1, %d]", s, i, k)
		}
	}
	if in.patches.Dtype() == tensor.Float32 {
		fillInputs[float32](in, images, prefixes)
	} else {
		fillInputs[float64](in, images, prefixes)
	}
	return nil
}

// fillInputs writes the patches and prefix lengths of every image, and the
// targets of the counted positions only (objectives.GatherTargets), image
// after image, with their row indices for the prediction head.
func fillInputs[T patches.Float](in *inputs, images []float32, prefixes []int) {
	k, dim := in.grid.Len(), in.grid.Dim()
	ps, ts := in.patches.Data().([]T), in.targets.Data().([]T)
	ws, pre := in.weights.Data().([]T), in.prefix.Data().([]T)
	clear(ps)
	clear(ws)
	for i := range pre {
		pre[i] = T(k)
	}
	in.index = in.index[:0]
	for i, s := range prefixes {
		img := images[i*in.imageLen : (i+1)*in.imageLen]
		patches.Extract(in.grid, img, in.order, patches.ChannelFirst, ps[i*k*dim:(i+1)*k*dim])
		patches.Extract(in.grid, img, in.order, patches.ChannelLast, in.scratch)
		first := len(in.index)
		in.positions = objectives.GatherTargets(in.scratch, k, dim, s, in.target, ts[first*dim:], in.positions[:0])
		for _, pos := range in.positions {
			ws[len(in.index)] = 1
			in.index = append(in.index, i*k+pos)
		}
		pre[i] = T(s)
	}
	in.rows.Set(in.index)
}
