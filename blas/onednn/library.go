//go:build linux && (amd64 || arm64)

package onednn

import (
	"fmt"
	"runtime"
	"unsafe"

	"github.com/ebitengine/purego"
	"github.com/pkg/errors"

	"github.com/aim-go/aim/internal/dynlib"
)

// library holds the loaded library's entry points, its engine and stream.
// Every entry point takes integers and pointers only, so purego.SyscallN
// calls it without reflection; dnnl_post_ops_append_sum, whose scale is a
// float passed by value, goes through purego.RegisterLibFunc.
type library struct {
	path, version, isa string
	engine, stream     uintptr
	fn                 symbols
	appendSum          func(postOps uintptr, scale float32) int32
}

// symbols are the addresses of the C functions called.
type symbols struct {
	engineCreate, streamCreate, streamWait                                       uintptr
	mdByStrides, mdByTag, mdEqual, mdSize                                        uintptr
	matmulDesc, pdCreate, pdQuery, pdQueryMD, pdDestroy                          uintptr
	attrCreate, attrDestroy, attrOutputScales, attrPostOps                       uintptr
	postOpsCreate, postOpsDestroy                                                uintptr
	primCreate, primExecute, primDestroy, reorderPD                              uintptr
	memCreate, memSetHandle, memGetHandle, memDestroy, effectiveISA, versionInfo uintptr
}

// openLibrary loads the first of paths that opens.
func openLibrary(paths []string) (*library, error) { return dynlib.First("oneDNN", paths, open) }

// open loads path and resolves the functions the package calls.
func open(path string) (*library, error) {
	lib := &library{path: path}
	f := &lib.fn
	h, err := dynlib.Open(path, dynlib.Symbols{
		"dnnl_engine_create":                    &f.engineCreate,
		"dnnl_stream_create":                    &f.streamCreate,
		"dnnl_stream_wait":                      &f.streamWait,
		"dnnl_memory_desc_init_by_strides":      &f.mdByStrides,
		"dnnl_memory_desc_init_by_tag":          &f.mdByTag,
		"dnnl_memory_desc_equal":                &f.mdEqual,
		"dnnl_memory_desc_get_size":             &f.mdSize,
		"dnnl_matmul_desc_init":                 &f.matmulDesc,
		"dnnl_primitive_desc_create":            &f.pdCreate,
		"dnnl_primitive_desc_query":             &f.pdQuery,
		"dnnl_primitive_desc_query_md":          &f.pdQueryMD,
		"dnnl_primitive_desc_destroy":           &f.pdDestroy,
		"dnnl_primitive_attr_create":            &f.attrCreate,
		"dnnl_primitive_attr_destroy":           &f.attrDestroy,
		"dnnl_primitive_attr_set_output_scales": &f.attrOutputScales,
		"dnnl_primitive_attr_set_post_ops":      &f.attrPostOps,
		"dnnl_post_ops_create":                  &f.postOpsCreate,
		"dnnl_post_ops_destroy":                 &f.postOpsDestroy,
		"dnnl_primitive_create":                 &f.primCreate,
		"dnnl_primitive_execute":                &f.primExecute,
		"dnnl_primitive_destroy":                &f.primDestroy,
		"dnnl_reorder_primitive_desc_create":    &f.reorderPD,
		"dnnl_memory_create":                    &f.memCreate,
		"dnnl_memory_set_data_handle":           &f.memSetHandle,
		"dnnl_memory_get_data_handle":           &f.memGetHandle,
		"dnnl_memory_destroy":                   &f.memDestroy,
		"dnnl_get_effective_cpu_isa":            &f.effectiveISA,
		"dnnl_version":                          &f.versionInfo,
	})
	if err != nil {
		return nil, err
	}
	purego.RegisterLibFunc(&lib.appendSum, h, "dnnl_post_ops_append_sum")
	return lib, nil
}

// call calls fn with integer and pointer arguments and returns its result.
func call(fn uintptr, args ...uintptr) uintptr {
	r, _, _ := purego.SyscallN(fn, args...)
	return r
}

// init reads the version and ISA and creates the CPU engine and stream; it
// runs on the worker thread.
func (l *library) init() error {
	return do(func() error {
		v := (*[3]int32)(pointer(call(l.fn.versionInfo)))
		l.version = fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2])
		if v[0] != 2 {
			return errors.Errorf("%s is oneDNN %s; this build speaks oneDNN 2's C API (Debian 12's %s is 2.6.3)", l.path, l.version, Package)
		}
		code := int32(call(l.fn.effectiveISA))
		if l.isa = isaNames[code]; l.isa == "" {
			l.isa = fmt.Sprintf("isa 0x%x", code)
		}
		const cpuEngine, defaultFlags = 1, 1
		if err := check("engine_create", call(l.fn.engineCreate, uintptr(unsafe.Pointer(&l.engine)), cpuEngine, 0)); err != nil {
			return err
		}
		return check("stream_create", call(l.fn.streamCreate, uintptr(unsafe.Pointer(&l.stream)), l.engine, defaultFlags))
	})
}

// calls carries work to the goroutine that makes every oneDNN call.
var calls = make(chan func())

// startWorker starts the goroutine, locked to its OS thread for good (see
// the package documentation: libgomp's thread team belongs to it).
func startWorker() {
	go func() {
		runtime.LockOSThread()
		for f := range calls {
			f()
		}
	}()
}

// do runs f on the worker thread and returns its error.
func do(f func() error) error {
	done := make(chan error, 1)
	calls <- func() { done <- f() }
	return <-done
}
