package probe_test

import (
	"context"
	"fmt"
	"log"

	"gorgonia.org/tensor"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/probe"
)

// halves makes n labelled 8×8 grey images: class 0 is bright on the left,
// class 1 on the right.
func halves(name string, n int) *data.Dataset {
	d := &data.Dataset{Name: name, N: n, C: 1, H: 8, W: 8, Images: make([]float32, n*64), Labels: make([]int, n), Classes: 2}
	for i := range n {
		d.Labels[i] = i % 2
		for y := range 8 {
			for x := range 8 {
				bright := (x < 4) == (d.Labels[i] == 0)
				v := float32(0.1 * float32((i*7+y*3+x)%5)) // a little texture
				if bright {
					v += 1
				}
				d.Images[i*64+y*8+x] = v
			}
		}
	}
	return d
}

// Train a linear probe on a frozen trunk and measure its test accuracy.
// The trunk here is untrained (a checkpoint would come from
// probe.LoadTrunk); the task is easy enough for random features.
func ExampleRun() {
	cfg := graph.Config{ImageHeight: 8, ImageWidth: 8, Channels: 1, Patch: 4, Width: 32, Depth: 2, Heads: 2, MLPRatio: 4}
	m, err := graph.New(cfg, tensor.Float32, 1)
	if err != nil {
		log.Fatal(err)
	}
	trunk := &probe.Trunk{Model: m, Checkpoint: "untrained", RandomInit: true}
	src := &data.Source{Train: halves("halves/train", 64), Test: halves("halves/test", 32)}
	o := probe.DefaultOptions(probe.Linear)
	o.Epochs, o.MinSteps, o.Batch = 20, 0, 16
	r, head, err := probe.Run(context.Background(), trunk, "halves", src, o, probe.Silent{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s probe on blocks %v: %d classes, test accuracy %.0f%% on %d images\n",
		r.Probe, r.Layers, head.Classes, 100*r.TestAccuracy, r.TestImages)
	// Output:
	// linear probe on blocks [1]: 2 classes, test accuracy 100% on 32 images
}
