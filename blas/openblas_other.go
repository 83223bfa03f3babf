//go:build !((darwin || freebsd || linux) && (amd64 || arm64)) || noopenblas

package blas

import (
	"runtime"

	"github.com/pkg/errors"
)

// openBLAS is unavailable on this platform or in this build: the type exists
// so that the portable code compiles, and loadOpenBLAS always fails.
type openBLAS struct{ gonumBackend }

func (*openBLAS) Name() string     { return OpenBLAS }
func (*openBLAS) config() string   { return "" }
func (*openBLAS) coreName() string { return "" }

func loadOpenBLAS() (*openBLAS, error) {
	return nil, errors.Errorf("OpenBLAS is not supported on %s/%s or with the noopenblas build tag", runtime.GOOS, runtime.GOARCH)
}

func (*openBLAS) serial() bool { return false }

func (*openBLAS) avx512Kernels() bool { return false }
