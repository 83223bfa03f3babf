package mpi

import (
	"github.com/pkg/errors"
)

// Gather collects every rank's send on root, in rank order: rank r passes
// counts[r] values in send, and root's recv receives the sum of counts,
// rank 0's first (root's own part is copied). recv is ignored on the other
// ranks. It is built on Send and Recv (not MPI_Gatherv, whose 32-bit counts
// and displacements would limit a gather to 2³¹ values), so root receives
// the parts one rank after another.
func Gather(c Comm, send, recv []float32, counts []int, root int) error {
	size, rank := c.Size(), c.Rank()
	if err := checkRoot(root, size); err != nil {
		return err
	}
	if len(counts) != size {
		return errors.Errorf("dist: gather with %d counts for %d ranks", len(counts), size)
	}
	if len(send) != counts[rank] {
		return errors.Errorf("dist: rank %d gathers %d values, its count is %d", rank, len(send), counts[rank])
	}
	if rank != root {
		if len(send) == 0 {
			return nil
		}
		return c.Send(send, root)
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	if len(recv) != total {
		return errors.Errorf("dist: gather of %d values into %d", total, len(recv))
	}
	at := 0
	for r, n := range counts {
		part := recv[at : at+n]
		at += n
		switch {
		case r == root:
			copy(part, send)
		case n > 0:
			if err := c.Recv(part, r); err != nil {
				return errors.Wrapf(err, "gathering from rank %d", r)
			}
		}
	}
	return nil
}

// ShareCounts returns, for every rank of size, the number of values of its
// Share of n items of per values each.
func ShareCounts(n, per, size int) []int {
	counts := make([]int, size)
	for r := range counts {
		lo, hi := Share(n, r, size)
		counts[r] = (hi - lo) * per
	}
	return counts
}
