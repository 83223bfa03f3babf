package probe

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
)

// features provides the probe's input for chosen images: the (tokens, D)
// trunk features of each, or their (1, D) mean over the tokens.
type features interface {
	// fill writes the features of images idx, one after the other, to the
	// start of dst; rng draws the augmentation of a training batch (nil:
	// none).
	fill(ctx context.Context, idx []int, dst []float32, rng *rand.Rand) error
	// rowLen returns the number of values per image.
	rowLen() int
}

// extractor computes trunk features of images and keeps the time spent
// computing them.
type extractor struct {
	ex      *graph.Extractor
	tokens  int // K
	dim     int // D
	pooled  bool
	augment *data.Augment // applied when fill gets a generator
	elapsed time.Duration
}

func newExtractor(m *graph.Model, batch int, layers []int, pooled bool, augment *data.Augment) (*extractor, error) {
	ex, err := m.NewExtractor(batch, layers)
	if err != nil {
		return nil, err
	}
	return &extractor{
		ex: ex, tokens: m.Config.Grid().Len(), dim: m.Config.Width,
		pooled: pooled, augment: augment,
	}, nil
}

func (e *extractor) close() { e.ex.Close() }

func (e *extractor) rowLen() int {
	if e.pooled {
		return e.dim
	}
	return e.tokens * e.dim
}

// live is the features of a dataset's images computed on demand: the slow
// path, needed when every batch is augmented anew.
type live struct {
	*extractor
	set *data.Dataset
}

func (l live) fill(ctx context.Context, idx []int, dst []float32, rng *rand.Rand) error {
	s, row := l.set, l.rowLen()
	image := func(j int, img []float32) {
		if rng != nil && l.augment != nil {
			l.augment.Apply(s.Image(idx[j]), s.C, s.H, s.W, rng, img)
		} else {
			copy(img, s.Image(idx[j]))
		}
	}
	began := time.Now()
	defer func() { l.elapsed += time.Since(began) }()
	err := l.ex.Extract(ctx, len(idx), image, func(first int, feats []float32) error {
		n := len(feats) / (l.tokens * l.dim)
		out := dst[first*row : (first+n)*row]
		if l.pooled {
			graph.MeanTokens(feats, l.tokens, l.dim, out)
		} else {
			copy(out, feats)
		}
		return nil
	})
	return errors.Wrapf(err, "%s: features", s.Name)
}

// cached is features computed once and held in memory.
type cached struct {
	values []float32
	row    int
}

func (c cached) rowLen() int { return c.row }

func (c cached) fill(_ context.Context, idx []int, dst []float32, _ *rand.Rand) error {
	for j, i := range idx {
		copy(dst[j*c.row:(j+1)*c.row], c.values[i*c.row:(i+1)*c.row])
	}
	return nil
}

// cache computes the features of every image of a dataset, unaugmented,
// showing progress.
func cache(ctx context.Context, l live, p Progress) (cached, error) {
	n, row := l.set.N, l.rowLen()
	c := cached{values: make([]float32, n*row), row: row}
	p.Start("features "+l.set.Name, n)
	defer p.Finish()
	step := l.ex.Batch()
	idx := make([]int, 0, step)
	for lo := 0; lo < n; lo += step {
		idx = idx[:0]
		for i := lo; i < min(lo+step, n); i++ {
			idx = append(idx, i)
		}
		if err := l.fill(ctx, idx, c.values[lo*row:], nil); err != nil {
			return cached{}, err
		}
		p.Step(lo+len(idx), "")
	}
	return c, nil
}
