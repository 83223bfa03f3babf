package halffile

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"sort"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/internal/half"
)

// Write writes the float tensors of f to path as dtype ("BF16" or "F16"),
// rounded by half.ToBF16 or half.ToF16, its int64 tensors as I64, and its
// metadata.
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
			header[name] = map[string]any{"dtype": "I64", "shape": shapeOf(t.Shape), "data_offsets": []int{begin, len(data)}}
			continue
		}
		t, narrow := f.Tensors[name], half.ToF16
		if dtype == "BF16" {
			narrow = half.ToBF16
		}
		for _, v := range t.Data {
			data = binary.LittleEndian.AppendUint16(data, narrow(v))
		}
		header[name] = map[string]any{"dtype": dtype, "shape": shapeOf(t.Shape), "data_offsets": []int{begin, len(data)}}
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

// shapeOf is shape as the header's JSON array: [] for a scalar, not null.
func shapeOf(shape []int) []int {
	if shape == nil {
		return []int{}
	}
	return shape
}
