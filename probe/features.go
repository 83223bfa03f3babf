package probe

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/mpi"
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
// showing progress. With a communicator of several ranks the work is
// split: see cacheShared.
func cache(ctx context.Context, comm mpi.Comm, l live, p Progress) (cached, error) {
	if comm.Size() > 1 {
		return cacheShared(ctx, comm, l, p)
	}
	n, row := l.set.N, l.rowLen()
	c := cached{values: make([]float32, n*row), row: row}
	p.Start("features "+l.set.Name, n)
	defer p.Finish()
	if err := fillRange(ctx, l, 0, n, c.values, func(done int) { p.Step(done, "") }); err != nil {
		return cached{}, err
	}
	return c, nil
}

// cacheShared is cache on several ranks: each computes the features of its
// contiguous share of the images (mpi.Share) and rank 0 gathers them in
// order; the other ranks return no values. The ranks first check that
// they are caching the same dataset.
func cacheShared(ctx context.Context, comm mpi.Comm, l live, p Progress) (cached, error) {
	n, row := l.set.N, l.rowLen()
	if err := sameDataset(comm, l.set, row); err != nil {
		return cached{}, err
	}
	lo, hi := mpi.Share(n, comm.Rank(), comm.Size())
	c := cached{row: row}
	own := make([]float32, (hi-lo)*row)
	if comm.Rank() == 0 {
		c.values = make([]float32, n*row)
		own = c.values[:hi*row] // rank 0's share comes first: computed in place
	}
	p.Start(fmt.Sprintf("features %s (%d of %d images on this rank, %d ranks)", l.set.Name, hi-lo, n, comm.Size()), hi-lo)
	err := fillRange(ctx, l, lo, hi, own, func(done int) { p.Step(done, "") })
	p.Finish()
	if err != nil {
		return cached{}, err
	}
	if err := mpi.Gather(comm, own, c.values, mpi.ShareCounts(n, row, comm.Size()), 0); err != nil {
		return cached{}, errors.Wrapf(err, "%s: gathering the features", l.set.Name)
	}
	return c, nil
}

// fillRange writes the features of images lo…hi−1 to dst, batch after
// batch, reporting the images done.
func fillRange(ctx context.Context, l live, lo, hi int, dst []float32, step func(done int)) error {
	row, batch := l.rowLen(), l.ex.Batch()
	idx := make([]int, 0, batch)
	for at := lo; at < hi; at += batch {
		idx = idx[:0]
		for i := at; i < min(at+batch, hi); i++ {
			idx = append(idx, i)
		}
		if err := l.fill(ctx, idx, dst[(at-lo)*row:], nil); err != nil {
			return err
		}
		step(at - lo + len(idx))
	}
	return nil
}

// sameDataset is a collective that compares a dataset's name, image count
// and feature size with rank 0's, then its images and labels: ranks that
// skipped different datasets, or read different copies, must not exchange
// features. Every rank gets nil, or every rank a *mpi.Failure.
func sameDataset(comm mpi.Comm, set *data.Dataset, row int) error {
	name, n := set.Name, set.N
	h := fnv.New64a()
	h.Write([]byte(name))
	sum := h.Sum64()
	own := []float64{float64(sum >> 32), float64(sum & math.MaxUint32), float64(n), float64(row)}
	root := append([]float64(nil), own...)
	if err := comm.BroadcastFloat64(root, 0); err != nil {
		return errors.Wrap(err, "comparing the datasets of the ranks")
	}
	var err error
	if !slices.Equal(own, root) {
		err = errors.Errorf("rank %d is computing the features of %d images of %s (%d values each), rank 0 of other images: every rank must read the same datasets", comm.Rank(), n, name, row)
	}
	if err := mpi.Agree(comm, err); err != nil {
		return err
	}
	in := mpi.Input{Name: fmt.Sprintf("dataset %s (its %d images and labels as this rank read them)", name, n), Digest: mpi.DigestValues(set.Images, set.Labels)}
	return mpi.SameInputs(comm, []mpi.Input{in})
}
