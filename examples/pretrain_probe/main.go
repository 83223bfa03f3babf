// Command pretrain_probe pre-trains a small AIM on MNIST and measures what
// it learned with an attentive probe on the frozen trunk, next to the same
// probe on an untrained trunk — the whole method in one page.
//
//	go run ./examples/pretrain_probe -steps 500 -out /tmp/aim-example
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"path/filepath"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/probe"
	"github.com/aim-go/aim/train"
)

func main() {
	steps := flag.Int("steps", 500, "pre-training steps")
	probeImages := flag.Int("probe-images", 5000, "training images of the probe")
	out := flag.String("out", "/tmp/aim-example", "run directory")
	flag.Parse()
	if err := run(context.Background(), *steps, *probeImages, *out); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, steps, probeImages int, out string) error {
	// 1. Data: MNIST from the Go module cache, 1000 images held out.
	mnist, err := data.Load("mnist", data.LoadOptions{})
	if err != nil {
		return err
	}
	split, err := train.PrepareData(mnist.Train, 1000, 0)
	if err != nil {
		return err
	}

	// 2. Pre-train the tiny preset with the paper's recipe.
	o := train.NewOptions()
	if o.Model, err = graph.Preset("tiny"); err != nil {
		return err
	}
	o.Steps, o.Out = steps, out
	sum, err := train.Pretrain(ctx, o, split.Train, split.Val, split.Norm, train.Silent{})
	if err != nil {
		return err
	}
	fmt.Printf("pre-training: %d steps, validation loss %.4f\n", sum.Steps, sum.ValLoss)

	// 3. Probe the frozen trunk, and an untrained one of the same shape.
	trunk, err := probe.LoadTrunk(filepath.Join(out, train.CheckpointFile))
	if err != nil {
		return err
	}
	random, err := trunk.Randomized(0)
	if err != nil {
		return err
	}
	po := probe.DefaultOptions(probe.Attentive)
	po.TrainImages, po.TestImages = probeImages, 2000
	for _, t := range []*probe.Trunk{trunk, random} {
		r, _, err := probe.Run(ctx, t, "mnist", mnist, po, probe.Silent{})
		if err != nil {
			return err
		}
		fmt.Printf("attentive probe, random init %-5t: test accuracy %.2f%%\n", r.RandomInit, 100*r.TestAccuracy)
	}
	return nil
}
