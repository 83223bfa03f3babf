package graph

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/checkpoint/schema"
	"github.com/aim-go/aim/internal/testing/halffile"
)

// hubFile is a small AIMv2 under transformers' names, to be spoiled.
type hubFile struct {
	tensors map[string]checkpoint.Tensor
	meta    map[string]string
	config  string // config.json beside the file; "" for none
}

func newHubFile(t *testing.T) *hubFile {
	t.Helper()
	m, err := New(v2TestConfig, tensor.Float32, 21)
	if err != nil {
		t.Fatal(err)
	}
	ts, meta := m.Tensors()
	return &hubFile{tensors: hubTensors(ts), meta: meta}
}

// write writes the file (in dtype F32, BF16 or F16) and its config.json
// to a folder of their own and returns the file's path.
func (h *hubFile) write(t *testing.T, dtype string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	f := &checkpoint.File{Tensors: h.tensors, Meta: h.meta}
	var err error
	if dtype == "F32" {
		err = checkpoint.Write(path, f)
	} else {
		err = halffile.Write(path, dtype, f)
	}
	if err != nil {
		t.Fatal(err)
	}
	if h.config != "" {
		if err := os.WriteFile(filepath.Join(dir, HubConfigName), []byte(h.config), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// reshape gives a tensor a new shape, with zeros for values.
func (h *hubFile) reshape(name string, shape ...int) {
	h.tensors[name] = checkpoint.Tensor{Shape: shape, Data: make([]float32, tensor.Shape(shape).TotalSize())}
}

// TestHubNamedErrorsNameTheFilesTensors: every error about a tensor of a
// file written with transformers' names names the tensor as the file
// spells it, and never by ml-aim's name.
func TestHubNamedErrorsNameTheFilesTensors(t *testing.T) {
	const (
		patch = "embeddings.patch_embed.weight"
		gate  = "encoder.layers.0.ffn.gate_proj.weight"
		q1    = "encoder.layers.1.attention.q_proj.weight"
		k0    = "encoder.layers.0.attention.k_proj.weight"
		out1  = "encoder.layers.1.attention.out_proj.weight"
		norm0 = "encoder.layers.0.rms_norm1.weight"
	)
	cases := []struct {
		name  string
		spoil func(h *hubFile)
		opts  []LoadOption
		dtype string
		want  []string
	}{
		{"patch embedding shape", func(h *hubFile) { h.reshape(patch, 8, 2, 4) }, nil, "F32",
			[]string{patch + " has shape [8 2 4]"}},
		{"no first block", func(h *hubFile) { delete(h.tensors, norm0) }, nil, "F32",
			[]string{norm0}},
		{"no SwiGLU gate", func(h *hubFile) { delete(h.tensors, gate) }, nil, "F32",
			[]string{`no tensor "` + gate + `"`}},
		{"SwiGLU gate shape", func(h *hubFile) { h.reshape(gate, 20, 9) }, nil, "F32",
			[]string{gate + " has shape [20 9]"}},
		{"position table shape", func(h *hubFile) { h.reshape(hubPosEmbed, 6, 9) }, nil, "F32",
			[]string{hubPosEmbed + " has shape [6 9], want (K, 8)"}},
		{"position table length", func(h *hubFile) { h.reshape(hubPosEmbed, 7, 8) }, nil, "F32",
			[]string{hubPosEmbed + " holds 7 positions"}},
		{"position table not square", func(h *hubFile) { h.reshape(hubPosEmbed, 7, 8); delete(h.meta, schema.ModelConfig) }, nil, "F32",
			[]string{hubPosEmbed + " has shape [7 8]"}},
		{"projection shape", func(h *hubFile) { h.reshape(out1, 8, 9) }, nil, "F32",
			[]string{out1, "[8 9]"}},
		{"q shape", func(h *hubFile) { h.reshape(q1, 8, 9) }, nil, "F32",
			[]string{q1 + " has shape [8 9], encoder.layers.1.attention.k_proj.weight [8 8]", "expects [8 8] each"}},
		{"unknown block", func(h *hubFile) {
			h.tensors["encoder.layers.5.rms_norm2.weight"] = h.tensors["encoder.layers.0.rms_norm2.weight"]
		}, nil, "F32", []string{`unknown tensor "encoder.layers.5.rms_norm2.weight"`}},
		{"unknown attention", func(h *hubFile) {
			for _, p := range []string{"q", "k", "v"} {
				h.tensors["encoder.layers.5.attention."+p+"_proj.weight"] = h.tensors["encoder.layers.0.attention."+p+"_proj.weight"]
			}
		}, nil, "F32", []string{`unknown tensor "encoder.layers.5.attention.`}},
		{"NaN in k", func(h *hubFile) { h.tensors[k0].Data[3] = float32(math.NaN()) }, nil, "F32",
			[]string{"tensor " + k0 + " holds 1 NaN"}},
		{"NaN in k kept as BF16", func(h *hubFile) { h.tensors[k0].Data[3] = float32(math.NaN()) }, []LoadOption{KeepHalf()}, "BF16",
			[]string{"tensor " + k0 + " holds 1 NaN"}},
		{"Inf in a norm", func(h *hubFile) { h.tensors[norm0].Data[0] = float32(math.Inf(1)) }, nil, "BF16",
			[]string{"tensor " + norm0 + " holds 0 NaN and 1 infinite"}},
		{"config width", func(h *hubFile) { h.config = `{"model_type": "aimv2", "hidden_size": 16}` }, nil, "F32",
			[]string{"hidden_size 16", patch}},
		{"config intermediate size", func(h *hubFile) { h.config = `{"model_type": "aimv2", "intermediate_size": 16}` }, nil, "F32",
			[]string{"intermediate_size 16", gate}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHubFile(t)
			c.spoil(h)
			path := h.write(t, c.dtype)
			m, _, err := LoadCheckpoint(path, tensor.Float32, c.opts...)
			if err == nil {
				m.Close()
				t.Fatal("loaded")
			}
			t.Log(err)
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
			for _, aim := range []string{"trunk.", "preprocessor.", "attn.", "mlp.fc"} {
				if strings.Contains(err.Error(), aim) {
					t.Errorf("error %q names a tensor by ml-aim's name (%s…)", err, aim)
				}
			}
		})
	}
}
