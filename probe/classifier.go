package probe

import (
	"context"
	"math"
	"sort"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/graph"
)

// ReleasedProbeLayers is the number of last blocks whose features Apple's
// "last layers" classifier heads read (ml-aim's probe_layers=6), the
// default when a head records no blocks.
const ReleasedProbeLayers = 6

// DefaultHeadLayers returns the blocks a head reads when neither it nor the
// caller says: the last ReleasedProbeLayers blocks (all of a shallower
// trunk).
func DefaultHeadLayers(depth int) []int {
	n := min(ReleasedProbeLayers, depth)
	out := make([]int, n)
	for i := range out {
		out[i] = depth - n + i
	}
	return out
}

// Classifier is a frozen trunk with a probe head: images in, logits out, in
// batches whose memory follows the number of images.
type Classifier struct {
	ex     *graph.Extractor
	head   *Head
	tokens int
	graphs map[int]*headGraph // evaluation graphs by batch size
}

// NewClassifier joins a trunk (sized for the images) and a head reading the
// features of the given blocks; batch is the most images per trunk pass.
func NewClassifier(m *graph.Model, head *Head, layers []int, batch int) (*Classifier, error) {
	if head.Dim != m.Config.Width {
		return nil, errors.Errorf("the head reads features of width %d, the trunk's are %d wide", head.Dim, m.Config.Width)
	}
	ex, err := m.NewExtractor(batch, layers)
	if err != nil {
		return nil, err
	}
	return &Classifier{ex: ex, head: head, tokens: m.Config.Grid().Len(), graphs: map[int]*headGraph{}}, nil
}

// Layers returns the blocks whose features the head reads.
func (c *Classifier) Layers() []int { return c.ex.Layers() }

// Classes returns the number of classes.
func (c *Classifier) Classes() int { return c.head.Classes }

// Logits computes the logits (n, classes) of n images, image(i, dst)
// writing image i; each receives them batch by batch, in order, with the
// index of the batch's first image, in a slice reused by the next batch.
func (c *Classifier) Logits(ctx context.Context, n int, image func(i int, dst []float32), each func(first int, logits []float32) error) error {
	return c.ex.Extract(ctx, n, image, func(first int, feats []float32) error {
		m := len(feats) / (c.tokens * c.head.Dim)
		g, err := c.graph(m)
		if err != nil {
			return err
		}
		pooled := g.input.Float32s()
		if c.head.Kind == Linear {
			graph.MeanTokens(feats, c.tokens, c.head.Dim, pooled)
		} else {
			copy(pooled, feats)
		}
		if _, err := g.run(); err != nil {
			return err
		}
		return each(first, g.out[:m*c.head.Classes])
	})
}

// graph returns the head's evaluation graph for batches of m images.
func (c *Classifier) graph(m int) (*headGraph, error) {
	if g, ok := c.graphs[m]; ok {
		return g, nil
	}
	if len(c.graphs) >= 2 { // the full batch and one last batch: drop the older last
		for size, g := range c.graphs {
			if size != c.ex.Batch() {
				g.close()
				delete(c.graphs, size)
			}
		}
	}
	g, err := c.head.newGraph(m, c.tokens, false)
	if err != nil {
		return nil, err
	}
	c.graphs[m] = g
	return g, nil
}

// Close releases the graphs.
func (c *Classifier) Close() error {
	for _, g := range c.graphs {
		g.close()
	}
	c.graphs = nil
	return c.ex.Close()
}

// Prediction is one class of an image with its probability and logit.
type Prediction struct {
	Class       int     `json:"class"`
	Label       string  `json:"label,omitempty"`
	Probability float64 `json:"probability"`
	Logit       float64 `json:"logit"`
}

// TopK returns the k classes of highest logit with their softmax
// probabilities, most probable first (ties: lower class first). labels,
// when not nil, names the classes.
func TopK(logits []float32, k int, labels []string) []Prediction {
	maxLogit := math.Inf(-1)
	for _, v := range logits {
		maxLogit = math.Max(maxLogit, float64(v))
	}
	var sum float64
	for _, v := range logits {
		sum += math.Exp(float64(v) - maxLogit)
	}
	order := make([]int, len(logits))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return logits[order[a]] > logits[order[b]] })
	out := make([]Prediction, 0, min(k, len(order)))
	for _, c := range order[:min(k, len(order))] {
		p := Prediction{Class: c, Logit: float64(logits[c]), Probability: math.Exp(float64(logits[c])-maxLogit) / sum}
		if c < len(labels) {
			p.Label = labels[c]
		}
		out = append(out, p)
	}
	return out
}
