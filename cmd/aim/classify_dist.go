package main

import (
	"context"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/model"
	"github.com/aim-go/aim/mpi"
)

// addShared is addGroup on several ranks, as aim features splits its work:
// the group goes in rounds of ranks × batch images, each rank computes the
// logits of its contiguous share of a round, and rank 0 gathers them in
// order and puts them out.
func (p *predictor) addShared(ctx context.Context, run *model.Classifier, c *imageChunk, g imageGroup) error {
	rank, size, classes := p.comm.Rank(), p.comm.Size(), run.Classes()
	for lo := 0; lo < g.d.N; lo += size * p.flags.batch {
		m := min(size*p.flags.batch, g.d.N-lo)
		a, b := mpi.Share(m, rank, size)
		p.share = p.share[:0]
		err := run.Logits(ctx, b-a, func(i int, dst []float32) { copy(dst, g.d.Image(lo+a+i)) }, func(_ int, logits []float32) error {
			p.share = append(p.share, logits...)
			return nil
		})
		if err != nil {
			return errors.Wrapf(err, "the images from %s on", c.names[g.index[lo+a]])
		}
		if rank == 0 {
			p.gathered = growRow(p.gathered, m*classes)
		}
		if err := mpi.Gather(p.comm, p.share, p.gathered, mpi.ShareCounts(m, classes, size), 0); err != nil {
			return errors.Wrap(err, "gathering the logits")
		}
		if rank == 0 {
			if err := p.put(c, g, lo, p.gathered); err != nil {
				return err
			}
		}
	}
	return nil
}
