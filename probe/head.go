package probe

import (
	"math"
	"math/rand/v2"
	"strings"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/layers"
	"github.com/aim-go/aim/ops/probeops"
)

// Kind is the kind of probe head.
type Kind string

// The probe heads.
const (
	// Attentive is ml-aim's AttentionPoolingClassifier: BatchNorm over the
	// features, one learned query attending to the tokens through k and v
	// projections with the trunk's head count, then a linear classifier.
	Attentive Kind = "attentive"
	// Linear is BatchNorm then a linear classifier on the token mean.
	Linear Kind = "linear"
)

// ParseKind reads a probe kind.
func ParseKind(s string) (Kind, error) {
	switch k := Kind(strings.ToLower(strings.TrimSpace(s))); k {
	case Attentive, Linear:
		return k, nil
	}
	return "", errors.Errorf("unknown probe %q: expected %s or %s", s, Attentive, Linear)
}

// BatchNormEps is the epsilon of the probes' BatchNorm (ml-aim's).
const BatchNormEps = 1e-6

// Head is a probe head: its parameters, stored under ml-aim's names
// (head.cls_token, head.k.weight, head.v.weight, head.linear.weight and,
// with LinearBias, head.linear.bias), and the running statistics of its
// BatchNorm.
type Head struct {
	HeadSpec
	Params *layers.Params
	BN     *probeops.BatchNormState
}

// HeadSpec is the shape of a probe head.
type HeadSpec struct {
	Kind    Kind
	Dim     int // feature width D
	Heads   int // attention heads of the attentive probe (the trunk's)
	Classes int
	// LinearBias adds a bias to the final linear layer. ml-aim's
	// classifiers have none (linear_bias=False), and neither has the
	// default attentive probe, so that its file loads into ml-aim's
	// AttentionPoolingClassifier as it is.
	LinearBias bool
}

// NewHead creates a probe head with fresh parameters drawn from seed: the
// query N(0, 0.02²) like ml-aim, the linear maps like PyTorch's nn.Linear
// (uniform in ±1/√D, bias too), running mean 0 and variance 1.
func NewHead(spec HeadSpec, seed uint64) (*Head, error) {
	if _, err := ParseKind(string(spec.Kind)); err != nil {
		return nil, err
	}
	switch {
	case spec.Dim < 1 || spec.Classes < 2:
		return nil, errors.Errorf("probe head: width %d and %d classes: expected a positive width and at least 2 classes", spec.Dim, spec.Classes)
	case spec.Kind == Attentive && (spec.Heads < 1 || spec.Dim%spec.Heads != 0):
		return nil, errors.Errorf("probe head: %d heads do not divide the width %d", spec.Heads, spec.Dim)
	}
	h := &Head{HeadSpec: spec, Params: layers.NewParams(tensor.Float32), BN: probeops.NewBatchNormState(spec.Dim, BatchNormEps)}
	b := layers.NewBuilder(h.Params, rand.New(rand.NewPCG(seed, 0x9e3779b9)))
	h.forward(b, b.Input("x", b.NewTensor(2*h.tokensFor(1), spec.Dim)), 1, true)
	return h, errors.Wrap(b.Err(), "creating the probe head")
}

// tokensFor returns the rows of the head's input per image: the tokens for
// the attentive probe, 1 (the pooled features) for the linear probe.
func (h *Head) tokensFor(tokens int) int {
	if h.Kind == Linear {
		return 1
	}
	return tokens
}

// uniform returns an Init drawing from U(−a, a).
func uniform(a float64) layers.Init {
	return func(data []float64, _ []int, rng *rand.Rand) {
		for i := range data {
			data[i] = (2*rng.Float64() - 1) * a
		}
	}
}

// forward maps features x to logits (B, classes). x is (B·tokens, D) for
// the attentive probe and (B, D) for the linear one; training selects the
// BatchNorm's mode.
func (h *Head) forward(b *layers.Builder, x *G.Node, tokens int, training bool) *G.Node {
	d, lin := h.Dim, uniform(1/math.Sqrt(float64(h.Dim)))
	x = apply(b, "BatchNorm", func() (*G.Node, error) { return probeops.BatchNorm(x, h.BN, training) })
	pooled := x
	if h.Kind == Attentive {
		q := b.Param("head.cls_token", layers.Normal(0.02), []int{1, 1, d}, 1, d)
		k := b.Linear(x, b.Param("head.k.weight", lin, []int{d, d}), nil, false)
		v := b.Linear(x, b.Param("head.v.weight", lin, []int{d, d}), nil, false)
		pooled = apply(b, "attention pooling", func() (*G.Node, error) { return probeops.AttentionPool(q, k, v, h.Heads, tokens) })
	}
	w := b.Param("head.linear.weight", lin, []int{h.Classes, d})
	var bias *G.Node
	if h.LinearBias {
		bias = b.Param("head.linear.bias", lin, []int{h.Classes})
	}
	return b.Linear(pooled, w, bias, h.Kind == Attentive)
}

// apply runs a graph step unless the builder already failed, and records
// its error.
func apply(b *layers.Builder, what string, f func() (*G.Node, error)) *G.Node {
	if b.Err() != nil {
		return nil
	}
	n, err := f()
	b.Fail(err, what)
	return n
}

// headGraph is a compiled head for batches of a fixed size: a training
// graph (loss and gradients, BatchNorm on batch statistics) or an
// evaluation graph (logits, BatchNorm on running statistics).
type headGraph struct {
	*graph.Program
	input  *tensor.Dense // features, refilled before each run
	labels *tensor.Dense // class indices as floats; training only
	logits *G.Node
	loss   *G.Node
	out    []float32 // logits (batch, classes) of the last run
}

// newGraph compiles the head for batches of batch images of tokens tokens.
func (h *Head) newGraph(batch, tokens int, training bool) (*headGraph, error) {
	b := layers.NewBuilder(h.Params, rand.New(rand.NewPCG(0, 0)))
	g := &headGraph{input: b.NewTensor(batch*h.tokensFor(tokens), h.Dim)}
	g.logits = h.forward(b, b.Input("features", g.input), tokens, training)
	if training {
		g.labels = b.NewTensor(batch)
		labels := b.Input("labels", g.labels)
		g.loss = apply(b, "the loss", func() (*G.Node, error) { return probeops.SoftmaxCrossEntropy(g.logits, labels) })
	}
	prog, err := graph.Compile(b, g.loss, training, g.logits)
	if err != nil {
		return nil, errors.Wrap(err, "compiling the probe head")
	}
	g.Program = prog
	return g, nil
}

// run executes the graph once, keeps a copy of the logits and returns the
// loss (0 without one).
func (g *headGraph) run() (float64, error) {
	if err := g.Run(); err != nil {
		return 0, errors.Wrap(err, "running the probe")
	}
	g.out = append(g.out[:0], g.logits.Value().Data().([]float32)...)
	if g.loss == nil {
		return 0, nil
	}
	return graph.Scalar(g.loss)
}

func (g *headGraph) close() { g.Close() }
