package model_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/aim-go/aim/internal/testing/testmodel"
	"github.com/aim-go/aim/model"
)

// Classify photos and embed them. The checkpoint here is a small random
// one in the layout of Apple's released classifiers; a real one loads the
// same way.
func Example() {
	dir, err := os.MkdirTemp("", "model-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path, err := testmodel.WriteClassifier(dir, "classifier.safetensors", testmodel.RGB224, 1000, 1)
	if err != nil {
		log.Fatal(err)
	}

	m, err := model.Load(path, model.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	x, names, err := model.LoadImages(filepath.Join("..", "data", "testdata", "photos", "chelsea_landscape.png"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	preds, err := m.Classify(ctx, x, 5)
	if err != nil {
		log.Fatal(err)
	}
	emb, err := m.Embed(ctx, x, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: input %v, %d predictions, the first labelled: %t; embedding %v\n",
		filepath.Base(names[0]), x.Shape, len(preds[0]), preds[0][0].Label != "", emb.Shape)
	// Output: chelsea_landscape.png: input [1 3 224 224], 5 predictions, the first labelled: true; embedding [1 128]
}
