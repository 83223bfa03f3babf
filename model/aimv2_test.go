package model

import (
	"context"
	"path/filepath"
	"testing"

	"gorgonia.org/tensor"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/data/photo"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/layers"
)

// Load tells an AIMv2 file by its tensors; its default features are the
// post-trunk norm, and its photos go through the hub's preprocessing.
func TestLoadAIMv2(t *testing.T) {
	cfg := graph.Config{ImageHeight: 224, ImageWidth: 224, Channels: 3, Patch: 28, Width: 32, Depth: 2, Heads: 1,
		Norm: layers.NormRMS, MLP: layers.MLPSwiGLU, MLPHidden: 40, PosEmbed: graph.PosLearned}
	g, err := graph.New(cfg, tensor.Float32, 4)
	if err != nil {
		t.Fatal(err)
	}
	ts, meta := g.Tensors()
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := checkpoint.Write(path, &checkpoint.File{Tensors: ts, Meta: meta}); err != nil {
		t.Fatal(err)
	}
	m, err := Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if info := m.Info(); !info.AIMv2 || info.ImageHeight != 224 {
		t.Fatalf("info %+v: want AIMv2 at 224", info)
	}
	x, _, err := m.LoadImages(filepath.Join(photoDir, "chelsea_landscape.png"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := photo.ReadAll([]string{filepath.Join(photoDir, "chelsea_landscape.png")}, photo.Options{Transform: photo.HubTransform(224)})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range want.Images.Values {
		if x.Data[i] != v {
			t.Fatalf("value %d: %g, the hub transform gives %g", i, x.Data[i], v)
		}
	}
	got, err := m.Features(context.Background(), x, nil)
	if err != nil {
		t.Fatal(err)
	}
	normed, err := m.Features(context.Background(), x, []int{graph.PostTrunkNorm})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := m.Features(context.Background(), x, []int{cfg.Depth - 1})
	if err != nil {
		t.Fatal(err)
	}
	same, differs := true, false
	for i := range got.Data {
		same = same && got.Data[i] == normed.Data[i]
		differs = differs || got.Data[i] != raw.Data[i]
	}
	if !same || !differs {
		t.Errorf("default features: equal to the post-trunk norm %v, differ from the raw last block %v", same, differs)
	}
}
