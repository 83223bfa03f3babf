package checkpoint

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aim-go/aim/internal/half"
)

// writeRaw writes raw bytes to a file in a temporary directory.
func writeRaw(t *testing.T, raw []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Open reads every dtype to the same values as Read, skips integer tensors
// the same way, and keeps the metadata.
func TestOpenMatchesRead(t *testing.T) {
	header := `{"__metadata__":{"k":"v"},` +
		`"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},` +
		`"b":{"dtype":"BF16","shape":[3],"data_offsets":[8,14]},` +
		`"c":{"dtype":"F16","shape":[1],"data_offsets":[14,16]},` +
		`"n":{"dtype":"I64","shape":[],"data_offsets":[16,24]},` +
		`"d":{"dtype":"F32","shape":[1],"data_offsets":[24,28]}}`
	data := cat(le32(1.5, -0.25), []byte{0x80, 0x3f, 0x40, 0xc0, 0x20, 0x3e}, []byte{0x00, 0x3c}, make([]byte, 8), le32(7))
	path := writeRaw(t, file(header, data))
	read, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if got, want := strings.Join(m.Names(), ","), strings.Join(read.Names(), ","); got != want {
		t.Fatalf("names %s, Read gives %s", got, want)
	}
	for _, name := range read.Names() {
		want := read.Tensors[name]
		got, err := m.Lookup(name, want.Shape...)
		if err != nil || !sameBits(got.Data, want.Data) {
			t.Errorf("tensor %s: %v (%v), Read gives %v", name, got.Data, err, want.Data)
		}
	}
	if m.Meta["k"] != "v" || m.Skipped["n"] != "I64" {
		t.Errorf("metadata %v, skipped %v", m.Meta, m.Skipped)
	}
	if _, err := m.Lookup("a", 3); err == nil || !strings.Contains(err.Error(), "has shape [2]") {
		t.Errorf("a wrong shape: %v", err)
	}
	if err := m.Float32("a", make([]float32, 3)); err == nil {
		t.Error("converting into a buffer of the wrong size succeeded")
	}
	if _, err := m.Lookup("zz"); err == nil || !strings.Contains(err.Error(), `"zz"`) {
		t.Errorf("a missing tensor: %v", err)
	}
}

// An F32 tensor is viewed in place: no copy, and a write stays private to
// the process (the file is unchanged).
func TestViewIsInPlaceAndCopyOnWrite(t *testing.T) {
	header := `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]}}`
	path := writeRaw(t, file(header+strings.Repeat(" ", (8-len(header)%8)%8), cat(le32(1.5, -0.25), []byte{0x80, 0x3f, 0x80, 0x3f})))
	m, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	v, ok := m.View("a")
	if !ok || !sameBits(v, []float32{1.5, -0.25}) {
		t.Fatalf("View(a) = %v, %v", v, ok)
	}
	v2, _ := m.View("a")
	if &v[0] != &v2[0] {
		t.Error("two views of one tensor are not the same memory")
	}
	if _, ok := m.View("b"); ok {
		t.Error("a BF16 tensor was viewed as float32")
	}
	v[0] = 42
	m.Release("b") // a hint; must not disturb the other tensor
	if again, _ := m.Lookup("a", 2); again.Data[0] != 42 {
		t.Errorf("a write to the view is not seen by the open file: %v", again.Data)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	back, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Tensors["a"].Data[0] != 1.5 {
		t.Errorf("writing to a view changed the file: %v", back.Tensors["a"].Data)
	}
	if _, err := m.Lookup("a", 2); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Lookup after Close: %v", err)
	}
}

func TestOpenRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("Open(directory): %v", err)
	}
	missing := filepath.Join(dir, "absent.safetensors")
	if _, err := Open(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("Open(missing): %v", err)
	}
}

func TestCountNonFinite(t *testing.T) {
	got := CountNonFinite("x", []float32{1, float32(math.NaN()), float32(math.Inf(-1)), float32(math.Inf(1))})
	if got.NaN != 1 || got.Inf != 2 || got.Len != 4 || got.Name != "x" {
		t.Errorf("CountNonFinite = %+v", got)
	}
}

