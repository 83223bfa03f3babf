package train

import (
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/checkpoint/schema"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/optim"
)

// File names inside a run directory.
const (
	CheckpointFile = "checkpoint.safetensors"
	MetricsFile    = "metrics.jsonl"
	// LockFile is locked while a run uses the directory; it records the
	// host and process ID of that run.
	LockFile = "run.lock"
)

// Normalization is the per-channel mean and standard deviation the images
// were normalised with.
type Normalization = schema.Normalization

// progress is what a checkpoint records besides weights and optimiser state.
type progress struct {
	step      int
	lossSum   float64
	lossCount int
	seconds   float64 // training time up to step, over every invocation
}

// SnapshotFile is the name of the weights Options.KeepCheckpoints keeps
// of the evaluation after step: checkpoint-step000300.safetensors.
func SnapshotFile(step int) string {
	return fmt.Sprintf("checkpoint-step%06d.safetensors", step)
}

// saveCheckpoint writes model, optimiser state and progress atomically.
func saveCheckpoint(dir string, m *graph.Model, opt *optim.AdamW[float32], p progress, o Options, norm Normalization) error {
	ts, meta, err := weights(m, p, o, norm)
	if err != nil {
		return err
	}
	_, mom, vel := opt.State()
	for _, name := range m.Params.Names() {
		t := ts[name]
		ts[schema.OptimizerPrefix+"m."+name] = checkpoint.Tensor{Shape: t.Shape, Data: append([]float32(nil), mom[name]...)}
		ts[schema.OptimizerPrefix+"v."+name] = checkpoint.Tensor{Shape: t.Shape, Data: append([]float32(nil), vel[name]...)}
	}
	path := filepath.Join(dir, CheckpointFile)
	return errors.Wrap(checkpoint.Write(path, &checkpoint.File{Tensors: ts, Meta: meta}), "saving the run") // the error names path
}

// saveSnapshot writes the weights and metadata of a checkpoint, without
// the optimiser state, to SnapshotFile(p.step): what a probe reads.
func saveSnapshot(dir string, m *graph.Model, p progress, o Options, norm Normalization) error {
	ts, meta, err := weights(m, p, o, norm)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, SnapshotFile(p.step))
	return errors.Wrap(checkpoint.Write(path, &checkpoint.File{Tensors: ts, Meta: meta}), "keeping the checkpoint")
}

// weights are the model's tensors and the metadata of a checkpoint.
func weights(m *graph.Model, p progress, o Options, norm Normalization) (map[string]checkpoint.Tensor, map[string]string, error) {
	ts, meta := m.Tensors()
	return ts, meta, recordRun(meta, p, o, norm)
}

// recordRun writes what a run's checkpoint records besides the model.
func recordRun(meta map[string]string, p progress, o Options, norm Normalization) error {
	if err := schema.SetJSON(meta, schema.TrainOptions, o); err != nil {
		return err
	}
	meta[schema.Step] = strconv.Itoa(p.step)
	schema.SetFloat(meta, schema.LossSum, p.lossSum)
	meta[schema.LossCount] = strconv.Itoa(p.lossCount)
	schema.SetFloat(meta, schema.Seconds, p.seconds)
	return schema.SetNormalization(meta, norm)
}

// resumed is the state a run continues from.
type resumed struct {
	model    *graph.Model
	progress progress
	options  Options
	norm     Normalization
}

// loadCheckpoint reads a run's checkpoint and restores the optimiser state
// into opt.
func loadCheckpoint(dir string, opt *optim.AdamW[float32]) (*resumed, error) {
	path := filepath.Join(dir, CheckpointFile)
	m, f, err := graph.LoadCheckpoint(path, tensor.Float32)
	if err != nil {
		return nil, err
	}
	r := &resumed{model: m}
	if err := readMeta(f.Meta, r); err != nil {
		return nil, errors.Wrap(err, path)
	}
	mom, vel := map[string][]float32{}, map[string][]float32{}
	for _, name := range m.Params.Names() {
		for key, dst := range map[string]map[string][]float32{"m.": mom, "v.": vel} {
			t, err := f.Lookup(schema.OptimizerPrefix+key+name, m.Params.Get(name).Shape()...)
			if err != nil {
				return nil, errors.Wrapf(err, "%s: optimiser state", path)
			}
			dst[name] = t.Data
		}
	}
	if err := opt.SetState(r.progress.step, mom, vel); err != nil {
		return nil, errors.Wrapf(err, "%s: optimiser state", path)
	}
	return r, nil
}

func readMeta(meta map[string]string, r *resumed) error {
	if ok, err := schema.JSON(meta, schema.TrainOptions, &r.options); err != nil || !ok {
		return errors.Wrapf(err, "metadata %s: expected the run's options", schema.TrainOptions)
	}
	var err error
	if r.progress.step, err = schema.Count(meta, schema.Step); err != nil {
		return err
	}
	if r.progress.lossSum, err = requireFloat(meta, schema.LossSum); err != nil {
		return err
	}
	if r.progress.lossCount, err = schema.Count(meta, schema.LossCount); err != nil {
		return err
	}
	if r.progress.seconds, _, err = schema.Float(meta, schema.Seconds); err != nil { // absent from older checkpoints
		return err
	}
	r.norm, err = schema.RequireNormalization(meta)
	return err
}

// requireFloat reads a number the metadata must hold.
func requireFloat(meta map[string]string, key string) (float64, error) {
	v, ok, err := schema.Float(meta, key)
	if err == nil && !ok {
		err = errors.Errorf("metadata %s: missing", key)
	}
	return v, err
}
