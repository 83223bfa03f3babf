package graph

import (
	"errors"
	"math"
	"path/filepath"
	"strconv"
	"testing"

	"gorgonia.org/tensor"

	"github.com/aim-go/aim/checkpoint"
)

// TestLoadCheckpointRefusesNonFiniteWeights: one NaN weight makes loading
// fail with an error naming the file and the tensor, unless allowed.
func TestLoadCheckpointRefusesNonFiniteWeights(t *testing.T) {
	m, err := New(testConfig, tensor.Float32, 3)
	if err != nil {
		t.Fatal(err)
	}
	ts, meta := m.Tensors()
	const bad = "trunk.blocks.1.attn.qkv.weight"
	ts[bad].Data[5] = float32(math.NaN())
	path := filepath.Join(t.TempDir(), "c.safetensors")
	if err := checkpoint.Write(path, &checkpoint.File{Tensors: ts, Meta: meta}); err != nil {
		t.Fatal(err)
	}

	_, _, err = LoadCheckpoint(path, tensor.Float32)
	want := path + ": tensor " + bad + " holds 1 NaN and 0 infinite values (of " + strconv.Itoa(len(ts[bad].Data)) + ")"
	if err == nil || err.Error() != want {
		t.Fatalf("loading a checkpoint with a NaN weight: %v; want %q", err, want)
	}
	var nf *checkpoint.NonFiniteError
	if !errors.As(err, &nf) {
		t.Errorf("error %v does not wrap a *checkpoint.NonFiniteError", err)
	}

	loaded, _, err := LoadCheckpoint(path, tensor.Float32, AllowNonFinite())
	if err != nil {
		t.Fatalf("with AllowNonFinite: %v", err)
	}
	if v := loaded.Params.Float32s(bad)[5]; !math.IsNaN(float64(v)) {
		t.Errorf("with AllowNonFinite the NaN weight loaded as %v", v)
	}
}
