// Command features extracts frozen-trunk features from a checkpoint: the
// mean of the raw outputs of chosen blocks, with the trunk run
// bidirectionally, for the first images of a dataset, written as .npy.
//
//	go run ./examples/features -checkpoint runs/mnist-tiny/checkpoint.safetensors -out /tmp/feats.npy
package main

import (
	"flag"
	"fmt"
	"log"

	"gorgonia.org/tensor"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/train"
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
	if norm, ok := train.ReadNormalization(f.Meta); ok {
		if err := images.Normalize(norm.Mean, norm.Std); err != nil {
			return err
		}
	}
	if m, err = m.WithImage(images.C, images.H, images.W); err != nil {
		return err
	}
	fg, err := m.NewFeatureGraph(64, nil) // nil: the last ceil(depth/4) blocks
	if err != nil {
		return err
	}
	defer fg.Close()
	size := images.C * images.H * images.W
	var feats []float32
	for lo := 0; lo < images.N; lo += 64 {
		hi := min(lo+64, images.N)
		if feats, err = fg.Features(images.Images[lo*size:hi*size], feats); err != nil {
			return err
		}
	}
	k, d := m.Config.Grid().Len(), m.Config.Width
	fmt.Printf("%d images → features (%d, %d, %d) from blocks %v\n", images.N, images.N, k, d, fg.Layers())
	return data.WriteNpy(out, feats, []int{images.N, k, d})
}

func firstN(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}
