package layers

import (
	"math"
	"math/rand/v2"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/ops"
)

// Init fills a new parameter tensor of the given shape, in row-major order.
// Large tensors are filled a chunk at a time: data is then a run of
// consecutive values, and an Init must draw each value in turn from rng so
// that the chunks join into the values of one call.
type Init func(data []float64, shape []int, rng *rand.Rand)

// XavierUniform draws from U(−a, a), a = √(6/(fan_in + fan_out)), where
// fan_out is the first dimension and fan_in the product of the others (the
// PyTorch convention for Linear (out, in) and Conv2d (out, in, kh, kw)).
func XavierUniform(data []float64, shape []int, rng *rand.Rand) {
	fanOut := shape[0]
	fanIn := tensor.Shape(shape).TotalSize() / fanOut
	a := math.Sqrt(6 / float64(fanIn+fanOut))
	for i := range data {
		data[i] = (2*rng.Float64() - 1) * a
	}
}

// Constant returns an Init that sets every element to v.
func Constant(v float64) Init {
	return func(data []float64, _ []int, _ *rand.Rand) {
		for i := range data {
			data[i] = v
		}
	}
}

// Normal returns an Init drawing from N(0, std²).
func Normal(std float64) Init {
	return func(data []float64, _ []int, rng *rand.Rand) {
		for i := range data {
			data[i] = std * rng.NormFloat64()
		}
	}
}

// Builder builds one Gorgonia graph from a Params store. Parameters missing
// from the store are created and initialised; existing ones are bound to the
// graph as they are, so several graphs share one set of weights.
//
// A Builder records the first error of any construction step and turns every
// later step into a no-op returning nil, so model code reads as a plain
// sequence of layer calls followed by one check of Err.
type Builder struct {
	G      *G.ExprGraph
	params *Params
	rng    *rand.Rand
	used   []string
	nodes  map[string]*G.Node
	rows   *ops.Rows
	load   Loader
	half   HalfLoader
	err    error
}

// OnRows limits the operations built from now on to a set of gathered rows
// (see ops.Rows); nil lifts the limit.
func (b *Builder) OnRows(r *ops.Rows) { b.rows = r }

// limit is the option that applies the current row limit and the store's
// precision.
func (b *Builder) limit() ops.Option {
	return ops.Combine(ops.OnRows(b.rows), ops.InPrecision(b.params.Precision()))
}

// GatherRows applies ops.GatherRows with the current row set.
func (b *Builder) GatherRows(x *G.Node) *G.Node {
	if b.err != nil {
		return nil
	}
	return b.keep(ops.GatherRows(x, b.rows))
}

// NewBuilder starts a graph over params; rng initialises new parameters.
func NewBuilder(params *Params, rng *rand.Rand) *Builder {
	return &Builder{G: G.NewGraph(), params: params, rng: rng, nodes: map[string]*G.Node{}}
}

// Loader returns the tensor of a parameter missing from the store, of the
// given shape, from elsewhere (a checkpoint), or an error naming it.
type Loader func(name string, shape []int) (*tensor.Dense, error)

// NewLoadingBuilder starts a graph over params whose missing parameters are
// read by load instead of being initialised: building a model with it
// fills params from a checkpoint, in the order the layers use them.
func NewLoadingBuilder(params *Params, load Loader) *Builder {
	b := NewBuilder(params, nil)
	b.load = load
	return b
}

// HalfLoader returns, for a linear layer's weight missing from the store,
// its values as 16-bit values of format h to be used in place and the
// float32 tensor that stands for them (see Params.SetHalf), or ok false to
// have it loaded as float32 by the Loader.
type HalfLoader func(name string, shape []int) (h blas.Half, bits []uint16, standIn *tensor.Dense, ok bool, err error)

// LoadHalf makes the builder offer linear layers' weights to load first
// (inference only: such weights have no gradient).
func (b *Builder) LoadHalf(load HalfLoader) { b.half = load }

// Err returns the first error of the construction, if any.
func (b *Builder) Err() error { return b.err }

// Params returns the store the graph's parameters come from.
func (b *Builder) Params() *Params { return b.params }

// Dtype returns the element type of the graph.
func (b *Builder) Dtype() tensor.Dtype { return b.params.dtype }

// Fail records err (wrapped with context) unless an error is already recorded.
func (b *Builder) Fail(err error, context string) {
	if err != nil && b.err == nil {
		b.err = errors.Wrap(err, context)
	}
}

// keep records err and returns n.
func (b *Builder) keep(n *G.Node, err error) *G.Node {
	b.Fail(err, "building the graph")
	return n
}

// Param returns the node of the named parameter, creating the tensor with
// init when the store lacks it. viewShape, when given, is the shape the graph
// sees (a view of the same memory): the patch projection is stored as
// (D, C, p, p) like PyTorch's Conv2d and multiplied as (D, C·p·p).
func (b *Builder) Param(name string, init Init, shape []int, viewShape ...int) *G.Node {
	if b.err != nil {
		return nil
	}
	if n, ok := b.nodes[name]; ok {
		return n
	}
	t := b.params.Get(name)
	if t == nil {
		t = b.create(name, init, shape)
		if b.err == nil {
			b.Fail(b.params.Set(name, t), "creating "+name)
		}
	} else if !t.Shape().Eq(tensor.Shape(shape)) {
		b.Fail(errors.Errorf("has shape %v, the model expects %v", t.Shape(), shape), "parameter "+name)
	}
	if b.err != nil {
		return nil
	}
	if len(viewShape) > 0 {
		t = tensor.New(tensor.WithShape(viewShape...), tensor.WithBacking(t.Data()))
	}
	n := G.NodeFromAny(b.G, t, G.WithName(name))
	b.nodes[name] = n
	b.used = append(b.used, name)
	return n
}

