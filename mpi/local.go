package mpi

import (
	"sync"

	"github.com/pkg/errors"
)

// Local returns the communicators of n ranks that are goroutines of this
// process, one per rank: each must be used by its own goroutine. Sums are
// taken in rank order, so every rank gets the same bits. A collective
// called with different kinds or lengths on different ranks fails on all
// of them. Abort makes every pending and later call fail with an error
// (it cannot end goroutines); it returns.
func Local(n int) []Comm {
	g := &localGroup{n: n, slots: make([]any, n), box: map[[2]int]chan []float32{}, abortCh: make(chan struct{})}
	g.cond = sync.NewCond(&g.mu)
	out := make([]Comm, n)
	for r := range out {
		out[r] = &localComm{g: g, rank: r}
	}
	return out
}

// localGroup is the state the ranks of Local share.
type localGroup struct {
	n       int
	mu      sync.Mutex
	cond    *sync.Cond
	gen     int    // completed collectives
	arrived int    // ranks in the current collective
	kind    string // of the current collective
	slots   []any  // each rank's buffer in the current collective
	failed  error  // the current collective's error
	aborted error
	abortCh chan struct{}             // closed by Abort
	box     map[[2]int]chan []float32 // messages from [src, dest]
}

type localComm struct {
	g    *localGroup
	rank int
}

func (c *localComm) Rank() int      { return c.rank }
func (c *localComm) Size() int      { return c.g.n }
func (c *localComm) LocalSize() int { return c.g.n }
func (c *localComm) Close() error   { return nil }

func (c *localComm) AllReduceFloat32(buf []float32) error {
	return c.collective("allreduce32", buf, func(s []any) { sumInto[float32](s) })
}

func (c *localComm) AllReduceFloat64(buf []float64) error {
	return c.collective("allreduce64", buf, func(s []any) { sumInto[float64](s) })
}

func (c *localComm) BroadcastFloat32(buf []float32, root int) error {
	if err := checkRoot(root, c.g.n); err != nil {
		return err
	}
	return c.collective("bcast32", buf, func(s []any) { copyFrom[float32](s, root) })
}

func (c *localComm) BroadcastFloat64(buf []float64, root int) error {
	if err := checkRoot(root, c.g.n); err != nil {
		return err
	}
	return c.collective("bcast64", buf, func(s []any) { copyFrom[float64](s, root) })
}

func (c *localComm) Barrier() error {
	return c.collective("barrier", []float32(nil), func([]any) {})
}

// collective waits until every rank has called it with the same kind and
// length, lets the last one apply op to everyone's buffers, and returns.
func (c *localComm) collective(kind string, buf any, op func([]any)) error {
	g := c.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.aborted != nil {
		return g.aborted
	}
	gen := g.gen
	if g.arrived == 0 {
		g.kind, g.failed = kind, nil
	} else if g.kind != kind || length(g.slots[firstArrived(g)]) != length(buf) {
		g.failed = errors.Errorf("dist: rank %d called %s of %d values while another rank called %s of %d", c.rank, kind, length(buf), g.kind, length(g.slots[firstArrived(g)]))
	}
	g.slots[c.rank] = buf
	g.arrived++
	if g.arrived == g.n {
		if g.failed == nil {
			op(g.slots)
		}
		clear(g.slots)
		g.arrived = 0
		g.gen++
		g.cond.Broadcast()
		return g.failed
	}
	for g.gen == gen && g.aborted == nil {
		g.cond.Wait()
	}
	if g.gen == gen {
		return g.aborted
	}
	return g.failed
}

func firstArrived(g *localGroup) int {
	for r, s := range g.slots {
		if s != nil {
			return r
		}
	}
	return 0
}

func length(buf any) int {
	switch b := buf.(type) {
	case []float32:
		return len(b)
	case []float64:
		return len(b)
	}
	return 0
}

func sumInto[T float32 | float64](slots []any) {
	acc := make([]T, len(slots[0].([]T)))
	for _, s := range slots {
		for i, v := range s.([]T) {
			acc[i] += v
		}
	}
	for _, s := range slots {
		copy(s.([]T), acc)
	}
}

func copyFrom[T float32 | float64](slots []any, root int) {
	for r, s := range slots {
		if r != root {
			copy(s.([]T), slots[root].([]T))
		}
	}
}

func (c *localComm) mailbox(src, dest int) chan []float32 {
	c.g.mu.Lock()
	defer c.g.mu.Unlock()
	k := [2]int{src, dest}
	if c.g.box[k] == nil {
		c.g.box[k] = make(chan []float32, 64)
	}
	return c.g.box[k]
}

func (c *localComm) Send(buf []float32, dest int) error {
	if err := c.peer(dest); err != nil {
		return err
	}
	c.mailbox(c.rank, dest) <- append([]float32(nil), buf...)
	return nil
}

func (c *localComm) Recv(buf []float32, src int) error {
	if err := c.peer(src); err != nil {
		return err
	}
	var msg []float32
	select {
	case msg = <-c.mailbox(src, c.rank):
	case <-c.g.abortCh:
		c.g.mu.Lock()
		defer c.g.mu.Unlock()
		return c.g.aborted
	}
	if len(msg) != len(buf) {
		return errors.Errorf("dist: rank %d received %d values from rank %d, expected %d", c.rank, len(msg), src, len(buf))
	}
	copy(buf, msg)
	return nil
}

func (c *localComm) peer(r int) error {
	if r < 0 || r >= c.g.n || r == c.rank {
		return errors.Errorf("dist: rank %d cannot exchange with rank %d of %d", c.rank, r, c.g.n)
	}
	return nil
}

func (c *localComm) Abort(code int) {
	c.g.mu.Lock()
	defer c.g.mu.Unlock()
	if c.g.aborted != nil {
		return
	}
	c.g.aborted = errors.Errorf("dist: rank %d aborted the job with status %d", c.rank, code)
	close(c.g.abortCh)
	c.g.cond.Broadcast()
}
