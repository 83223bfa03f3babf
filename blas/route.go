package blas

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/internal/isa"
)

// XWTEnvVar is the environment variable that forces the X·Wᵀ kernel's
// route: "auto" (the default: the products it is fastest for), "always"
// (every float32 A·Bᵀ product, whatever its size) or "off" (none: the
// backend computes them all). The kernel needs the avx512 level of
// package isa (AIM_ISA); "always" on a CPU without AVX-512 is an error.
const XWTEnvVar = "AIM_XWT"

// The X·Wᵀ kernel's routes.
const (
	xwtAuto int32 = iota
	xwtAlways
	xwtOff
)

var xwtNames = [...]string{xwtAuto: "auto", xwtAlways: "always", xwtOff: "off"}

var (
	xwtOnce sync.Once
	xwtErr  error
	xwt     atomic.Int32
)

// xwtMode returns the X·Wᵀ kernel's route, reading AIM_XWT on first use.
func xwtMode() int32 {
	initXWT()
	return xwt.Load()
}

// initXWT reads AIM_XWT once and returns the error of its value.
func initXWT() error {
	xwtOnce.Do(func() {
		v := os.Getenv(XWTEnvVar)
		mode, err := parseXWT(v)
		if err == nil && mode == xwtAlways && !isa.Supported(isa.AVX512) {
			err = errors.Errorf("the X·Wᵀ kernel needs AVX-512: %s", strings.Join(isa.Missing(isa.AVX512), ", ")+" missing")
		}
		if err != nil {
			xwtErr, mode = errors.Wrapf(err, "blas: %s=%q", XWTEnvVar, v), xwtAuto
		}
		xwt.Store(mode)
	})
	return xwtErr
}

// parseXWT returns the route called name.
func parseXWT(name string) (int32, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" {
		return xwtAuto, nil
	}
	for m, s := range xwtNames {
		if n == s {
			return int32(m), nil
		}
	}
	return xwtAuto, errors.Errorf("unknown X·Wᵀ kernel route %q (want auto, always or off)", name)
}

// setXWT switches the X·Wᵀ kernel's route (tests and benchmarks compare
// them) and returns a function that restores the previous one.
func setXWT(mode int32) (restore func()) {
	initXWT()
	prev := xwt.Swap(mode)
	return func() { xwt.Store(prev) }
}

// Routes describes the kernels the package runs on now, for logs and
// reports: the instruction-set level of the project's own kernels (package
// isa, AIM_ISA), the X·Wᵀ kernel's route (AIM_XWT) and the backend, such
// as "isa avx512, X·Wᵀ kernel auto, backend openblas (SkylakeX)".
func Routes() string {
	xw := xwtNames[xwtMode()]
	if !hasNTKernel() {
		xw = "off (needs avx512)"
	}
	backend := Backend()
	if ob, ok := current().(*openBLAS); ok {
		backend += " (" + ob.coreName() + ")"
	}
	return fmt.Sprintf("isa %s, X·Wᵀ kernel %s, backend %s", isa.Active(), xw, backend)
}
