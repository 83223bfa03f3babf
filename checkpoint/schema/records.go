package schema

import (
	"encoding/json"

	"github.com/pkg/errors"
)

// Normalization is the per-channel mean and standard deviation the
// pre-training images were normalised with.
type Normalization struct {
	Mean []float32 `json:"mean"`
	Std  []float32 `json:"std"`
}

// SetNormalization records n under DataMean and DataStd.
func SetNormalization(meta map[string]string, n Normalization) error {
	if err := SetJSON(meta, DataMean, n.Mean); err != nil {
		return err
	}
	return SetJSON(meta, DataStd, n.Std)
}

// ReadNormalization returns the normalisation a pre-training checkpoint
// records, and false when it records none (a checkpoint from elsewhere) or
// an unusable one.
func ReadNormalization(meta map[string]string) (Normalization, bool) {
	n, err := RequireNormalization(meta)
	return n, err == nil
}

// RequireNormalization is ReadNormalization for a file that must record
// it, such as a run being resumed: an absent or malformed value is an
// error naming the key.
func RequireNormalization(meta map[string]string) (Normalization, error) {
	var n Normalization
	for _, f := range []struct {
		key string
		dst *[]float32
	}{{DataMean, &n.Mean}, {DataStd, &n.Std}} {
		if err := json.Unmarshal([]byte(meta[f.key]), f.dst); err != nil {
			return Normalization{}, errors.Wrapf(err, "metadata %s = %q: expected a JSON list of numbers", f.key, meta[f.key])
		}
	}
	if len(n.Mean) == 0 || len(n.Mean) != len(n.Std) {
		return Normalization{}, errors.Errorf("metadata %s and %s: expected lists of one value per channel, got %d and %d values", DataMean, DataStd, len(n.Mean), len(n.Std))
	}
	return n, nil
}

// ProbeLayersOf returns the blocks a probe head records (under ProbeLayers,
// or the key older files used), and nil when it records none. check vets
// the list; its error is wrapped with the key and value.
func ProbeLayersOf(meta map[string]string, check func([]int) error) ([]int, error) {
	for _, key := range []string{ProbeLayers, probeLayersOld} {
		s, ok := meta[key]
		if !ok {
			continue
		}
		var layers []int
		if err := json.Unmarshal([]byte(s), &layers); err != nil || len(layers) == 0 {
			return nil, errors.Errorf("metadata %s = %q: expected a JSON list of block indices", key, s)
		}
		if err := check(layers); err != nil {
			return nil, errors.Wrapf(err, "metadata %s = %s", key, s)
		}
		return layers, nil
	}
	return nil, nil
}
