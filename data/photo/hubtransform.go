package photo

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/pkg/errors"
)

// OpenAI CLIP's channel statistics (RGB), which AIMv2's published
// preprocessing uses.
var (
	CLIPMean = [3]float64{0.48145466, 0.4578275, 0.40821073}
	CLIPStd  = [3]float64{0.26862954, 0.26130258, 0.27577711}
)

// HubTransform returns the preprocessing AIMv2's Hugging Face and timm
// releases give a model of side pixels: the shorter side resized to side
// with Pillow's bicubic filter, a side×side centre crop, [0, 1] scaling and
// CLIP's statistics.
func HubTransform(side int) Transform {
	return Transform{Resize: side, Crop: side, Mean: CLIPMean, Std: CLIPStd}
}

// PreprocessorConfigName is the file beside a Hugging Face model that
// describes its image preprocessing.
const PreprocessorConfigName = "preprocessor_config.json"

// preprocessorConfig holds the keys of a preprocessor_config.json this
// package follows; sizes are a number or an object.
type preprocessorConfig struct {
	Size         json.RawMessage `json:"size"`
	CropSize     json.RawMessage `json:"crop_size"`
	Mean         []float64       `json:"image_mean"`
	Std          []float64       `json:"image_std"`
	Resample     *int            `json:"resample"`
	DoResize     *bool           `json:"do_resize"`
	DoCenterCrop *bool           `json:"do_center_crop"`
	DoNormalize  *bool           `json:"do_normalize"`
	DoRescale    *bool           `json:"do_rescale"`
	Rescale      *float64        `json:"rescale_factor"`
}

// pilBicubic is PIL's code for the bicubic filter, the only one supported.
const pilBicubic = 3

// ReadPreprocessorConfig reads the transform a Hugging Face
// preprocessor_config.json describes: resize of the shorter side
// (size.shortest_edge), centre crop (crop_size), rescaling by 1/255 and
// normalisation with image_mean and image_std, the resize bicubic. Keys it
// cannot follow (another filter, a step turned off, a resize to a fixed
// height and width) are an error naming the file and the key; absent keys
// take HubTransform(fallback)'s values.
func ReadPreprocessorConfig(path string, fallback int) (Transform, error) {
	t := HubTransform(fallback)
	b, err := os.ReadFile(path)
	if err != nil {
		return t, errors.Wrap(err, "reading the preprocessing config")
	}
	var pc preprocessorConfig
	if err := json.Unmarshal(b, &pc); err != nil {
		return t, errors.Wrapf(err, "%s: not a JSON preprocessing config", path)
	}
	if err := pc.apply(&t); err != nil {
		return t, errors.Wrap(err, path)
	}
	return t, errors.Wrap(t.Validate(), path)
}

func (pc preprocessorConfig) apply(t *Transform) error {
	for _, f := range []struct {
		key string
		v   *bool
	}{{"do_resize", pc.DoResize}, {"do_center_crop", pc.DoCenterCrop}, {"do_normalize", pc.DoNormalize}, {"do_rescale", pc.DoRescale}} {
		if f.v != nil && !*f.v {
			return errors.Errorf("%s false: only the full resize, crop, rescale and normalise pipeline is supported", f.key)
		}
	}
	if pc.Resample != nil && *pc.Resample != pilBicubic {
		return errors.Errorf("resample %d: only bicubic (%d) is supported", *pc.Resample, pilBicubic)
	}
	if pc.Rescale != nil && math.Abs(*pc.Rescale*255-1) > 1e-6 {
		return errors.Errorf("rescale_factor %g: expected 1/255", *pc.Rescale)
	}
	var err error
	if t.Resize, err = side(pc.Size, "size", "shortest_edge", t.Resize); err != nil {
		return err
	}
	if t.Crop, err = side(pc.CropSize, "crop_size", "height", t.Crop); err != nil {
		return err
	}
	for _, s := range []struct {
		key  string
		vals []float64
		dst  *[3]float64
	}{{"image_mean", pc.Mean, &t.Mean}, {"image_std", pc.Std, &t.Std}} {
		if s.vals == nil {
			continue
		}
		if len(s.vals) != 3 {
			return errors.Errorf("%s %v: expected 3 values (R, G, B)", s.key, s.vals)
		}
		copy(s.dst[:], s.vals)
	}
	return nil
}

// side reads a size key: a number, or an object with the given field (and,
// for a crop, an equal width); absent, it is def.
func side(raw json.RawMessage, key, field string, def int) (int, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return def, nil
	}
	var n int
	if json.Unmarshal(raw, &n) == nil {
		return n, nil
	}
	var obj map[string]int
	if err := json.Unmarshal(raw, &obj); err != nil {
		return 0, errors.Errorf("%s %s: expected a number or an object of numbers", key, raw)
	}
	v, ok := obj[field]
	if w, hasW := obj["width"]; field == "height" && hasW && w != v {
		return 0, errors.Errorf("%s %s: only square crops are supported", key, raw)
	}
	if !ok {
		return 0, errors.Errorf("%s %s: expected a %q field", key, raw, field)
	}
	return v, nil
}

// HubTransformFor returns the hub's preprocessing of the model file at
// path, for images of side pixels: the preprocessor_config.json beside it
// (ReadPreprocessorConfig), else HubTransform(side); and says which.
func HubTransformFor(path string, side int) (t Transform, which string, err error) {
	pc := filepath.Join(filepath.Dir(path), PreprocessorConfigName)
	if _, err := os.Stat(pc); err == nil {
		t, err := ReadPreprocessorConfig(pc, side)
		return t, "the hub's preprocessing from " + pc, err
	}
	return HubTransform(side), "the hub's preprocessing for AIMv2 (no " + PreprocessorConfigName + " beside the model)", nil
}

// String describes the transform for messages.
func (t Transform) String() string {
	stats := "custom mean/std"
	switch {
	case t.Mean == ImageNetMean && t.Std == ImageNetStd:
		stats = "ImageNet mean/std"
	case t.Mean == CLIPMean && t.Std == CLIPStd:
		stats = "CLIP mean/std"
	}
	if t.exact() {
		return fmt.Sprintf("resized to %d×%d bicubic, %s", t.Height, t.Width, stats)
	}
	if t.perPhoto() {
		return fmt.Sprintf("each photo at its own aspect ratio: shorter side %d bicubic, sides rounded to multiples of %d, at most %d patches, no crop, %s", t.Resize, t.Patch, t.MaxPatches, stats)
	}
	return fmt.Sprintf("shorter side %d bicubic, centre crop %d, %s", t.Resize, t.Crop, stats)
}
