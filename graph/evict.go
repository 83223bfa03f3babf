package graph

import (
	"sync"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/internal/offheap"
)

// loadCopy is a copy of a tensor's values the loader made rather than use
// the file in place (transformers' q, k and v fused into one matrix): its
// memory, and how to make its values anew from the file.
type loadCopy struct {
	buf     []float32    // the memory (offheap.Float32s), whatever it holds
	fill    func() error // writes the values into buf again
	evicted bool
	// nonFinite counts the NaN and infinite values of each part, as the
	// copy was made (16-bit copies)
	nonFinite []checkpoint.NonFiniteTensor
}

// evictedCopies are the copies of a bf16 inference model's weights given
// back to the system once packed (see loader.packLinear): their addresses
// stay, inaccessible, until restore makes them anew from the file, before
// a graph that reads them — one not in bf16, or with gradients — is
// compiled, and before Model.Tensors.
type evictedCopies struct {
	mu     sync.Mutex
	copies []*loadCopy
}

// evict gives c's memory back; c stays as it is where that fails.
func (e *evictedCopies) evict(c *loadCopy) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !c.evicted && offheap.Evict(c.buf) {
		c.evicted = true
		e.copies = append(e.copies, c)
	}
}

// restore makes every evicted copy anew.
func (e *evictedCopies) restore() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for len(e.copies) > 0 {
		c := e.copies[0]
		if err := offheap.Restore(c.buf); err != nil {
			return err
		}
		if err := c.fill(); err != nil {
			return err
		}
		c.evicted = false
		e.copies = e.copies[1:]
	}
	return nil
}

// count returns how many copies are evicted.
func (e *evictedCopies) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.copies)
}

// restoreFor makes the evicted copies anew when a graph of the model's
// precision, with gradients or not, reads its weights: any precision but
// bf16, where the packed copies serve every product. The file is checked
// for changes meanwhile.
func (m *Model) restoreFor(withGrad bool) error {
	if m.evicted == nil || (!withGrad && m.Params.Precision() == blas.PrecisionBF16) || m.evicted.count() == 0 {
		return nil
	}
	if m.file == nil {
		return m.evicted.restore()
	}
	return m.file.Use(m.evicted.restore)
}
