package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/objectives"
)

func runFeatures(ctx context.Context, args []string, _, stderr io.Writer) error {
	fs := newFlags("features")
	ckpt := fs.String("checkpoint", "", "model checkpoint (.safetensors) (required)")
	images := fs.String("images", "", "images as a .npy array (N, C, H, W) or (N, H, W): float32 or float64 used exactly as given (normalise them as the model was trained), or uint8 scaled by 1/255 to [0, 1]; H and W any multiple of the patch size — other sizes than the model's give more or fewer patches, and the grid used is printed (required)")
	out := fs.String("out", "", "output .npy file for the (N, K, D) float32 features (required)")
	layerList := fs.String("layers", "", "comma-separated 0-based blocks whose raw outputs are averaged (default: the last ceil(depth/4))")
	batch := fs.Int("batch", 64, "images per forward pass (the graph is built for min(batch, images))")
	allowNonFinite := registerAllowNonFinite(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required("checkpoint", *ckpt, "images", *images, "out", *out); err != nil {
		return err
	}
	if err := checkOutputs(map[string]string{"--out": *out}, map[string]string{"--checkpoint": *ckpt, "--images": *images}); err != nil {
		return err
	}
	if *batch < 1 {
		return usageError{errors.Errorf("--batch %d: expected at least 1", *batch)}
	}
	layerIdx, err := parseLayers(*layerList)
	if err != nil {
		return err
	}
	m, imgs, err := loadModelAndImages(*ckpt, *images, *allowNonFinite, stderr)
	if err != nil {
		return err
	}
	ex, err := m.NewExtractor(*batch, layerIdx)
	if err != nil {
		return usageError{errors.Wrap(err, "--layers")}
	}
	defer ex.Close()
	k, d := m.Config.Grid().Len(), m.Config.Width
	feats := make([]float32, imgs.N*k*d)
	err = ex.Extract(ctx, imgs.N, func(i int, dst []float32) { copy(dst, imgs.Image(i)) },
		func(first int, f []float32) error { copy(feats[first*k*d:], f); return nil })
	if err != nil {
		return errors.Wrap(err, *images)
	}
	return data.WriteNpy(*out, feats, []int{imgs.N, k, d})
}

// loadModelAndImages reads a checkpoint and a .npy batch of images and
// adapts the model to the images' size, with errors naming the file.
func loadModelAndImages(ckpt, images string, allowNonFinite bool, log io.Writer) (*graph.Model, *data.Dataset, error) {
	m, _, err := loadCheckpoint(ckpt, allowNonFinite)
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
	fmt.Fprintln(log, describeGrid(imgs, m.Config, sized.Config))
	return sized, imgs, nil
}

// describeGrid says how the images are cut into patches, and when that
// differs from the model's own image size.
func describeGrid(imgs *data.Dataset, model, sized graph.Config) string {
	g, p := sized.Grid(), sized.Patch
	line := fmt.Sprintf("%d images of %d×%d×%d: a %d×%d grid of %d×%d patches (%d tokens)",
		imgs.N, imgs.C, imgs.H, imgs.W, g.Rows(), g.Cols(), p, p, g.Len())
	if model.ImageHeight != sized.ImageHeight || model.ImageWidth != sized.ImageWidth {
		mg := model.Grid()
		line += fmt.Sprintf("; the model's own images are %d×%d (%d×%d patches)", model.ImageHeight, model.ImageWidth, mg.Rows(), mg.Cols())
	}
	return line
}

func runLoss(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("loss")
	ckpt := fs.String("checkpoint", "", "model checkpoint with prediction head (.safetensors) (required)")
	images := fs.String("images", "", "images as a .npy array (N, C, H, W) or (N, H, W): float32 or float64 used exactly as given (normalise them as the model was trained), or uint8 scaled by 1/255 to [0, 1]; H and W any multiple of the patch size — other sizes than the model's give more or fewer patches, and the grid used is printed (required)")
	prefix := fs.Int("prefix", 0, "prefix length S in [1, K−1] used for every image (required)")
	batch := fs.Int("batch", 64, "images per forward pass (the graph is built for min(batch, images))")
	allowNonFinite := registerAllowNonFinite(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required("checkpoint", *ckpt, "images", *images); err != nil {
		return err
	}
	if *batch < 1 {
		return usageError{errors.Errorf("--batch %d: expected at least 1", *batch)}
	}
	m, imgs, err := loadModelAndImages(*ckpt, *images, *allowNonFinite, stderr)
	if err != nil {
		return err
	}
	k := m.Config.Grid().Len()
	if *prefix < 1 || *prefix > k-1 {
		return usageError{errors.Errorf("--prefix %d: expected a prefix length in [1, %d] for %d patches", *prefix, k-1, k)}
	}
	lg, err := m.NewLossGraph(min(*batch, imgs.N), graph.Objective{})
	if err != nil {
		return err
	}
	defer lg.Close()
	loss, counted, err := meanLoss(lg, imgs, min(*batch, imgs.N), *prefix)
	if err != nil {
		return errors.Wrap(err, *images)
	}
	return json.NewEncoder(stdout).Encode(map[string]any{
		"loss": loss, "images": imgs.N, "prefix": *prefix,
		"counted_patches": counted, "patches_per_image": k, "target": string(objectives.Normalized),
	})
}

// meanLoss returns the loss of every image at one prefix length, averaged
// over the counted target patches, and their number. A loss that is not
// finite is an error naming the first batch that gave it.
func meanLoss(lg *graph.LossGraph, imgs *data.Dataset, batch, prefix int) (float64, int, error) {
	var total float64
	var counted int
	for lo := 0; lo < imgs.N; lo += batch {
		hi := min(lo+batch, imgs.N)
		prefixes := make([]int, hi-lo)
		for i := range prefixes {
			prefixes[i] = prefix
		}
		size := imgs.C * imgs.H * imgs.W
		loss, c, err := lg.Loss(imgs.Images[lo*size:hi*size], prefixes)
		if err != nil {
			return 0, 0, err
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return 0, 0, errors.Errorf("the loss of images %d…%d is %v: %s", lo, hi-1, loss, nonFiniteCause(imgs.Images[lo*size:hi*size]))
		}
		total, counted = total+loss*float64(c), counted+c
	}
	return total / float64(max(counted, 1)), counted, nil
}

// nonFiniteCause says whether images hold NaN or infinite values, or else
// blames the weights.
func nonFiniteCause(images []float32) string {
	for _, v := range images {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return "the images hold NaN or infinite values"
		}
	}
	return "the images are finite, so the model's weights hold NaN or infinite values, or overflow"
}
