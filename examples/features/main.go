// Command features extracts frozen-trunk features from a checkpoint: the
// mean of the raw outputs of chosen blocks, with the trunk run
// bidirectionally, for the first images of a dataset, written as .npy.
//
//	go run ./examples/features -checkpoint runs/mnist-tiny/checkpoint.safetensors -out /tmp/feats.npy
package main

import (
	"context"
	"flag"
	"fmt"
	"log"

	"gorgonia.org/tensor"

	"github.com/aim-go/aim/checkpoint/schema"
	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
)

func main() {
	ckpt := flag.String("checkpoint", "runs/mnist-tiny/checkpoint.safetensors", "AIM checkpoint")
	n := flag.Int("images", 256, "MNIST test images to encode")
	out := flag.String("out", "/tmp/feats.npy", "output .npy (N, K, D)")
	flag.Parse()
	if err := run(*ckpt, *n, *out); err != nil {
		log.Fatal(err)
	}
}

func run(ckpt string, n int, out string) error {
	m, f, err := graph.LoadCheckpoint(ckpt, tensor.Float32)
	if err != nil {
		return err
	}
	mnist, err := data.Load("mnist", data.LoadOptions{})
	if err != nil {
		return err
	}
	images := mnist.Test.Subset(firstN(n))
	// Normalise as in pre-training when the checkpoint says how.
	if norm, ok := schema.ReadNormalization(f.Meta); ok {
		if err := images.Normalize(norm.Mean, norm.Std); err != nil {
			return err
		}
	}
	if m, err = m.WithImage(images.C, images.H, images.W); err != nil {
		return err
	}
	ex, err := m.NewExtractor(64, nil) // 64 images per pass; nil: the last ceil(depth/4) blocks
	if err != nil {
		return err
	}
	defer ex.Close()
	k, d := m.Config.Grid().Len(), m.Config.Width
	feats := make([]float32, images.N*k*d)
	err = ex.Extract(context.Background(), images.N,
		func(i int, dst []float32) { copy(dst, images.Image(i)) },
		func(first int, f []float32) error { copy(feats[first*k*d:], f); return nil })
	if err != nil {
		return err
	}
	fmt.Printf("%d images → features (%d, %d, %d) from blocks %v\n", images.N, images.N, k, d, ex.Layers())
	return data.WriteNpy(out, feats, []int{images.N, k, d})
}

func firstN(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}