// An int64 counter such as BatchNorm's num_batches_tracked is written as
// I64 and read back.
func TestInt64RoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bn.safetensors")
	f := &File{
		Tensors: map[string]Tensor{"head.bn.running_mean": {Shape: []int{2}, Data: []float32{1, 2}}},
		Int64s:  map[string]Int64Tensor{"head.bn.num_batches_tracked": {Shape: []int{}, Data: []int64{1 << 40}}},
	}
	if err := Write(path, f); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if !strings.Contains(string(raw), `"head.bn.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[0,8]}`) {
		t.Errorf("header %q", raw[8:120])
	}
	back, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Int64s["head.bn.num_batches_tracked"]; len(got.Data) != 1 || got.Data[0] != 1<<40 || len(got.Shape) != 0 {
		t.Errorf("read back %+v", got)
	}
	if back.Skipped["head.bn.num_batches_tracked"] != "I64" || len(back.Tensors) != 1 {
		t.Errorf("tensors %v, skipped %v", back.Names(), back.Skipped)
	}
	f.Tensors["head.bn.num_batches_tracked"] = Tensor{Shape: []int{}, Data: []float32{0}}
	if err := Write(path, f); err == nil || !strings.Contains(err.Error(), "both") {
		t.Errorf("a name both float and int64: %v", err)
	}
}

// The half-precision conversions give the same values from aligned and
// unaligned bytes (the fast path views aligned bytes as uint16s).
func TestHalfConversionsAlignedOrNot(t *testing.T) {
	const n = 1 << 16 // every bit pattern
	raw := make([]byte, 2*n+1)
	for h := 0; h < n; h++ {
		raw[1+2*h], raw[2+2*h] = byte(h), byte(h>>8)
	}
	for _, conv := range []struct {
		name string
		f    func([]float32, []byte)
	}{{"F16", fromF16}, {"BF16", fromBF16}} {
		aligned := append([]byte(nil), raw[1:]...)
		a, u := make([]float32, n), make([]float32, n)
		conv.f(a, aligned)
		conv.f(u, raw[1:]) // raw[1:] starts at an odd address
		if !sameBits(a, u) {
			t.Fatalf("%s: aligned and unaligned conversions differ", conv.name)
		}
		if conv.name == "BF16" && math.Float32bits(a[0x3f80]) != 0x3f800000 {
			t.Errorf("BF16 0x3f80 is %v, want 1", a[0x3f80])
		}
		if conv.name == "F16" && a[0x3c00] != 1 {
			t.Errorf("F16 0x3c00 is %v, want 1", a[0x3c00])
		}
	}
}

// A single NaN or infinity is found wherever it sits: in the unrolled part
// of the scan or in its tail.
func TestCountNonFiniteEveryPosition(t *testing.T) {
	for n := 1; n <= 21; n++ {
		for pos := 0; pos < n; pos++ {
			for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(-1))} {
				data := make([]float32, n)
				for i := range data {
					data[i] = float32(i) - 3.5
				}
				data[pos] = bad
				got := CountNonFinite("x", data)
				if got.NaN+got.Inf != 1 {
					t.Fatalf("n=%d, %v at %d: counted %+v", n, bad, pos, got)
				}
			}
		}
	}
	if got := CountNonFinite("x", []float32{math.MaxFloat32, -math.MaxFloat32, 0x1p-149}); got.NaN+got.Inf != 0 {
		t.Errorf("finite extremes counted as non-finite: %+v", got)
	}
}

// BF16 and F16 tensors are viewed in place as their 16-bit patterns, which
// widen to the values Lookup converts; other dtypes are not.
func TestHalfView(t *testing.T) {
	header := `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[3],"data_offsets":[8,14]},"c":{"dtype":"F16","shape":[2],"data_offsets":[14,18]}}`
	path := writeRaw(t, file(header+strings.Repeat(" ", (8-len(header)%8)%8), cat(le32(1.5, -0.25), []byte{0x80, 0x3f, 0x40, 0xc0, 0x20, 0x3e}, []byte{0x00, 0x3c, 0x01, 0x00})))
	m, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for name, widen := range map[string]func(uint16) float32{"b": half.BF16, "c": half.F16} {
		dtype, bits, ok := m.HalfView(name)
		want, _ := m.Lookup(name, len(bits))
		if d, _ := m.Dtype(name); !ok || dtype != d || len(bits) == 0 {
			t.Fatalf("HalfView(%s) = %s, %v, %v", name, dtype, bits, ok)
		}
		for i, h := range bits {
			if widen(h) != want.Data[i] {
				t.Errorf("%s value %d: bits %#04x, Lookup gives %v", name, i, h, want.Data[i])
			}
		}
	}
	if _, _, ok := m.HalfView("a"); ok {
		t.Error("an F32 tensor was viewed as 16-bit values")
	}
	if _, _, ok := m.HalfView("zz"); ok {
		t.Error("a missing tensor was viewed")
	}
}
