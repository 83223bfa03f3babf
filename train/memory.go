package train

import (
	"fmt"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/internal/sysmem"
)

// availableMemory tells how much memory the run may use; a variable so
// that tests can pretend to be on a smaller machine.
var availableMemory = sysmem.Available

// checkMemory refuses a batch whose training step would not fit in the
// memory left on the machine (or under the cgroup's limit), before anything
// is allocated. A batch may exceed the training images (epochs wrap), so
// the batch alone sets the size: the local batch of each rank (the global
// batch over the ranks), times the ranks on this machine, which share its
// memory.
func checkMemory(o Options, local, ranksHere int) error {
	need := o.Model.TrainBytes(local) * int64(ranksHere)
	avail, source, ok := availableMemory()
	if !ok || need <= avail {
		return nil
	}
	if local == o.Batch && ranksHere == 1 {
		return errors.Errorf("batch %d: a training step needs about %s (estimated for this model), but %s is available (%s); lower the batch size",
			o.Batch, humanBytes(need), humanBytes(avail), source)
	}
	return errors.Errorf("batch %d: a training step of %d images on each of the %d ranks on this machine needs about %s (estimated for this model), but %s is available (%s); lower the batch size, or start fewer ranks per machine",
		o.Batch, local, ranksHere, humanBytes(need), humanBytes(avail), source)
}

// humanBytes writes a byte count in MB or GB.
func humanBytes(b int64) string {
	if b >= 1e9 {
		return fmt.Sprintf("%.1f GB", float64(b)/1e9)
	}
	return fmt.Sprintf("%.0f MB", float64(b)/1e6)
}
