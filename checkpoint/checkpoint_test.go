package checkpoint

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sameBits reports whether a and b hold the same float32 bit patterns, so
// that NaN payloads and the sign of zero count.
func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// sameFile compares two files tensor by tensor and returns what differs.
func sameFile(t *testing.T, got, want *File) {
	t.Helper()
	if len(got.Tensors) != len(want.Tensors) {
		t.Fatalf("got %d tensors %v, want %d %v", len(got.Tensors), got.Names(), len(want.Tensors), want.Names())
	}
	for name, w := range want.Tensors {
		g, ok := got.Tensors[name]
		if !ok {
			t.Errorf("tensor %q missing", name)
			continue
		}
		if !slices.Equal(g.Shape, w.Shape) {
			t.Errorf("tensor %q: shape %v, want %v", name, g.Shape, w.Shape)
		}
		if !sameBits(g.Data, w.Data) {
			t.Errorf("tensor %q: data %v, want %v", name, g.Data, w.Data)
		}
	}
	if len(got.Meta) != len(want.Meta) {
		t.Errorf("metadata %v, want %v", got.Meta, want.Meta)
	}
	for k, v := range want.Meta {
		if got.Meta[k] != v {
			t.Errorf("metadata %q = %q, want %q", k, got.Meta[k], v)
		}
	}
}

