package onednn

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"unsafe"

	"github.com/pkg/errors"
)

// LibEnvVar names an environment variable that, when set, is the path of
// the oneDNN library to load instead of the system's libdnnl.so.2.
const LibEnvVar = "AIM_ONEDNN_LIB"

// Package is the Debian package that provides the library.
const Package = "libdnnl2"

// DataType is the element type of a product's operands.
type DataType int32

// The element types of oneDNN (dnnl_data_type_t) that products use.
const (
	BF16 DataType = 2 // dnnl_bf16
	F32  DataType = 3 // dnnl_f32
)

func (t DataType) String() string {
	switch t {
	case BF16:
		return "bf16"
	case F32:
		return "f32"
	}
	return fmt.Sprintf("DataType(%d)", int32(t))
}

// size returns the bytes of one element.
func (t DataType) size() int {
	if t == BF16 {
		return 2
	}
	return 4
}

var (
	loadOnce sync.Once
	loaded   *library
	loadErr  error
)

// Load loads the library and starts the thread that calls it, on its first
// call; every call returns the outcome of the first. The error names the
// library and the Debian package that provides it.
func Load() error {
	loadOnce.Do(func() {
		chooseWaitPolicy()
		loaded, loadErr = openLibrary(candidates())
		if loadErr != nil {
			loadErr = errors.Wrapf(loadErr, "oneDNN is needed for bf16 products: install Debian's %s (apt-get install %s) or set %s to the path of libdnnl.so.2", Package, Package, LibEnvVar)
			return
		}
		startWorker()
		loadErr = loaded.init()
	})
	return loadErr
}

// chooseWaitPolicy sets OMP_WAIT_POLICY=passive, unless it or
// GOMP_SPINCOUNT is set, before libgomp loads and reads them: by default
// libgomp's threads spin for some milliseconds after each product, on the
// cores where the Go code between products (norms, attention, rounding)
// then runs (docs/performance.md, "bf16", has the measurement).
// Passive threads sleep at once and wake for the next product.
func chooseWaitPolicy() {
	if os.Getenv("OMP_WAIT_POLICY") == "" && os.Getenv("GOMP_SPINCOUNT") == "" {
		os.Setenv("OMP_WAIT_POLICY", "passive")
	}
}

// candidates lists the library names tried, in order.
func candidates() []string {
	if p := os.Getenv(LibEnvVar); p != "" {
		return []string{p}
	}
	return []string{"libdnnl.so.2", "/usr/lib/x86_64-linux-gnu/libdnnl.so.2", "/usr/lib/aarch64-linux-gnu/libdnnl.so.2", "libdnnl.so"}
}

// Version returns oneDNN's version ("2.6.3"), or "" when it is not loaded.
func Version() string {
	if Load() != nil {
		return ""
	}
	return loaded.version
}

// Path returns the file the library was loaded from.
func Path() string {
	if Load() != nil {
		return ""
	}
	return loaded.path
}

// ISA returns the instruction set oneDNN dispatches to on this CPU (capped
// by DNNL_MAX_CPU_ISA): "avx512_core_amx", "avx512_core_bf16",
// "avx512_core", "avx2", ...; "" when it is not loaded.
func ISA() string {
	if Load() != nil {
		return ""
	}
	return loaded.isa
}

// isaNames are the values of dnnl_cpu_isa_t (oneDNN 2.6).
var isaNames = map[int32]string{
	0x0: "all", 0x1: "sse41", 0x3: "avx", 0x7: "avx2", 0xf: "avx512_mic",
	0x1f: "avx512_mic_4ops", 0x27: "avx512_core", 0x67: "avx512_core_vnni",
	0xe7: "avx512_core_bf16", 0x3e7: "avx512_core_amx", 0x407: "avx2_vnni",
}

// NativeBF16 reports whether the effective ISA multiplies bf16 in hardware
// (AVX512-BF16 or AMX); on older ones oneDNN emulates bf16, slowly.
func NativeBF16() bool {
	switch ISA() {
	case "avx512_core_bf16", "avx512_core_amx":
		return true
	}
	return false
}

// statusNames are the values of dnnl_status_t.
var statusNames = []string{"success", "out of memory", "invalid arguments", "unimplemented", "iterator ends", "runtime error", "not required"}

// check turns a dnnl_status_t into an error naming the call.
func check(call string, status uintptr) error {
	s := int32(status)
	if s == 0 {
		return nil
	}
	name := fmt.Sprintf("status %d", s)
	if s > 0 && int(s) < len(statusNames) {
		name = statusNames[s]
	}
	return errors.Errorf("oneDNN %s: %s", call, name)
}

// cString reads a NUL-terminated C string.
func cString(p uintptr) string {
	if p == 0 {
		return ""
	}
	var b strings.Builder
	for i := 0; ; i++ {
		c := *(*byte)(unsafe.Add(pointer(p), i))
		if c == 0 {
			return b.String()
		}
		b.WriteByte(c)
	}
}

// pointer turns an address the library returned into a pointer (memory the
// library owns, which Go's collector never moves or frees).
func pointer(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }

var (
	bf16Once sync.Once
	bf16Err  error
)

// CheckBF16 returns why bf16 products cannot run here: oneDNN missing, or
// an ISA (below AVX-512) for which oneDNN has no bf16 matmul at all. It
// tries a one-element product once.
func CheckBF16() error {
	bf16Once.Do(func() {
		if bf16Err = Load(); bf16Err != nil {
			return
		}
		one := []uint16{0x3f80} // 1.0
		c := []float32{0}
		p := Product{M: 1, N: 1, K: 1, LDA: 1, LDB: 1, LDC: 1, Type: BF16, Alpha: 1}
		if err := Matmul(p, unsafe.Pointer(&one[0]), 1, unsafe.Pointer(&one[0]), 1, nil, c); err != nil || c[0] != 1 {
			bf16Err = errors.Errorf("oneDNN %s has no bf16 products on this CPU (its ISA: %s; bf16 needs AVX-512 at least): use f32 precision (%v)", Version(), ISA(), err)
		}
	})
	return bf16Err
}
