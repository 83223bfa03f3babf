package train

import (
	"os"
	"path/filepath"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/internal/atomicfile"
	"github.com/aim-go/aim/internal/lockfile"
)

// claimDir creates the run directory and locks it (LockFile) for this run,
// refusing one that another run is using, then removes the temporary files
// that a killed run's writes left and refuses a new run over a finished
// or interrupted one. The lock is held until close.
func (r *runner) claimDir() error {
	out := r.o.Out
	if err := os.MkdirAll(out, 0o755); err != nil {
		return errors.Wrap(err, "creating the run directory")
	}
	lock, err := lockfile.Acquire(filepath.Join(out, LockFile))
	var held *lockfile.HeldError
	if errors.As(err, &held) {
		return errors.Wrapf(err, "another run is using %s (wait for it to end, or choose another --out)", out)
	}
	if err != nil {
		return errors.Wrapf(err, "locking the run directory %s", out)
	}
	r.lock = lock
	// Only now, with the lock held, can no write of these files be under way.
	for _, name := range r.ownFiles() {
		if _, err := atomicfile.RemoveTemps(filepath.Join(out, name)); err != nil {
			return err
		}
	}
	if _, err := os.Stat(filepath.Join(out, CheckpointFile)); err == nil && !r.o.Resume {
		return errors.Errorf("%s already holds a run (%s): continue it with --resume, or choose another --out", out, CheckpointFile)
	}
	return nil
}

// ownFiles are the files the run writes: the checkpoint, the metrics and,
// when it keeps its checkpoints, the snapshot of every evaluation.
func (r *runner) ownFiles() []string {
	files := []string{CheckpointFile, MetricsFile}
	if r.o.KeepCheckpoints {
		for step := r.o.EvalEvery; step < r.o.Steps; step += r.o.EvalEvery {
			files = append(files, SnapshotFile(step))
		}
		files = append(files, SnapshotFile(r.o.Steps))
	}
	return files
}
