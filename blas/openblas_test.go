//go:build (darwin || freebsd || linux) && (amd64 || arm64) && !noopenblas

package blas

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ebitengine/purego"
	gblas "gonum.org/v1/gonum/blas"
)

func TestOpenMissingLibrary(t *testing.T) {
	_, err := openFirst([]string{"/nonexistent/libopenblas.so.0"})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/libopenblas.so.0") {
		t.Errorf("openFirst(missing) error = %v, want one naming the path", err)
	}
}

func TestOpenBLASConfig(t *testing.T) {
	lib, err := loadOpenBLAS()
	if err != nil {
		t.Skip(err)
	}
	t.Logf("%s: %s, %d threads", lib.path, lib.config(), lib.Threads())
	if !strings.Contains(lib.config(), "OpenBLAS") {
		t.Errorf("config %q does not name OpenBLAS", lib.config())
	}
}

// BenchmarkCallOverhead compares the two ways purego can call OpenBLAS's
// sgemm on small products: the Fortran sgemm_ through purego.SyscallN, which
// the package uses, and cblas_sgemm through a purego.RegisterFunc function,
// which converts its arguments by reflection on every call.
func BenchmarkCallOverhead(b *testing.B) {
	lib, err := loadOpenBLAS()
	if err != nil {
		b.Skip(err)
	}
	h, err := purego.Dlopen(lib.path, purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		b.Fatal(err)
	}
	addr, err := purego.Dlsym(h, "cblas_sgemm")
	if err != nil {
		b.Skip(err)
	}
	var cblasSgemm func(order, tA, tB, m, n, k int32, alpha float32, a *float32, lda int32, b *float32, ldb int32, beta float32, c *float32, ldc int32)
	purego.RegisterFunc(&cblasSgemm, addr)
	const rowMajor, noTrans = 101, 111
	for _, s := range []int{2, 8, 49} {
		r := rand.New(rand.NewPCG(1, 1))
		x, y, c := randSlice[float32](r, s*s), randSlice[float32](r, s*s), make([]float32, s*s)
		n := int32(s)
		b.Run(fmt.Sprintf("fortran-SyscallN/%dx%dx%d", s, s, s), func(b *testing.B) {
			for b.Loop() {
				lib.Sgemm(gblas.NoTrans, gblas.NoTrans, s, s, s, 1, x, s, y, s, 0, c, s)
			}
		})
		b.Run(fmt.Sprintf("cblas-RegisterFunc/%dx%dx%d", s, s, s), func(b *testing.B) {
			for b.Loop() {
				cblasSgemm(rowMajor, noTrans, noTrans, n, n, n, 1, &x[0], n, &y[0], n, 0, &c[0], n)
			}
		})
	}
}
