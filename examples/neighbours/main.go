// Command neighbours embeds a folder of photos with an AIM model and prints,
// for each photo, its nearest neighbours by cosine similarity of the
// embeddings (the mean over tokens of the frozen trunk's features).
//
//	go run ./examples/neighbours -checkpoint aim-600m.safetensors -photos ~/Pictures -k 3
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"sort"

	"github.com/aim-go/aim/model"
)

func main() {
	ckpt := flag.String("checkpoint", "aim-600m.safetensors", "AIM checkpoint (safetensors)")
	photos := flag.String("photos", ".", "folder of PNG and JPEG photos")
	k := flag.Int("k", 3, "neighbours per photo")
	flag.Parse()
	if err := run(os.Stdout, *ckpt, *photos, *k); err != nil {
		log.Fatal(err)
	}
}

func run(w io.Writer, ckpt, photos string, k int) error {
	m, err := model.Load(ckpt, model.Options{})
	if err != nil {
		return err
	}
	defer m.Close()
	x, names, err := model.LoadImages(photos)
	if err != nil {
		return err
	}
	emb, err := m.Embed(context.Background(), x, nil) // (N, D)
	if err != nil {
		return err
	}
	for i, name := range names {
		fmt.Fprintln(w, name)
		for _, j := range nearest(emb, i, k) {
			fmt.Fprintf(w, "  %.3f  %s\n", model.Cosine(emb.Row(i), emb.Row(j)), names[j])
		}
	}
	return nil
}

// nearest returns the k rows of emb most similar to row i, other than i,
// most similar first.
func nearest(emb *model.Tensor, i, k int) []int {
	var others []int
	for j := range emb.Shape[0] {
		if j != i {
			others = append(others, j)
		}
	}
	sort.SliceStable(others, func(a, b int) bool {
		return model.Cosine(emb.Row(i), emb.Row(others[a])) > model.Cosine(emb.Row(i), emb.Row(others[b]))
	})
	return others[:min(k, len(others))]
}