// noTempFiles fails the test if dir holds anything but the names in keep.
func noTempFiles(t *testing.T, dir string, keep ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		found := false
		for _, k := range keep {
			found = found || e.Name() == k
		}
		if !found {
			t.Errorf("unexpected file %q left in %s", e.Name(), dir)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	nan := math.Float32frombits(0x7fc00123)
	negZero := float32(math.Copysign(0, -1))
	tests := []struct {
		name string
		file *File
	}{
		{"empty", &File{Tensors: map[string]Tensor{}}},
		{"scalar", &File{Tensors: map[string]Tensor{"s": {Shape: []int{}, Data: []float32{3.5}}}}},
		{"zero-size", &File{Tensors: map[string]Tensor{
			"z": {Shape: []int{2, 0}, Data: []float32{}},
			"a": {Shape: []int{1}, Data: []float32{1}},
		}}},
		{"special values", &File{Tensors: map[string]Tensor{
			"v": {Shape: []int{6}, Data: []float32{nan, negZero, float32(math.Inf(1)), float32(math.Inf(-1)), math.SmallestNonzeroFloat32, math.MaxFloat32}},
		}}},
		{"model-like", &File{
			Tensors: map[string]Tensor{
				"trunk.blocks.0.attn.qkv.weight": {Shape: []int{6, 2}, Data: seq(12)},
				"trunk.blocks.0.norm_1.bias":     {Shape: []int{2}, Data: []float32{-1, 1}},
				"0.weight":                       {Shape: []int{3, 1, 1}, Data: seq(3)},
				"Upper":                          {Shape: []int{1}, Data: []float32{7}},
			},
			Meta: map[string]string{"format": "pt", "note": "quote \" backslash \\ tab \t <&> é \x01"},
		}},
		{"big", &File{Tensors: map[string]Tensor{"w": {Shape: []int{300, 257}, Data: seq(300 * 257)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "x.safetensors")
			if err := Write(path, tt.file); err != nil {
				t.Fatal(err)
			}
			got, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			sameFile(t, got, tt.file)
			noTempFiles(t, dir, "x.safetensors")
		})
	}
}

func seq(n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(i)*0.25 - 3
	}
	return s
}

// le32 returns the little-endian bytes of float32 values.
func le32(vs ...float32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

// TestWriteBytes compares Write's output with bytes written out by hand.
// The first two cases are the test vectors of the reference implementation
// (huggingface/safetensors, tensor.rs: test_serialization and
// test_forced_alignment).
func TestWriteBytes(t *testing.T) {
	tests := []struct {
		name string
		file *File
		want []byte
	}{
		{
			name: "reference serialization",
			file: &File{Tensors: map[string]Tensor{"attn.0": {Shape: []int{1, 2, 3}, Data: []float32{0, 1, 2, 3, 4, 5}}}},
			want: []byte{
				64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
				116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
				58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
				101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
				0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
			},
		},
		{
			name: "reference forced alignment",
			file: &File{Tensors: map[string]Tensor{"attn0": {Shape: []int{1, 1, 2, 3}, Data: []float32{0, 1, 2, 3, 4, 5}}}},
			want: []byte{
				72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
				121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
				91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
				115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
				32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
				160, 64,
			},
		},
		{
			// 138 header bytes + 6 spaces of padding = 144: "__metadata__"
			// first, then tensors by name; scalar shape []; data 0.5 | 1, -2.
			name: "metadata and two tensors",
			file: &File{
				Tensors: map[string]Tensor{"b": {Shape: []int{2}, Data: []float32{1, -2}}, "a": {Shape: nil, Data: []float32{0.5}}},
				Meta:    map[string]string{"format": "pt"},
			},
			want: cat(
				[]byte{144, 0, 0, 0, 0, 0, 0, 0},
				[]byte(`{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},`+
					`"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}      `),
				[]byte{0x00, 0x00, 0x00, 0x3f, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0},
			),
		},
		{
			// serde_json escapes: \" \\ \n short forms, \u001f lower-case
			// hex, '<' '&' and non-ASCII verbatim; 70 header bytes + 2 spaces.
			name: "escaping",
			file: &File{Tensors: map[string]Tensor{"a\"\\\n\x1f<&é": {Shape: []int{1}, Data: []float32{2}}}},
			want: cat(
				[]byte{72, 0, 0, 0, 0, 0, 0, 0},
				[]byte(`{"a\"\\\n\u001f<&é":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`+"  "),
				[]byte{0x00, 0x00, 0x00, 0x40},
			),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.safetensors")
			if err := Write(path, tt.file); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("bytes differ\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// file builds a safetensors stream from a header and a data buffer without
// padding the header, as a malformed or foreign file may be.
func file(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

func TestReadDtypes(t *testing.T) {
	f64 := binary.LittleEndian.AppendUint64(nil, math.Float64bits(0.1))
	f64 = binary.LittleEndian.AppendUint64(f64, math.Float64bits(-1e300))
	tests := []struct {
		name   string
		header string
		data   []byte
		want   []float32
	}{
		{"F32", `{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, le32(1.5, -0.25), []float32{1.5, -0.25}},
		{"F64", `{"t":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}`, f64, []float32{0.1, float32(math.Inf(-1))}},
		// 0x3c00 = 1, 0xc000 = -2, 0x7bff = 65504, 0x0001 = 2⁻²⁴.
		{"F16", `{"t":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]}}`, []byte{0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00}, []float32{1, -2, 65504, 0x1p-24}},
		// 0x3f80 = 1, 0xc040 = -3, 0x3e20 = 0.15625.
		{"BF16", `{"t":{"dtype":"BF16","shape":[3],"data_offsets":[0,6]}}`, []byte{0x80, 0x3f, 0x40, 0xc0, 0x20, 0x3e}, []float32{1, -3, 0.15625}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := file(tt.header, tt.data)
			f, err := decode(bytes.NewReader(raw), int64(len(raw)))
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Tensors["t"].Data; !sameBits(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestReadMalformed(t *testing.T) {
	ok := `{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	tests := []struct {
		name string
		raw  []byte
		want string // a substring of the error
	}{
		{"short file", []byte{1, 0, 0}, "too short"},
		{"header over limit", binary.LittleEndian.AppendUint64(nil, 100_000_001), "over the 100000000-byte limit"},
		{"header beyond file", append(binary.LittleEndian.AppendUint64(nil, 60), "{}"...), "beyond the end"},
		{"huge header length", binary.LittleEndian.AppendUint64(nil, math.MaxUint64), "over the"},
		{"invalid JSON", file(`{"w":`, nil), "not valid JSON"},
		{"not an object", file(`[1,2]`, nil), "not a JSON object"},
		{"empty header", file(``, nil), "not a JSON object"},
		{"data after object", file(`{} {}`, nil), "data after"},
		{"invalid UTF-8", file("{\"\xff\":{}}", nil), "UTF-8"},
		{"duplicate names", file(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, le32(1, 2)), `"w" twice`},
		{"metadata not strings", file(`{"__metadata__":{"a":1}}`, nil), "__metadata__"},
		{"entry not an object", file(`{"w":[1]}`, nil), `tensor "w": want an object`},
		{"missing dtype", file(`{"w":{"shape":[2],"data_offsets":[0,8]}}`, le32(1, 2)), `tensor "w": dtype: missing`},
		{"missing shape", file(`{"w":{"dtype":"F32","data_offsets":[0,8]}}`, le32(1, 2)), `tensor "w": shape`},
		{"null shape", file(`{"w":{"dtype":"F32","shape":null,"data_offsets":[0,4]}}`, le32(1)), `tensor "w": shape`},
		{"missing offsets", file(`{"w":{"dtype":"F32","shape":[2]}}`, le32(1, 2)), `tensor "w": data_offsets`},
		{"unsupported dtype", file(`{"w":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}`, le32(1, 2)), `tensor "w": dtype: "C64" is not supported`},
		{"negative dim", file(`{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, le32(1, 2)), `tensor "w": shape: dimension 0 is negative`},
		{"fractional dim", file(`{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,8]}}`, le32(1, 2)), `tensor "w": shape`},
		{"negative offset", file(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}`, le32(1, 2)), `tensor "w": data_offsets`},
		{"three offsets", file(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}}`, le32(1, 2)), `tensor "w": data_offsets`},
		{"begin after end", file(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}`, le32(1, 2)), `tensor "w": data_offsets: begin 8 is after end 0`},
		{"size mismatch", file(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, le32(1, 2)), `tensor "w": data_offsets [0, 8] span 8 bytes, but shape [3] of F32 needs 12`},
		{"size overflow", file(`{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, le32(1, 2)), `needs more than 2^64`},
		{"offsets outside buffer", file(ok, le32(1)), `tensor "w": data_offsets [0, 8] reach past the 4-byte data buffer`},
		{"overlap", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, le32(1, 2)), `tensor "b": data_offsets [4, 8] overlap tensor "a"`},
		{"gap", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, le32(1, 2, 3)), `tensor "b": data_offsets [8, 12] leave a gap`},
		{"not at start", file(`{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, le32(1, 2)), `tensor "b": data_offsets [4, 8] leave a gap`},
		{"trailing bytes", file(ok, le32(1, 2, 3)), "data buffer is 12 bytes but the tensors cover 8"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".safetensors")
			if err := os.WriteFile(path, tt.raw, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := Read(path)
			if err == nil {
				t.Fatalf("Read succeeded with %d tensors, want an error containing %q", len(f.Tensors), tt.want)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) || !strings.Contains(msg, path) {
				t.Errorf("error %q does not name the file and contain %q", msg, tt.want)
			}
			// Open validates the same way.
			m, err := Open(path)
			if err == nil {
				m.Close()
				t.Fatalf("Open succeeded, want an error containing %q", tt.want)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.want) || !strings.Contains(msg, path) {
				t.Errorf("Open: error %q does not name the file and contain %q", msg, tt.want)
			}
		})
	}
}

func TestReadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.safetensors")
	if _, err := Read(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("got error %v, want one naming %s", err, path)
	}
}

func TestWriteInvalid(t *testing.T) {
	tests := []struct {
		name string
		file *File
		want string
	}{
		{"nil file", nil, "no file"},
		{"too few values", &File{Tensors: map[string]Tensor{"w": {Shape: []int{2, 3}, Data: seq(5)}}}, `tensor "w": shape [2 3] needs 6 values, but it has 5`},
		{"scalar without value", &File{Tensors: map[string]Tensor{"s": {}}}, `tensor "s": shape [] needs 1 values, but it has 0`},
		{"negative dim", &File{Tensors: map[string]Tensor{"w": {Shape: []int{-1, -2}, Data: seq(2)}}}, `tensor "w": dimension 0 of shape [-1 -2] is negative`},
		{"reserved name", &File{Tensors: map[string]Tensor{"__metadata__": {Shape: []int{1}, Data: seq(1)}}}, "reserved"},
		{"invalid UTF-8 name", &File{Tensors: map[string]Tensor{"\xff": {Shape: []int{1}, Data: seq(1)}}}, "UTF-8"},
		{"invalid UTF-8 metadata", &File{Meta: map[string]string{"k": "\xfe"}}, "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "x.safetensors")
			old := []byte("previous content")
			if err := os.WriteFile(path, old, 0o644); err != nil {
				t.Fatal(err)
			}
			err := Write(path, tt.file)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("got error %v, want one naming %s and containing %q", err, path, tt.want)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, old) {
				t.Errorf("the existing file changed to %q", got)
			}
			noTempFiles(t, dir, "x.safetensors")
		})
	}
}

// TestWriteFailureCleansUp makes the final rename fail (the destination is
// a non-empty directory) and checks that no temporary file is left.
func TestWriteFailureCleansUp(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "x.safetensors")
	if err := os.MkdirAll(filepath.Join(dest, "inner"), 0o755); err != nil {
		t.Fatal(err)
	}
	f := &File{Tensors: map[string]Tensor{"w": {Shape: []int{2}, Data: seq(2)}}}
	if err := Write(dest, f); err == nil {
		t.Fatal("Write over a directory succeeded")
	}
	noTempFiles(t, dir, "x.safetensors")
	if err := Write(filepath.Join(dir, "missing", "x.safetensors"), f); err == nil {
		t.Fatal("Write into a missing directory succeeded")
	}
}

func TestWriteReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.safetensors")
	first := &File{Tensors: map[string]Tensor{"w": {Shape: []int{3}, Data: seq(3)}}}
	second := &File{Tensors: map[string]Tensor{"v": {Shape: []int{1}, Data: []float32{9}}}, Meta: map[string]string{"step": "2"}}
	for _, f := range []*File{first, second} {
		if err := Write(path, f); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	sameFile(t, got, second)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", info.Mode().Perm())
	}
	noTempFiles(t, dir, "x.safetensors")
}

func TestNamesAndLookup(t *testing.T) {
	f := &File{Tensors: map[string]Tensor{
		"b": {Shape: []int{2}, Data: seq(2)}, "a": {Shape: []int{1, 1}, Data: seq(1)}, "B": {Shape: []int{}, Data: seq(1)},
	}}
	if got, want := strings.Join(f.Names(), ","), "B,a,b"; got != want {
		t.Errorf("Names() = %s, want %s", got, want)
	}
	tests := []struct {
		name  string
		shape []int
		want  string // "" for success, else a substring of the error
	}{
		{"a", []int{1, 1}, ""},
		{"B", nil, ""},
		{"a", []int{1}, `tensor "a" has shape [1 1], want [1]`},
		{"c", []int{1}, `no tensor "c"`},
	}
	for _, tt := range tests {
		got, err := f.Lookup(tt.name, tt.shape...)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("Lookup(%q, %v): %v", tt.name, tt.shape, err)
		case tt.want == "" && !sameBits(got.Data, f.Tensors[tt.name].Data):
			t.Errorf("Lookup(%q) returned the wrong tensor", tt.name)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("Lookup(%q, %v): error %v, want %q", tt.name, tt.shape, err, tt.want)
		}
	}
	var nilFile *File
	if nilFile.Names() != nil {
		t.Error("Names of a nil file is not nil")
	}
	if _, err := nilFile.Lookup("a"); err == nil {
		t.Error("Lookup on a nil file succeeded")
	}
}

// TestReadSkipsIntegerTensors reads a file holding, like a PyTorch state
// dict with BatchNorm, an I64 counter next to a float tensor.
func TestReadSkipsIntegerTensors(t *testing.T) {
	raw := file(`{"bn.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}`, append(le32(7, 0), le32(1, 2)...))
	path := filepath.Join(t.TempDir(), "mixed.safetensors")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Tensors["w"].Data; len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Errorf("w = %v", got)
	}
	if _, ok := f.Tensors["bn.num_batches_tracked"]; ok || f.Skipped["bn.num_batches_tracked"] != "I64" {
		t.Errorf("tensors %v, skipped %v: want the I64 counter skipped", f.Names(), f.Skipped)
	}
}
