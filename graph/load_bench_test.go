package graph

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"gorgonia.org/tensor"
)

// hubTensorShapes lists the tensors of an AIMv2 trunk of cfg under
// transformers' names, with their shapes.
func hubTensorShapes(cfg Config) map[string][]int {
	d, h := cfg.Width, cfg.MLPHidden
	out := map[string][]int{
		"embeddings.patch_embed.weight": {d, cfg.Channels, cfg.Patch, cfg.Patch},
		"embeddings.patch_embed.bias":   {d},
		"embeddings.rms_norm.weight":    {d},
		"rms_norm.weight":               {d},
	}
	if cfg.PosEmbed == PosLearned {
		out[hubPosEmbed] = []int{cfg.Grid().Len(), d}
	}
	for i := range cfg.Depth {
		pre := fmt.Sprintf("encoder.layers.%d.", i)
		for _, n := range []string{"rms_norm1", "rms_norm2"} {
			out[pre+n+".weight"] = []int{d}
		}
		for _, p := range []string{"q", "k", "v", "out"} {
			out[pre+"attention."+p+"_proj.weight"] = []int{d, d}
		}
		out[pre+"ffn.gate_proj.weight"], out[pre+"ffn.up_proj.weight"] = []int{h, d}, []int{h, d}
		out[pre+"ffn.down_proj.weight"] = []int{d, h}
	}
	return out
}

// writeRandomBF16 writes tensors of random BF16 values (uniform in
// ±0.05, norms near 1) to a safetensors file at path, tensor by tensor.
func writeRandomBF16(tb testing.TB, path string, shapes map[string][]int) {
	tb.Helper()
	names := make([]string, 0, len(shapes))
	for n := range shapes {
		names = append(names, n)
	}
	sort.Strings(names)
	header := map[string]any{}
	var offset int64
	for _, n := range names {
		size := 2 * int64(tensor.Shape(shapes[n]).TotalSize())
		header[n] = map[string]any{"dtype": "BF16", "shape": shapes[n], "data_offsets": []int64{offset, offset + size}}
		offset += size
	}
	js, err := json.Marshal(header)
	if err != nil {
		tb.Fatal(err)
	}
	for len(js)%8 != 0 {
		js = append(js, ' ')
	}
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var head [8]byte
	binary.LittleEndian.PutUint64(head[:], uint64(len(js)))
	if _, err := f.Write(append(head[:], js...)); err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 1<<20)
	var r uint64
	for _, n := range names {
		left := 2 * tensor.Shape(shapes[n]).TotalSize()
		norm := len(shapes[n]) == 1
		for left > 0 {
			chunk := buf[:min(len(buf), left)]
			for i := 0; i < len(chunk); i += 2 {
				if i%8 == 0 {
					r = rng.Uint64()
				}
				v := float32(r&0xffff)/0xffff*0.1 - 0.05 // uniform in ±0.05
				r >>= 16
				if norm {
					v++
				}
				binary.LittleEndian.PutUint16(chunk[i:], uint16(math.Float32bits(v)>>16))
			}
			if _, err := f.Write(chunk); err != nil {
				tb.Fatal(err)
			}
			left -= len(chunk)
		}
	}
	if err := f.Sync(); err != nil { // written back: loads then find clean pages
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkLoadAIMv2BF16 loads an AIMv2 trunk of random BF16 weights under
// transformers' names from the page cache, as aim features does
// (KeepHalf, float32 products), and reports the seconds per GB of the
// file; closing the model is not timed. AIM_LOAD_PRESET chooses the
// preset (default aimv2-large-patch14-224, 0.6 GB; aimv2-3b-patch14-224
// writes 5.4 GB); AIM_LOAD_FILE names a checkpoint to load instead, to
// time the same file over several runs.
func BenchmarkLoadAIMv2BF16(b *testing.B) {
	path := os.Getenv("AIM_LOAD_FILE")
	if path == "" {
		path = writePresetBF16(b, os.Getenv("AIM_LOAD_PRESET"))
	}
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	size := info.Size()
	readThrough(b, path) // into the page cache
	b.ResetTimer()
	for range b.N {
		m, _, err := LoadCheckpoint(path, tensor.Float32, KeepHalf())
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer() // closing is not loading
		m.Close()
		b.StartTimer()
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/(float64(size)/1e9), "s/GB")
}

// writePresetBF16 writes the random BF16 trunk of a preset (default
// aimv2-large-patch14-224) under transformers' names and returns its path.
func writePresetBF16(b *testing.B, name string) string {
	if name == "" {
		name = "aimv2-large-patch14-224"
	}
	cfg, err := Preset(name)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "model.safetensors")
	writeRandomBF16(b, path, hubTensorShapes(cfg))
	return path
}

// readThrough reads a file once, leaving it in the page cache.
func readThrough(tb testing.TB, path string) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(io.Discard, f); err != nil {
		tb.Fatal(err)
	}
}
