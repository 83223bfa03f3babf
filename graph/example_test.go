package graph_test

import (
	"context"
	"fmt"
	"log"
	"math"

	"gorgonia.org/tensor"

	"github.com/aim-go/aim/graph"
)

// Build the tiny preset, take one pre-training step's loss and gradients,
// then extract frozen-trunk features.
func Example() {
	cfg, err := graph.Preset("tiny") // 28×28 grey images, 4×4 patches, width 64, 4 blocks
	if err != nil {
		log.Fatal(err)
	}
	m, err := graph.New(cfg, tensor.Float32, 1)
	if err != nil {
		log.Fatal(err)
	}
	const batch = 2
	images := make([]float32, batch*cfg.Grid().ImageSize())
	for i := range images {
		images[i] = float32(math.Sin(float64(i)))
	}

	// Pre-training: the prefix lengths say how many patches each image
	// shows bidirectionally; the loss counts the patches after them.
	tg, err := m.NewTrainGraph(batch, graph.Objective{})
	if err != nil {
		log.Fatal(err)
	}
	defer tg.Close()
	loss, err := tg.Step(images, []int{1, 20})
	if err != nil {
		log.Fatal(err)
	}
	grads, err := tg.Gradients()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d patches per image; loss finite and positive: %t; %d gradients, first %s %v\n",
		cfg.Grid().Len(), loss > 0 && !math.IsInf(loss, 0), len(grads), grads[0].Name, grads[0].Grad.Shape())

	// Downstream: features are the mean of the last blocks' outputs, per token.
	ex, err := m.NewExtractor(64, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer ex.Close()
	size := cfg.Grid().ImageSize()
	err = ex.Extract(context.Background(), batch,
		func(i int, dst []float32) { copy(dst, images[i*size:(i+1)*size]) },
		func(first int, feats []float32) error {
			fmt.Printf("images %d…%d: %d features = %d × %d tokens × width %d, from blocks %v\n",
				first, first+batch-1, len(feats), batch, cfg.Grid().Len(), cfg.Width, ex.Layers())
			return nil
		})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// 49 patches per image; loss finite and positive: true; 48 gradients, first preprocessor.patchifier.proj.weight (64, 16)
	// images 0…1: 6272 features = 2 × 49 tokens × width 64, from blocks [3]
}
