package checkpoint

import (
	"encoding/binary"
	"math"
	"unsafe"

	"github.com/aim-go/aim/internal/half"
)

// dtype is a safetensors element type that Read can convert to float32.
type dtype struct {
	name    string
	size    uint64
	convert func(dst []float32, src []byte) // len(src) == len(dst)·size
}

var dtypes = map[string]dtype{
	"F32":  {"F32", 4, fromF32},
	"F64":  {"F64", 8, fromF64},
	"F16":  {"F16", 2, fromF16},
	"BF16": {"BF16", 2, fromBF16},
	// Integer and boolean tensors (PyTorch's BatchNorm num_batches_tracked,
	// for instance) are not model weights: Read skips them and lists them in
	// File.Skipped.
	"BOOL": {"BOOL", 1, nil}, "U8": {"U8", 1, nil}, "I8": {"I8", 1, nil},
	"U16": {"U16", 2, nil}, "I16": {"I16", 2, nil},
	"U32": {"U32", 4, nil}, "I32": {"I32", 4, nil},
	"U64": {"U64", 8, nil}, "I64": {"I64", 8, nil},
}

func fromF32(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
}

func fromF64(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:])))
	}
}

func fromF16(dst []float32, src []byte) {
	if u, ok := nativeUint16s(src, len(dst)); ok {
		for i, h := range u {
			dst[i] = half.F16(h)
		}
		return
	}
	for i := range dst {
		dst[i] = half.F16(binary.LittleEndian.Uint16(src[2*i:]))
	}
}

// fromBF16 widens bfloat16 values, the top halves of float32 ones.
func fromBF16(dst []float32, src []byte) {
	if u, ok := nativeUint16s(src, len(dst)); ok {
		bits := unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(dst))), len(dst))
		for i, h := range u {
			bits[i] = uint32(h) << 16
		}
		return
	}
	for i := range dst {
		dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(src[2*i:])) << 16)
	}
}

// nativeUint16s views src as n uint16 values where the machine is
// little-endian (the file's order) and src is aligned for them: a loop
// over the view converts several times faster than decoding byte pairs.
func nativeUint16s(src []byte, n int) ([]uint16, bool) {
	if !littleEndian || n == 0 || len(src) < 2*n || uintptr(unsafe.Pointer(unsafe.SliceData(src)))%2 != 0 {
		return nil, false
	}
	return unsafe.Slice((*uint16)(unsafe.Pointer(unsafe.SliceData(src))), n), true
}
