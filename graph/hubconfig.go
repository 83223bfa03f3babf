package graph

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/layers"
)

// HubConfigName is the file beside a Hugging Face model that describes it.
const HubConfigName = "config.json"

// hubConfig is what an AIMv2 config.json of the Hugging Face hub says about
// the vision encoder, in ml-aim's original keys and transformers' (both
// spellings are on the hub). Absent keys are nil.
type hubConfig struct {
	path string

	ModelType    string   `json:"model_type"`
	HiddenSize   *int     `json:"hidden_size"`
	Intermediate *int     `json:"intermediate_size"`
	Layers       *int     `json:"num_hidden_layers"`
	Heads        *int     `json:"num_attention_heads"`
	Channels     *int     `json:"num_channels"`
	ImageSize    *int     `json:"image_size"`
	PatchSize    *int     `json:"patch_size"`
	RMSNormEps   *float64 `json:"rms_norm_eps"`
	IsNative     *bool    `json:"is_native"`
	QKVBias      *bool    `json:"qkv_bias"`
	MLPBias      *bool    `json:"mlp_bias"`
	UseBias      *bool    `json:"use_bias"`
	UseHead      *bool    `json:"use_head"`
	HiddenAct    *string  `json:"hidden_act"`
}

// readHubConfig reads the config.json beside a checkpoint, when there is
// one and it describes an AIMv2 model (model_type aimv2…); nil otherwise.
func readHubConfig(checkpointPath string) (*hubConfig, error) {
	path := filepath.Join(filepath.Dir(checkpointPath), HubConfigName)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, errors.Wrap(err, "reading the model's config")
	}
	hc := &hubConfig{path: path}
	if err := json.Unmarshal(data, hc); err != nil {
		return nil, errors.Wrapf(err, "%s: not a JSON model config", path)
	}
	if !strings.HasPrefix(strings.ToLower(hc.ModelType), "aimv2") {
		return nil, nil
	}
	return hc, nil
}

// check compares the config with the architecture read off the tensors,
// and takes from it what the tensors do not say: the head count, the norm
// epsilon and the native model's image size. The error names the key, and
// the tensor as fileName gives the file's name of it.
func (hc *hubConfig) check(cfg *Config, fileName func(string) string) error {
	const patchProj = "preprocessor.patchifier.proj.weight"
	if !cfg.IsV2() {
		return errors.Errorf("%s: model_type %q describes AIMv2, but the checkpoint holds AIM v1 tensors", hc.path, hc.ModelType)
	}
	sizes := []struct {
		key       string
		have      *int
		want      int
		from      string
		mustEqual bool
	}{
		{"hidden_size", hc.HiddenSize, cfg.Width, "the width of " + fileName(patchProj), true},
		{"intermediate_size", hc.Intermediate, cfg.MLPHidden, "the rows of " + fileName("trunk.blocks.0.mlp.fc1.weight"), true},
		{"num_hidden_layers", hc.Layers, cfg.Depth, "the blocks", true},
		{"num_channels", hc.Channels, cfg.Channels, "the channels of " + fileName(patchProj), true},
		{"patch_size", hc.PatchSize, cfg.Patch, "the patch of " + fileName(patchProj), true},
		{"image_size", hc.ImageSize, cfg.ImageHeight, "the position table", cfg.PosEmbed == PosLearned},
	}
	for _, s := range sizes {
		if s.have != nil && s.mustEqual && *s.have != s.want {
			return errors.Errorf("%s: %s %d disagrees with the tensors (%s: %d)", hc.path, s.key, *s.have, s.from, s.want)
		}
	}
	for _, flag := range []struct {
		key string
		v   *bool
	}{{"qkv_bias", hc.QKVBias}, {"mlp_bias", hc.MLPBias}, {"use_bias", hc.UseBias}, {"use_head", hc.UseHead}} {
		if flag.v != nil && *flag.v {
			return errors.Errorf("%s: %s is true: AIMv2's vision encoders have no biases in attention and MLP and no attention-pool head (the -lit files' image tower is not supported)", hc.path, flag.key)
		}
	}
	if hc.HiddenAct != nil && *hc.HiddenAct != "silu" {
		return errors.Errorf("%s: hidden_act %q: expected \"silu\" (AIMv2's SwiGLU)", hc.path, *hc.HiddenAct)
	}
	if hc.IsNative != nil && *hc.IsNative != (cfg.PosEmbed == PosSinCos) {
		return errors.Errorf("%s: is_native %v disagrees with the tensors (%s)", hc.path, *hc.IsNative, describePositions(cfg.PosEmbed))
	}
	return hc.apply(cfg)
}

func describePositions(pos string) string {
	if pos == PosLearned {
		return "a learned position table: a fixed-resolution model"
	}
	return "no position table: the native model"
}

// apply takes the head count, the norm epsilon and the native model's
// image size from the config.
func (hc *hubConfig) apply(cfg *Config) error {
	if hc.Heads != nil {
		if *hc.Heads < 1 || cfg.Width%*hc.Heads != 0 {
			return errors.Errorf("%s: num_attention_heads %d is not a positive divisor of the width %d", hc.path, *hc.Heads, cfg.Width)
		}
		cfg.Heads = *hc.Heads
	}
	if hc.RMSNormEps != nil {
		if !(*hc.RMSNormEps > 0 && *hc.RMSNormEps < 1) {
			return errors.Errorf("%s: rms_norm_eps %g: expected a positive epsilon below 1", hc.path, *hc.RMSNormEps)
		}
		if *hc.RMSNormEps != layers.RMSNormEps {
			cfg.NormEps = *hc.RMSNormEps
		}
	}
	if hc.ImageSize != nil && cfg.PosEmbed == PosSinCos {
		c := cfg.WithImage(cfg.Channels, *hc.ImageSize, *hc.ImageSize)
		if err := c.checkImage(); err != nil {
			return errors.Wrapf(err, "%s: image_size", hc.path)
		}
		*cfg = c
	}
	return nil
}
