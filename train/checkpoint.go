package train

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/checkpoint"
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

// Metadata keys written next to the model's own (graph.MetaNumHeads,
// graph.MetaConfig).
const (
	MetaOptions    = "aim_train"      // the run's Options as JSON
	MetaStep       = "step"           // completed optimiser steps
	MetaLossSum    = "train_loss_sum" // training-loss window since the last evaluation
	MetaLossCount  = "train_loss_count"
	MetaSeconds    = "train_seconds" // training time of all invocations so far
	MetaMean       = "data_mean"     // per-channel normalisation of the pre-training data
	MetaStd        = "data_std"
	optimStatePref = "optim."
)

// Normalization is the per-channel mean and standard deviation the images
// were normalised with.
type Normalization struct {
	Mean []float32 `json:"mean"`
	Std  []float32 `json:"std"`
}

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
		ts[optimStatePref+"m."+name] = checkpoint.Tensor{Shape: t.Shape, Data: append([]float32(nil), mom[name]...)}
		ts[optimStatePref+"v."+name] = checkpoint.Tensor{Shape: t.Shape, Data: append([]float32(nil), vel[name]...)}
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
	opts, err := json.Marshal(o)
	if err != nil {
		return nil, nil, errors.Wrap(err, "encoding the options")
	}
	meta[MetaOptions] = string(opts)
	meta[MetaStep] = strconv.Itoa(p.step)
	meta[MetaLossSum] = strconv.FormatFloat(p.lossSum, 'g', -1, 64)
	meta[MetaLossCount] = strconv.Itoa(p.lossCount)
	meta[MetaSeconds] = strconv.FormatFloat(p.seconds, 'g', -1, 64)
	meta[MetaMean] = jsonString(norm.Mean)
	meta[MetaStd] = jsonString(norm.Std)
	return ts, meta, nil
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
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
			t, err := f.Lookup(optimStatePref+key+name, m.Params.Get(name).Shape()...)
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
	if err := json.Unmarshal([]byte(meta[MetaOptions]), &r.options); err != nil {
		return errors.Wrapf(err, "metadata %s", MetaOptions)
	}
	var err error
	if r.progress.step, err = readCount(meta, MetaStep); err != nil {
		return err
	}
	if r.progress.lossSum, err = strconv.ParseFloat(meta[MetaLossSum], 64); err != nil {
		return errors.Wrapf(err, "metadata %s", MetaLossSum)
	}
	if r.progress.lossCount, err = readCount(meta, MetaLossCount); err != nil {
		return err
	}
	if s, ok := meta[MetaSeconds]; ok { // absent from older checkpoints
		if r.progress.seconds, err = strconv.ParseFloat(s, 64); err != nil {
			return errors.Wrapf(err, "metadata %s", MetaSeconds)
		}
	}
	if err := json.Unmarshal([]byte(meta[MetaMean]), &r.norm.Mean); err != nil {
		return errors.Wrapf(err, "metadata %s", MetaMean)
	}
	return errors.Wrapf(json.Unmarshal([]byte(meta[MetaStd]), &r.norm.Std), "metadata %s", MetaStd)
}

// readCount reads the metadata key, a whole number, 0 or more.
func readCount(meta map[string]string, key string) (int, error) {
	s := meta[key]
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, errors.Errorf("metadata %s %q: expected a whole number, 0 or more", key, s)
	}
	return n, nil
}

// ReadObjective returns the objective (patch order, target kind) of the run
// that wrote a checkpoint, from its options metadata; ok is false for a
// checkpoint without it (one from elsewhere: the paper's objective
// applies).
func ReadObjective(meta map[string]string) (obj graph.Objective, ok bool, err error) {
	s, ok := meta[MetaOptions]
	if !ok {
		return graph.Objective{}, false, nil
	}
	var o Options
	if err := json.Unmarshal([]byte(s), &o); err != nil {
		return graph.Objective{}, false, errors.Wrapf(err, "metadata %s", MetaOptions)
	}
	return o.Objective, true, nil
}

// ReadNormalization returns the data normalisation recorded in a
// pre-training checkpoint's metadata, and false when it has none (a
// checkpoint from elsewhere).
func ReadNormalization(meta map[string]string) (Normalization, bool) {
	var n Normalization
	if json.Unmarshal([]byte(meta[MetaMean]), &n.Mean) != nil || json.Unmarshal([]byte(meta[MetaStd]), &n.Std) != nil {
		return Normalization{}, false
	}
	return n, len(n.Mean) > 0 && len(n.Mean) == len(n.Std)
}
