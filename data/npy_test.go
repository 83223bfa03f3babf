package data

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aim-go/aim/internal/sizes"
	"github.com/aim-go/aim/internal/testing/fixtures"
)

func TestNpyRoundTrip(t *testing.T) {
	tests := []struct {
		shape      []int
		n, c, h, w int
	}{
		{[]int{2, 3, 4, 5}, 2, 3, 4, 5},
		{[]int{3, 4, 5}, 3, 1, 4, 5},
		{[]int{1, 1, 1, 1}, 1, 1, 1, 1},
	}
	for _, tt := range tests {
		n, _ := sizes.Product(tt.shape...)
		vals := make([]float32, n)
		for i := range vals {
			vals[i] = float32(i)*0.25 - 3
		}
		p := filepath.Join(t.TempDir(), "x.npy")
		if err := WriteNpy(p, vals, tt.shape); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(p)
		if start, err := npyDataStart(p, b); err != nil || start%npyAlign != 0 {
			t.Errorf("%v: data starts at %d (%v), want a multiple of %d", tt.shape, start, err, npyAlign)
		}
		d, err := ReadNpy(p)
		if err != nil {
			t.Fatalf("%v: %v", tt.shape, err)
		}
		checkValid(t, d)
		if d.N != tt.n || d.C != tt.c || d.H != tt.h || d.W != tt.w || d.Labels != nil || d.Classes != 0 {
			t.Errorf("%v: read shape (%d, %d, %d, %d), labels %v", tt.shape, d.N, d.C, d.H, d.W, d.Labels)
		}
		if !slices.Equal(d.Images, vals) {
			t.Errorf("%v: values differ after the round trip", tt.shape)
		}
	}
}

func TestWriteNpy(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.npy")
	if err := WriteNpy(p, []float32{1, 2}, []int{2}); err != nil {
		t.Fatal(err)
	}
	err := WriteNpy(p, []float32{1, 2, 3}, []int{2, 2})
	fixtures.WantError(t, err, p, "shape (2, 2) does not hold 3 values")
	err = WriteNpy(filepath.Join(dir, "missing", "y.npy"), []float32{1}, []int{1})
	fixtures.WantError(t, err, "missing", "no such file")
	b, _ := os.ReadFile(p)
	if !strings.Contains(string(b), "'shape': (2,)") || len(b) != 128+8 {
		t.Errorf("file %q changed or malformed", b)
	}
	// Replace the file, keeping its mode, and leave no temporary file behind.
	before, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteNpy(p, []float32{5}, []int{1, 1, 1}); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only x.npy", len(entries))
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != before.Mode().Perm() {
		t.Errorf("mode %v, want the replaced file's %v", fi.Mode(), before.Mode())
	}
	_, vals, err := readNpy(p)
	if err != nil || !slices.Equal(vals, []float32{5}) {
		t.Errorf("replaced file holds %v, %v", vals, err)
	}
}

func TestReadNpyTypes(t *testing.T) {
	le8 := binary.LittleEndian.AppendUint64(nil, math.Float64bits(0.5))
	le8 = binary.LittleEndian.AppendUint64(le8, math.Float64bits(-2))
	be4 := binary.BigEndian.AppendUint32(nil, math.Float32bits(1.5))
	be4 = binary.BigEndian.AppendUint32(be4, math.Float32bits(3))
	tests := []struct {
		descr string
		data  []byte
		want  []float32
	}{
		{"<f8", le8, []float32{0.5, -2}},
		{">f4", be4, []float32{1.5, 3}},
		{"|u1", []byte{0, 255}, []float32{0, 1}},
	}
	for _, tt := range tests {
		p := fixtures.WriteFile(t, t.TempDir(), "x.npy", npyFile(tt.descr, "(1, 1, 2)", tt.data))
		d, err := ReadNpy(p)
		if err != nil {
			t.Fatalf("%s: %v", tt.descr, err)
		}
		if !slices.Equal(d.Images, tt.want) {
			t.Errorf("%s: values %v, want %v", tt.descr, d.Images, tt.want)
		}
	}
}

