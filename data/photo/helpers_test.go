package photo

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

// writeFile writes b to dir/name, creating parent folders, and returns
// the path.
func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// wantError fails unless err is non-nil and its message names the file
// path (by its base name) and holds every substring in want.
func wantError(t testing.TB, err error, path string, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one naming %s and saying %q", path, want)
	}
	msg := err.Error()
	if path != "" && !strings.Contains(msg, filepath.Base(path)) {
		t.Errorf("error %q does not name the file %s", msg, filepath.Base(path))
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not say %q", msg, w)
		}
	}
}

// checkBatch fails unless b holds N·3·H·W values, all finite.
func checkBatch(t testing.TB, b Batch) {
	t.Helper()
	if b.N < 0 || len(b.Values) != b.N*3*b.H*b.W {
		t.Fatalf("batch of %d images of 3×%d×%d holds %d values", b.N, b.H, b.W, len(b.Values))
	}
	for i, v := range b.Values {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("value %d is %v", i, v)
		}
	}
}

// readNpyBatch reads a float32 .npy array of shape (N, 3, H, W), as the
// reference scripts write them.
func readNpyBatch(t testing.TB, path string) Batch {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := new(tensor.Dense)
	if err := d.ReadNpy(f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	s := d.Shape()
	v, ok := d.Data().([]float32)
	if !ok || len(s) != 4 || s[1] != 3 {
		t.Fatalf("%s: %v array of shape %v, want float32 (N, 3, H, W)", path, d.Dtype(), s)
	}
	return Batch{N: s[0], H: s[2], W: s[3], Values: v}
}

// pngBytes encodes img as PNG.
func pngBytes(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// greyImage returns a w×h grey image whose pixel (x, y) is v+x+y.
func greyImage(w, h int, v uint8) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetGray(x, y, color.Gray{v + uint8(x+y)})
		}
	}
	return img
}

// pngHeader returns the signature and IHDR chunk of a w×h grey PNG, with
// no image data.
func pngHeader(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32([]byte("IHDR"), w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 0, 0, 0, 0)
	b := append([]byte("\x89PNG\r\n\x1a\n"), 0, 0, 0, 13)
	b = append(b, ihdr...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
}
