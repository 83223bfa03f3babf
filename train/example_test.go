package train_test

import (
	"context"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/train"
)

// Pre-train a small AIM for a few steps with the paper's recipe: the run
// directory gets a checkpoint, one metrics line per evaluation and the
// lock file that kept other runs out while this one ran, and
// Options.Resume would continue it.
func ExamplePretrain() {
	dir, err := os.MkdirTemp("", "train-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// 40 grey 8×8 images, split into 32 for training and 8 for validation,
	// normalised with the training images' statistics.
	images := &data.Dataset{Name: "waves", N: 40, C: 1, H: 8, W: 8, Images: make([]float32, 40*64)}
	for i := range images.Images {
		images.Images[i] = float32(math.Sin(float64(i) / 3))
	}
	split, err := train.PrepareData(images, 8, 0)
	if err != nil {
		log.Fatal(err)
	}

	o := train.NewOptions() // AdamW, warmup and cosine decay, prefix mask, augmentation
	o.Model = graph.Config{Patch: 4, Width: 32, Depth: 2, Heads: 2, MLPRatio: 4, HeadWidth: 32, HeadDepth: 1}
	o.Steps, o.Batch, o.EvalEvery, o.Out = 6, 8, 3, filepath.Join(dir, "run")
	sum, err := train.Pretrain(context.Background(), o, split.Train, split.Val, split.Norm, train.Silent{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d steps; losses finite: %t\n", sum.Steps, !math.IsNaN(sum.TrainLoss+sum.ValLoss))
	entries, _ := os.ReadDir(o.Out)
	for _, e := range entries {
		fmt.Println(e.Name())
	}
	// Output:
	// 6 steps; losses finite: true
	// checkpoint.safetensors
	// metrics.jsonl
	// run.lock
}
