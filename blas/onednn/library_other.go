//go:build !(linux && (amd64 || arm64))

package onednn

import (
	"runtime"
	"unsafe"

	"github.com/pkg/errors"
)

// library is empty where the package cannot load oneDNN.
type library struct{ path, version, isa string }

func openLibrary([]string) (*library, error) {
	return nil, errors.Errorf("oneDNN is loaded on Linux (amd64, arm64) only, not %s/%s", runtime.GOOS, runtime.GOARCH)
}

func (*library) init() error { return nil }

func startWorker() {}

// Matmul fails where oneDNN cannot load.
func Matmul(Product, unsafe.Pointer, int, unsafe.Pointer, int, []float32, []float32) error {
	return Load()
}

// Packed is never made where oneDNN cannot load.
type Packed struct{}

// Pack fails where oneDNN cannot load.
func Pack(Product, unsafe.Pointer, int) (*Packed, error) { return nil, Load() }

// ErrOtherLayout is never returned where oneDNN cannot load.
var ErrOtherLayout = errors.New("onednn: the product wants the packed weights in another layout")

// AddLayout fails where oneDNN cannot load.
func (*Packed) AddLayout(Product, unsafe.Pointer, int) error { return Load() }

// Repack fails where oneDNN cannot load.
func (*Packed) Repack(unsafe.Pointer) error { return Load() }

// Matmul fails where oneDNN cannot load.
func (*Packed) Matmul(Product, unsafe.Pointer, int, []float32, []float32) error { return Load() }

// Free does nothing where oneDNN cannot load.
func (*Packed) Free() {}

// Bytes is 0 where oneDNN cannot load.
func (*Packed) Bytes() int { return 0 }

// Stats returns nothing where oneDNN cannot load.
func Stats() []Use { return nil }
