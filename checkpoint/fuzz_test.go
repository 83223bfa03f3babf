package checkpoint

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// FuzzRead feeds arbitrary bytes to the reader. Whatever it accepts must be
// self-consistent, read the same through Open, and survive a write and a
// second read unchanged; what it refuses Open refuses too.
func FuzzRead(f *testing.F) {
	seeds := []*File{
		{Tensors: map[string]Tensor{}},
		{Tensors: map[string]Tensor{"s": {Shape: []int{}, Data: []float32{1}}}},
		{
			Tensors: map[string]Tensor{"w": {Shape: []int{2, 3}, Data: seq(6)}, "b": {Shape: []int{3}, Data: seq(3)}, "z": {Shape: []int{0, 4}, Data: []float32{}}},
			Meta:    map[string]string{"format": "pt"},
		},
	}
	for _, s := range seeds {
		var buf bytes.Buffer
		if err := encode(&buf, s); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	for _, s := range []struct{ header, data string }{
		{`{"t":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, "\x00\x3c\x00\x7c"},
		{`{"t":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}}`, "\x80\x3f"},
		{`{"t":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}`, "\x00\x00\x00\x00\x00\x00\xf0\x3f"},
		{`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, "12345678"},
		{`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, "12345678"},
		{`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, "1234"},
		{`{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`, "12345678"},
		{`{"__metadata__":{"k":"v"}} `, ""},
		{`{"a":`, ""},
	} {
		f.Add(file(s.header, []byte(s.data)))
	}
	f.Add(binary.LittleEndian.AppendUint64(nil, 1<<40))
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := decode(bytes.NewReader(raw), int64(len(raw)))
		mapped, mapErr := parseMapped("fuzz", &region{bytes: raw})
		if (err == nil) != (mapErr == nil) {
			t.Fatalf("Read and Open disagree: %v / %v", err, mapErr)
		}
		if err != nil {
			return
		}
		for name, tn := range got.Tensors {
			m, err := mapped.Lookup(name, tn.Shape...)
			if err != nil || !sameBits(m.Data, tn.Data) {
				t.Fatalf("tensor %q: Open gives %v (%v), Read %v", name, m.Data, err, tn.Data)
			}
		}
		if len(mapped.Names()) != len(got.Tensors) {
			t.Fatalf("Open lists %d tensors, Read %d", len(mapped.Names()), len(got.Tensors))
		}
		for name, tn := range got.Tensors {
			if err := checkTensor(tn); err != nil {
				t.Fatalf("tensor %q read as inconsistent: %v", name, err)
			}
		}
		var buf bytes.Buffer
		if err := check(got); err != nil {
			t.Fatalf("accepted file cannot be written: %v", err)
		}
		if err := encode(&buf, got); err != nil {
			t.Fatal(err)
		}
		again, err := decode(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatalf("re-reading the written file: %v", err)
		}
		sameFile(t, again, got)
	})
}