func TestReadNpyErrors(t *testing.T) {
	f4 := make([]byte, 4*2*3)
	nan := binary.LittleEndian.AppendUint32(make([]byte, 20), math.Float32bits(float32(math.NaN())))
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"not npy", []byte("PK\x03\x04 a zip file, not a .npy"), "not a .npy file"},
		{"empty", nil, "not a .npy file"},
		{"version 3", append([]byte("\x93NUMPY\x03\x00"), make([]byte, 8)...), "format version 3.0"},
		{"truncated data", npyFile("<f4", "(1, 2, 3)", f4[:20]), "truncated: header says <f4 array of shape (1, 2, 3) (24 bytes of data), file has 20"},
		{"trailing data", npyFile("<f4", "(1, 2, 3)", append(f4, 0)), "trailing data"},
		{"truncated header", npyFile("<f4", "(1, 2, 3)", nil)[:40], "truncated: header length 80, file has 40 bytes"},
		{"no newline", []byte("\x93NUMPY\x01\x00\x04\x00{}  "), "does not end with a newline"},
		{"fortran", npyRaw("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2, 3), }", f4), "Fortran-ordered"},
		{"int32", npyFile("<i4", "(1, 2, 3)", f4), "element type '<i4'"},
		{"2-D", npyFile("<f4", "(2, 3)", f4), "shape (2, 3), want (N, C, H, W) or (N, H, W)"},
		{"zero images", npyFile("<f4", "(0, 2, 3)", nil), "holds no images"},
		{"scalar", npyFile("<f4", "()", f4[:4]), "unsupported shape ()"},
		{"NaN", npyFile("<f4", "(1, 2, 3)", nan), "element 5 is NaN"},
		{"keys reordered", npyRaw("{'shape': (1, 2, 3), 'fortran_order': False, 'descr': '<f4', }", f4), "malformed .npy header"},
		{"garbage dict", npyRaw("{'descr'", f4), "malformed .npy header"},
		{"bad shape", npyRaw("{'descr': '<f4', 'fortran_order': False, 'shape': (1, x, 3), }", f4), "malformed .npy header"},
		{"negative dim", npyFile("<f4", "(-1, 2, 3)", f4), "unsupported shape (-1, 2, 3)"},
		{"huge dims", npyFile("<f4", "(4294967296, 4294967296, 3)", f4), "unsupported shape"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fixtures.WriteFile(t, t.TempDir(), "x.npy", tt.file)
			_, err := ReadNpy(p)
			fixtures.WantError(t, err, p, tt.want)
		})
	}
}

func TestReadLFWSubset(t *testing.T) {
	vals := make([]byte, 0, 200*25*25*8)
	for i := range 200 * 25 * 25 {
		vals = binary.LittleEndian.AppendUint64(vals, math.Float64bits(float64(i%7)/7))
	}
	p := fixtures.WriteFile(t, t.TempDir(), "lfw_subset.npy", npyFile("<f8", "(200, 25, 25)", vals))
	d, err := ReadLFWSubset(p)
	if err != nil {
		t.Fatal(err)
	}
	checkValid(t, d)
	if d.N != 200 || d.C != 1 || d.H != 25 || d.Classes != 2 || d.Labels[99] != 1 || d.Labels[100] != 0 {
		t.Errorf("N %d C %d H %d classes %d labels[99:101] %v", d.N, d.C, d.H, d.Classes, d.Labels[99:101])
	}
	p = fixtures.WriteFile(t, t.TempDir(), "lfw_subset.npy", npyFile("<f8", "(100, 25, 25)", vals[:len(vals)/2]))
	_, err = ReadLFWSubset(p)
	fixtures.WantError(t, err, p, "shape (100, 25, 25), want (200, 25, 25)")
}
