// Package halffile writes safetensors files of BF16 or F16 tensors for
// tests: the 16-bit checkpoints the project reads in place, made from
// float32 ones by rounding each value to the nearest 16-bit value.
package halffile

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"sort"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/checkpoint"
)

// Write writes the float tensors of f to path as dtype ("BF16" or "F16"),
// rounded to nearest, ties to even (binary16: values below 2⁻¹⁴ flushed to
// zero, which model weights in tests never are), its int64 tensors as I64,
// and its metadata.
func Write(path, dtype string, f *checkpoint.File) error {
	if dtype != "BF16" && dtype != "F16" {
		return errors.Errorf("halffile: dtype %q is neither BF16 nor F16", dtype)
	}
	names := make([]string, 0, len(f.Tensors)+len(f.Int64s))
	for name := range f.Tensors {
		names = append(names, name)
	}
	for name := range f.Int64s {
		names = append(names, name)
	}
	sort.Strings(names)
	header := map[string]any{}
	if len(f.Meta) > 0 {
		header["__metadata__"] = f.Meta
	}
	var data []byte
	for _, name := range names {
		begin := len(data)
		if t, ok := f.Int64s[name]; ok {
			for _, v := range t.Data {
				data = binary.LittleEndian.AppendUint64(data, uint64(v))
			}
			header[name] = map[string]any{"dtype": "I64", "shape": t.Shape, "data_offsets": []int{begin, len(data)}}
			continue
		}
		t := f.Tensors[name]
		for _, v := range t.Data {
			data = binary.LittleEndian.AppendUint16(data, Round(dtype, v))
		}
		header[name] = map[string]any{"dtype": dtype, "shape": t.Shape, "data_offsets": []int{begin, len(data)}}
	}
	h, err := json.Marshal(header)
	if err != nil {
		return errors.Wrap(err, "halffile")
	}
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	raw := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	raw = append(append(raw, h...), data...)
	return errors.Wrap(os.WriteFile(path, raw, 0o644), "halffile")
}

// Round rounds v to the nearest BF16 or F16 value (ties to even) and
// returns its bits.
func Round(dtype string, v float32) uint16 {
	u := math.Float32bits(v)
	if dtype == "BF16" {
		if v != v {
			return uint16(u>>16) | 0x40 // keep a NaN a NaN
		}
		u += 0x7fff + (u>>16)&1
		return uint16(u >> 16)
	}
	sign, e := uint16(u>>16)&0x8000, int(u>>23&0xff)-127+15
	switch {
	case v != v:
		return sign | 0x7e00
	case e >= 31:
		return sign | 0x7c00 // overflow (and Inf): infinity
	case e <= 0:
		return sign // flushed to zero
	}
	m := u & 0x7fffff
	h := uint32(e)<<10 | m>>13
	if rest := m & 0x1fff; rest > 0x1000 || rest == 0x1000 && h&1 == 1 {
		h++ // may carry into the exponent, which is still right
	}
	return sign | uint16(h)
}
