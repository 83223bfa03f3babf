package main

import (
	"context"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/mpi"
)

// addShared is add on several ranks, as aim features splits its work: the
// chunk goes in rounds of ranks × batch images, each rank computes the
// logits of its contiguous share of a round, and rank 0 gathers them in
// order, writes them and prints the top classes.
func (p *predictor) addShared(ctx context.Context, d *data.Dataset, names []string) error {
	rank, size, classes := p.comm.Rank(), p.comm.Size(), p.run.Classes()
	for lo := 0; lo < d.N; lo += size * p.flags.batch {
		m := min(size*p.flags.batch, d.N-lo)
		a, b := mpi.Share(m, rank, size)
		p.share = p.share[:0]
		err := p.run.Logits(ctx, b-a, func(i int, dst []float32) { copy(dst, d.Image(lo+a+i)) }, func(_ int, logits []float32) error {
			p.share = append(p.share, logits...)
			return nil
		})
		if err != nil {
			return errors.Wrapf(err, "the images from %s on", names[lo+a])
		}
		if rank == 0 {
			p.gathered = growRow(p.gathered, m*classes)
		}
		if err := mpi.Gather(p.comm, p.share, p.gathered, mpi.ShareCounts(m, classes, size), 0); err != nil {
			return errors.Wrap(err, "gathering the logits")
		}
		if rank == 0 {
			if err := p.emit(names[lo:lo+m], p.gathered); err != nil {
				return err
			}
		}
	}
	return nil
}
