package schema

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// Metadata keys.
const (
	NumHeads    = "num_heads"  // ml-aim's key: the attention head count
	ModelConfig = "aim_config" // the model's graph.Config as JSON (image size included)

	TrainOptions = "aim_train"      // the run's train.Options as JSON
	Step         = "step"           // completed optimiser steps
	LossSum      = "train_loss_sum" // training-loss window since the last evaluation
	LossCount    = "train_loss_count"
	Seconds      = "train_seconds" // training time of all invocations so far
	DataMean     = "data_mean"     // per-channel normalisation of the pre-training data
	DataStd      = "data_std"

	Probe       = "probe"        // a probe head's kind
	ProbeLayers = "probe_layers" // the blocks a probe head reads, as a JSON list
	Classes     = "classes"      // a probe head's number of classes
	// probeLayersOld is the key of the probe's blocks in files written
	// before ProbeLayers; still read.
	probeLayersOld = "layers"
)

// Tensor-name prefixes of what a checkpoint may hold besides the model.
const (
	OptimizerPrefix = "optim." // AdamW's moments: "optim.m.NAME", "optim.v.NAME"
	HeadPrefix      = "head."  // a downstream probe head (ml-aim's AIMForImageClassification)
)

// PaperHeadDim is the attention head width of the AIM paper's and AIMv2's
// models; a file without NumHeads is taken to use it.
const PaperHeadDim = 128

// HeadCount is the attention head count of a model of the given width: the
// NumHeads metadata when present, else fallback when positive, else
// width / PaperHeadDim.
func HeadCount(meta map[string]string, width, fallback int) (int, error) {
	if s, ok := meta[NumHeads]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || width%n != 0 {
			return 0, errors.Errorf("metadata %s = %q is not a positive divisor of the width %d", NumHeads, s, width)
		}
		return n, nil
	}
	if fallback > 0 {
		return fallback, nil
	}
	if width%PaperHeadDim != 0 {
		return 0, errors.Errorf("no %s metadata, and the width %d is not a multiple of %d (the paper's head dimension)", NumHeads, width, PaperHeadDim)
	}
	return width / PaperHeadDim, nil
}

// Count reads key as a whole number, 0 or more.
func Count(meta map[string]string, key string) (int, error) {
	s := meta[key]
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, errors.Errorf("metadata %s %q: expected a whole number, 0 or more", key, s)
	}
	return n, nil
}

// Float reads key as a number; ok is false when the key is absent.
func Float(meta map[string]string, key string) (v float64, ok bool, err error) {
	s, ok := meta[key]
	if !ok {
		return 0, false, nil
	}
	v, err = strconv.ParseFloat(s, 64)
	return v, true, errors.Wrapf(err, "metadata %s", key)
}

// SetFloat writes v under key, in the shortest form that reads back exactly.
func SetFloat(meta map[string]string, key string, v float64) {
	meta[key] = strconv.FormatFloat(v, 'g', -1, 64)
}

// JSON decodes key into v; ok is false when the key is absent.
func JSON(meta map[string]string, key string, v any) (ok bool, err error) {
	s, ok := meta[key]
	if !ok {
		return false, nil
	}
	return true, errors.Wrapf(json.Unmarshal([]byte(s), v), "metadata %s", key)
}

// SetJSON writes v under key as compact JSON.
func SetJSON(meta map[string]string, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return errors.Wrapf(err, "encoding metadata %s", key)
	}
	meta[key] = string(b)
	return nil
}
