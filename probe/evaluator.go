package probe

import (
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

// Evaluator runs a head on batches of trunk features: features in, logits
// out, with one compiled graph per batch size (the full batch and the
// last, shorter one).
type Evaluator struct {
	head   *Head
	tokens int
	full   int
	graphs map[int]*headGraph
}

// NewEvaluator readies h for features of tokens tokens per image, in
// batches of at most batch images.
func (h *Head) NewEvaluator(tokens, batch int) *Evaluator {
	return &Evaluator{head: h, tokens: tokens, full: batch, graphs: map[int]*headGraph{}}
}

// Logits computes the logits (m, classes) of m images from their features
// (m, tokens, width) as the trunk's extractor writes them (mean-pooled here
// for a linear head). The slice is reused by the next call.
func (e *Evaluator) Logits(feats []float32) ([]float32, error) {
	m := len(feats) / (e.tokens * e.head.Dim)
	g, err := e.graph(m)
	if err != nil {
		return nil, err
	}
	pooled := g.input.Float32s()
	if e.head.Kind == Linear {
		graph.MeanTokens(feats, e.tokens, e.head.Dim, pooled)
	} else {
		copy(pooled, feats)
	}
	if _, err := g.run(); err != nil {
		return nil, err
	}
	return g.out[:m*e.head.Classes], nil
}

// graph returns the head's evaluation graph for batches of m images.
func (e *Evaluator) graph(m int) (*headGraph, error) {
	if g, ok := e.graphs[m]; ok {
		return g, nil
	}
	if len(e.graphs) >= 2 { // the full batch and one last batch: drop the older last
		for size, g := range e.graphs {
			if size != e.full {
				g.close()
				delete(e.graphs, size)
			}
		}
	}
	g, err := e.head.newGraph(m, e.tokens, false)
	if err != nil {
		return nil, err
	}
	e.graphs[m] = g
	return g, nil
}

// Close releases the graphs.
func (e *Evaluator) Close() {
	for _, g := range e.graphs {
		g.close()
	}
	e.graphs = nil
}