// LinearWeight is Param for the weight of a linear layer, which the
// builder's HalfLoader, if any, may provide as 16-bit values.
func (b *Builder) LinearWeight(name string, init Init, shape []int) *G.Node {
	if b.params.linear == nil {
		b.params.linear = map[string]bool{}
	}
	b.params.linear[name] = true
	if b.err == nil && b.half != nil && b.params.Get(name) == nil {
		h, bits, standIn, ok, err := b.half(name, shape)
		b.Fail(err, "parameter "+name)
		if ok && b.err == nil {
			b.Fail(b.params.SetHalf(name, standIn, h, bits), "parameter "+name)
		}
	}
	return b.Param(name, init, shape)
}

// create makes a parameter missing from the store: read by the builder's
// loader, or initialised with init.
func (b *Builder) create(name string, init Init, shape []int) *tensor.Dense {
	if b.load == nil {
		return b.newTensor(init, shape)
	}
	t, err := b.load(name, shape)
	b.Fail(err, "parameter "+name)
	return t
}

// initChunk is how many values an Init fills at a time for a float32
// tensor, so that a large one needs no float64 copy of itself.
const initChunk = 1 << 16

func (b *Builder) newTensor(init Init, shape []int) *tensor.Dense {
	size := tensor.Shape(shape).TotalSize()
	if b.params.dtype == tensor.Float64 {
		vals := make([]float64, size)
		init(vals, shape, b.rng)
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(vals))
	}
	f := make([]float32, size)
	chunk := make([]float64, min(size, initChunk))
	for lo := 0; lo < size; lo += initChunk {
		part := chunk[:min(initChunk, size-lo)]
		init(part, shape, b.rng)
		for i, v := range part {
			f[lo+i] = float32(v)
		}
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(f))
}

// ParamNodes returns the names and nodes of the parameters this graph uses,
// in the order the layers asked for them.
func (b *Builder) ParamNodes() ([]string, G.Nodes) {
	nodes := make(G.Nodes, len(b.used))
	for i, name := range b.used {
		nodes[i] = b.nodes[name]
	}
	return append([]string(nil), b.used...), nodes
}

// Input adds a graph input bound to t, whose data the caller refills before
// each run.
func (b *Builder) Input(name string, t *tensor.Dense) *G.Node {
	if b.err != nil {
		return nil
	}
	return G.NodeFromAny(b.G, t, G.WithName(name))
}

// NewTensor allocates a zeroed tensor of the graph's element type.
func (b *Builder) NewTensor(shape ...int) *tensor.Dense {
	return tensor.New(tensor.Of(b.params.dtype), tensor.WithShape(shape...))
}

// Linear applies ops.Linear, or ops.LinearHalf when w is a parameter held
// as 16-bit values (Params.SetHalf).
func (b *Builder) Linear(x, w, bias *G.Node, inputGrad bool) *G.Node {
	if b.err != nil {
		return nil
	}
	opts := b.limit()
	if b.params.Precision() == blas.PrecisionBF16 {
		opts = ops.Combine(opts, ops.Packed(b.params.Packed(w.Name())))
	}
	if h, bits := b.params.Half(w.Name()); bits != nil && b.nodes[w.Name()] == w {
		return b.keep(ops.LinearHalf(x, w, bias, h, bits, opts))
	}
	return b.keep(ops.Linear(x, w, bias, inputGrad, opts))
}

// LayerNorm applies ops.LayerNorm.
func (b *Builder) LayerNorm(x, gamma, beta *G.Node, eps float64) *G.Node {
	if b.err != nil {
		return nil
	}
	return b.keep(ops.LayerNorm(x, gamma, beta, eps, b.limit()))
}

// RMSNorm applies ops.RMSNorm.
func (b *Builder) RMSNorm(x, weight *G.Node, eps float64) *G.Node {
	if b.err != nil {
		return nil
	}
	return b.keep(ops.RMSNorm(x, weight, eps, b.limit()))
}

// SwiGLU applies ops.SwiGLU.
func (b *Builder) SwiGLU(gate, up *G.Node) *G.Node {
	if b.err != nil {
		return nil
	}
	return b.keep(ops.SwiGLU(gate, up, b.limit()))
}

// GELU applies ops.GELU.
func (b *Builder) GELU(x *G.Node) *G.Node {
	if b.err != nil {
		return nil
	}
	return b.keep(ops.GELU(x, b.limit()))
}

// Attention applies ops.Attention.
func (b *Builder) Attention(qkv, prefix *G.Node, heads, seqLen int) *G.Node {
	if b.err != nil {
		return nil
	}
	return b.keep(ops.Attention(qkv, prefix, heads, seqLen, b.limit()))
}

// Add applies ops.Add.
func (b *Builder) Add(x, y *G.Node) *G.Node {
	if b.err != nil {
		return nil
	}
	return b.keep(ops.Add(x, y, b.limit()))
}

// AddRows applies ops.AddRows.
func (b *Builder) AddRows(x, c *G.Node) *G.Node {
	if b.err != nil {
		return nil
	}
	return b.keep(ops.AddRows(x, c, b.limit()))
}

// Mean applies ops.Mean.
func (b *Builder) Mean(xs ...*G.Node) *G.Node {
	if b.err != nil {
		return nil
	}
	return b.keep(ops.Mean(xs...))
}
