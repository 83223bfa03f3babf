package model

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aim-go/aim/checkpoint/schema"
	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/internal/testing/testmodel"
	"github.com/aim-go/aim/train"
)

// writeRun writes a run directory whose checkpoint records the
// normalisation mean 0.25, std 0.5 of a 1-channel 8×8 trunk.
func writeRun(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	norm := func(meta map[string]string) { meta[schema.DataMean], meta[schema.DataStd] = "[0.25]", "[0.5]" }
	if err := testmodel.WriteTrunk(filepath.Join(dir, train.CheckpointFile), testmodel.Gray8, 1, norm); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestLoadAppliesTheRecordedNormalisation: a run directory loads; Images
// normalises a dataset's images with the checkpoint's statistics; raw
// images are refused with a message that says what to do.
func TestLoadAppliesTheRecordedNormalisation(t *testing.T) {
	m, err := Load(writeRun(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	norm, ok := m.Normalization()
	if !ok || len(norm.Mean) != 1 || norm.Mean[0] != 0.25 || norm.Std[0] != 0.5 {
		t.Fatalf("normalisation %+v, %v", norm, ok)
	}
	d := &data.Dataset{Name: "d", N: 3, C: 1, H: 8, W: 8, Images: make([]float32, 3*64)}
	for i := range d.Images {
		d.Images[i] = float32(i%4) / 4
	}
	x, err := m.Images(d, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if x.Shape[0] != 2 || !x.Normalized || x.Data[0] != (d.Images[64]-0.25)/0.5 || x.Data[1] != (d.Images[65]-0.25)/0.5 {
		t.Errorf("images %v: %v…", x.Shape, x.Data[:2])
	}
	ctx := context.Background()
	if e, err := m.Embed(ctx, x, nil); err != nil || e.Shape[0] != 2 || e.Shape[1] != 16 {
		t.Errorf("embedding of normalised images: %v, %v", e, err)
	}
	raw := &Tensor{Shape: []int{3, 1, 8, 8}, Data: d.Images}
	if _, err := m.Embed(ctx, raw, nil); err == nil || !strings.Contains(err.Error(), "Model.Images or Model.Normalize") {
		t.Errorf("raw images: %v, want a refusal naming the way to normalise them", err)
	}
	y, err := m.Normalize(raw)
	if err != nil || y.Data[65] != x.Data[1] || raw.Data[1] != d.Images[1] {
		t.Errorf("Normalize: %v (it must copy)", err)
	}
	for _, tc := range []struct {
		first, n int
		want     string
	}{{2, 2, "images 2 … 3 of a dataset of 3"}, {-1, 1, "of a dataset"}, {0, 0, "of a dataset"}} {
		if _, err := m.Images(d, tc.first, tc.n); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Images(%d, %d): %v, want %q", tc.first, tc.n, err, tc.want)
		}
	}
	rgb := &data.Dataset{Name: "rgb", N: 1, C: 3, H: 8, W: 8, Images: make([]float32, 192)}
	if _, err := m.Images(rgb, 0, 1); err == nil || !strings.Contains(err.Error(), `"rgb" has 3 channels, the model 1`) {
		t.Errorf("3 channels: %v", err)
	}
}
