package main

import (
	"context"
	"encoding/json"
	"io"
	"os"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/objectives"
)

func runFeatures(_ context.Context, args []string, _ io.Writer) error {
	fs := newFlags("features", os.Stderr)
	ckpt := fs.String("checkpoint", "", "model checkpoint (.safetensors) (required)")
	images := fs.String("images", "", "images as a float32 .npy array (N, C, H, W), used exactly as given (required)")
	out := fs.String("out", "", "output .npy file for the (N, K, D) float32 features (required)")
	layerList := fs.String("layers", "", "comma-separated 0-based blocks whose raw outputs are averaged (default: the last ceil(depth/4))")
	batch := fs.Int("batch", 64, "images per forward pass")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required("checkpoint", *ckpt, "images", *images, "out", *out); err != nil {
		return err
	}
	if *batch < 1 {
		return usageError{errors.Errorf("--batch %d: expected at least 1", *batch)}
	}
	layerIdx, err := parseLayers(*layerList)
	if err != nil {
		return err
	}
	m, imgs, err := loadModelAndImages(*ckpt, *images)
	if err != nil {
		return err
	}
	fg, err := m.NewFeatureGraph(*batch, layerIdx)
	if err != nil {
		return err
	}
	defer fg.Close()
	size := imgs.C * imgs.H * imgs.W
	feats := make([]float32, 0, imgs.N*m.Config.Grid().Len()*m.Config.Width)
	for lo := 0; lo < imgs.N; lo += *batch {
		hi := min(lo+*batch, imgs.N)
		if feats, err = fg.Features(imgs.Images[lo*size:hi*size], feats); err != nil {
			return err
		}
	}
	return data.WriteNpy(*out, feats, []int{imgs.N, m.Config.Grid().Len(), m.Config.Width})
}

// loadModelAndImages reads a checkpoint and a .npy batch of images and
// adapts the model to the images' size, with errors naming the file.
func loadModelAndImages(ckpt, images string) (*graph.Model, *data.Dataset, error) {
	m, _, err := graph.LoadCheckpoint(ckpt, tensor.Float32)
	if err != nil {
		return nil, nil, err
	}
	imgs, err := data.ReadNpy(images)
	if err != nil {
		return nil, nil, err
	}
	if imgs.N == 0 {
		return nil, nil, errors.Errorf("%s holds no images", images)
	}
	sized, err := m.WithImage(imgs.C, imgs.H, imgs.W)
	if err != nil {
		return nil, nil, errors.Wrapf(err, "%s (%d×%d×%d images) with %s", images, imgs.C, imgs.H, imgs.W, ckpt)
	}
	return sized, imgs, nil
}

func runLoss(_ context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("loss", os.Stderr)
	ckpt := fs.String("checkpoint", "", "model checkpoint with prediction head (.safetensors) (required)")
	images := fs.String("images", "", "images as a float32 .npy array (N, C, H, W), used exactly as given (required)")
	prefix := fs.Int("prefix", 0, "prefix length S in [1, K−1] used for every image (required)")
	batch := fs.Int("batch", 64, "images per forward pass")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required("checkpoint", *ckpt, "images", *images); err != nil {
		return err
	}
	if *batch < 1 {
		return usageError{errors.Errorf("--batch %d: expected at least 1", *batch)}
	}
	m, imgs, err := loadModelAndImages(*ckpt, *images)
	if err != nil {
		return err
	}
	k := m.Config.Grid().Len()
	if *prefix < 1 || *prefix > k-1 {
		return usageError{errors.Errorf("--prefix %d: expected a prefix length in [1, %d] for %d patches", *prefix, k-1, k)}
	}
	lg, err := m.NewLossGraph(*batch, graph.Objective{})
	if err != nil {
		return err
	}
	defer lg.Close()
	size := imgs.C * imgs.H * imgs.W
	var total float64
	var counted int
	for lo := 0; lo < imgs.N; lo += *batch {
		hi := min(lo+*batch, imgs.N)
		prefixes := make([]int, hi-lo)
		for i := range prefixes {
			prefixes[i] = *prefix
		}
		loss, c, err := lg.Loss(imgs.Images[lo*size:hi*size], prefixes)
		if err != nil {
			return err
		}
		total, counted = total+loss*float64(c), counted+c
	}
	return json.NewEncoder(stdout).Encode(map[string]any{
		"loss": total / float64(counted), "images": imgs.N, "prefix": *prefix,
		"counted_patches": counted, "patches_per_image": k, "target": string(objectives.Normalized),
	})
}
