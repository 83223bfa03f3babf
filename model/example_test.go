package model_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"gorgonia.org/tensor"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/model"
)

// Embed a photo. The checkpoint here is an untrained trunk for 224×224 RGB
// photos, written on the spot; one of Apple's released checkpoints, or a
// run of aim pretrain, loads the same way.
func Example() {
	dir, err := os.MkdirTemp("", "model-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "trunk.safetensors")
	cfg := graph.Config{ImageHeight: 224, ImageWidth: 224, Channels: 3, Patch: 28, Width: 128, Depth: 2, Heads: 1, MLPRatio: 2}
	trunk, err := graph.New(cfg, tensor.Float32, 1)
	if err != nil {
		log.Fatal(err)
	}
	weights, meta := trunk.Tensors()
	if err := checkpoint.Write(path, &checkpoint.File{Tensors: weights, Meta: meta}); err != nil {
		log.Fatal(err)
	}

	m, err := model.Load(path, model.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	x, names, err := model.LoadImages(filepath.Join("..", "data", "photo", "testdata", "photos", "chelsea_landscape.png"))
	if err != nil {
		log.Fatal(err)
	}
	emb, err := m.Embed(context.Background(), x, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: input %v, embedding %v\n", filepath.Base(names[0]), x.Shape, emb.Shape)
	// Output: chelsea_landscape.png: input [1 3 224 224], embedding [1 128]
}
