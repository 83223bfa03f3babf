package main

import (
	"path/filepath"
	"testing"

	"gorgonia.org/tensor"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
)

func TestExampleWritesFeatures(t *testing.T) {
	cfg, _ := graph.Preset("tiny")
	m, err := graph.New(cfg, tensor.Float32, 1)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ts, meta := m.Tensors()
	ckpt := filepath.Join(dir, "ckpt.safetensors")
	if err := checkpoint.Write(ckpt, &checkpoint.File{Tensors: ts, Meta: meta}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "f.npy")
	if err := run(ckpt, 10, out); err != nil {
		t.Fatal(err)
	}
	f, err := data.ReadNpy(out)
	if err != nil {
		t.Fatal(err)
	}
	// ReadNpy reads (N, K, D) as (N, 1, K, D).
	if f.N != 10 || f.H != 49 || f.W != 64 {
		t.Errorf("features of shape (%d, %d, %d, %d), want (10, 1, 49, 64)", f.N, f.C, f.H, f.W)
	}
}
