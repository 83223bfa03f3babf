package model

import (
	"context"
	"math"
	"sort"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/probe"
)

// Classifier is a frozen trunk with a probe head: images in, logits out, in
// batches whose memory follows the number of images. Model.Logits and
// Model.Classify use one; aim classify streams photos through one.
type Classifier struct {
	ex   *graph.Extractor
	eval *probe.Evaluator
	head *probe.Head
}

// NewClassifier joins a trunk (sized for the images) and a head reading the
// features of the given blocks; batch is the most images per trunk pass.
func NewClassifier(m *graph.Model, head *probe.Head, layers []int, batch int) (*Classifier, error) {
	if head.Dim != m.Config.Width {
		return nil, errors.Errorf("the head reads features of width %d, the trunk's are %d wide", head.Dim, m.Config.Width)
	}
	ex, err := m.NewExtractor(batch, layers)
	if err != nil {
		return nil, err
	}
	return &Classifier{ex: ex, eval: head.NewEvaluator(m.Config.Grid().Len(), ex.Batch()), head: head}, nil
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
		logits, err := c.eval.Logits(feats)
		if err != nil {
			return err
		}
		return each(first, logits)
	})
}

// Close releases the graphs.
func (c *Classifier) Close() error {
	c.eval.Close()
	return c.ex.Close()
}

// Prediction is one class of an image: its index, name (when known),
// softmax probability and logit.
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
