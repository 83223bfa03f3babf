package blas

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/pkg/errors"
	gblas "gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/aim-go/aim/internal/isa"
)

// Float is the element type of the matrices: float32 or float64.
type Float interface{ ~float32 | ~float64 }

// Names of the backends, as reported by Backend and accepted by Use.
const (
	OpenBLAS = "openblas"
	Gonum    = "gonum"
)

// Environment variables read on first use: EnvVar picks the backend and
// LibEnvVar, when set, is the one OpenBLAS library to try.
const (
	EnvVar    = "AIM_BLAS"
	LibEnvVar = "AIM_BLAS_LIB"
)

// backend is what Gemm and Implementation need from a BLAS library. The
// method signatures are gonum's, so row-major throughout.
type backend interface {
	Name() string
	Sgemm(tA, tB gblas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
	Dgemm(tA, tB gblas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int)
	Sgemv(tA gblas.Transpose, m, n int, alpha float32, a []float32, lda int, x []float32, incX int, beta float32, y []float32, incY int)
	Dgemv(tA gblas.Transpose, m, n int, alpha float64, a []float64, lda int, x []float64, incX int, beta float64, y []float64, incY int)
	SetThreads(n int)
	Threads() int
}

// gonumBackend is gonum's pure-Go BLAS. It parallelises large products over
// GOMAXPROCS goroutines by itself and has no thread setting.
type gonumBackend struct{ gonum.Implementation }

func (gonumBackend) Name() string   { return Gonum }
func (gonumBackend) SetThreads(int) {}
func (gonumBackend) Threads() int   { return runtime.GOMAXPROCS(0) }

var (
	initOnce sync.Once
	initErr  error
	active   atomic.Pointer[backend]
)

// Init picks the backend from the AIM_BLAS environment variable, if neither
// Init nor Use has run yet, and the kernels' routes from AIM_ISA (package
// isa) and AIM_XWT, and returns the error of that choice: an unknown value
// of one of them, AIM_BLAS=openblas with no loadable OpenBLAS, or a route
// this CPU cannot run (AIM_ISA or OPENBLAS_CORETYPE asking for
// instructions it lacks, AIM_XWT=always without AVX-512). On error the
// package still works, on gonum for a backend and on the best route the
// CPU runs for the others. Every other function calls Init
// implicitly; calling it at start-up only serves to see the error.
func Init() error {
	initOnce.Do(func() {
		b, err := fromEnv(os.Getenv(EnvVar))
		initErr = err
		active.Store(&b)
	})
	for _, err := range []error{initErr, isa.Init(), initXWT()} {
		if err != nil {
			return err
		}
	}
	return nil
}

// fromEnv returns the backend that the value of AIM_BLAS asks for, and gonum
// with an error when that cannot be had.
func fromEnv(v string) (backend, error) {
	switch name := strings.ToLower(strings.TrimSpace(v)); name {
	case "", "auto":
		ob, err := loadOpenBLAS()
		if err == nil {
			return ob, nil
		}
		var coreErr coreTypeError
		if errors.As(err, &coreErr) { // asked for, not merely missing
			return gonumBackend{}, errors.Wrap(err, "blas")
		}
		return gonumBackend{}, nil
	default:
		b, err := byName(name)
		if err != nil {
			return gonumBackend{}, errors.Wrapf(err, "blas: %s=%q", EnvVar, v)
		}
		return b, nil
	}
}

// byName returns the backend called name ("openblas" or "gonum").
func byName(name string) (backend, error) {
	switch name {
	case Gonum:
		return gonumBackend{}, nil
	case OpenBLAS:
		ob, err := loadOpenBLAS()
		if err != nil {
			return nil, err
		}
		return ob, nil
	default:
		return nil, errors.Errorf("unknown BLAS backend %q (want %q or %q)", name, OpenBLAS, Gonum)
	}
}

// Use switches every later call of the package to the backend called name:
// "openblas", "gonum", or "auto" (OpenBLAS if it loads, else gonum). It
// overrides AIM_BLAS, which is no longer consulted after Use succeeds. On
// error the active backend is left unchanged.
func Use(name string) error {
	var b backend
	switch n := strings.ToLower(strings.TrimSpace(name)); n {
	case "", "auto":
		b, _ = fromEnv("")
	default:
		var err error
		if b, err = byName(n); err != nil {
			return errors.Wrap(err, "blas: cannot switch backend")
		}
	}
	initOnce.Do(func() {}) // the environment is overridden
	active.Store(&b)
	return nil
}

// Available lists the backends that can be used on this machine, gonum
// first.
func Available() []string {
	names := []string{Gonum}
	if _, err := loadOpenBLAS(); err == nil {
		names = append(names, OpenBLAS)
	}
	return names
}

// current returns the active backend, choosing it on first use.
func current() backend {
	if b := active.Load(); b != nil {
		return *b
	}
	Init()
	return *active.Load()
}

// Backend names the implementation Gemm runs on: "openblas" or "gonum".
func Backend() string { return current().Name() }

// SetThreads sets how many threads the active backend uses for one large
// product; n < 1 restores the backend's default (OPENBLAS_NUM_THREADS or the
// number of CPUs). It is a no-op on gonum, which uses GOMAXPROCS goroutines.
// The setting is process-wide, not per call or per goroutine, and OpenBLAS
// may resize its thread pool: call SetThreads at start-up or between phases,
// not while other goroutines are inside Gemm.
func SetThreads(n int) { current().SetThreads(n) }

// Threads reports how many threads the active backend uses for one large
// product: OpenBLAS's thread count, or GOMAXPROCS for gonum.
func Threads() int { return current().Threads() }

// Gemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices, where
// op(X) is X or Xᵀ. op(A) is m×k, op(B) is k×n and C is m×n; lda, ldb and ldc
// are the row strides of A, B and C as stored. When m or n is 0 it does
// nothing. As in BLAS, alpha = 0 or k = 0 leaves the product out: A and B
// are not read, so their NaNs do not reach C, which becomes beta·C (zero
// for beta = 0, whatever it held), on every backend. Like gonum it panics on invalid dimensions or slices too short for
// them, so that no backend ever reads or writes outside the slices.
func Gemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if scaleOnly(transpose(transA), transpose(transB), m, n, k, len(a), lda, len(b), ldb, alpha, beta, c, ldc) {
		return
	}
	if unsafe.Sizeof(alpha) == 4 && useNTKernel(transA, transB, m, n, k) {
		checkGemm(transpose(transA), transpose(transB), m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
		gemmNT(m, n, k, float32(alpha), as[float32](a), lda, as[float32](b), ldb, float32(beta), as[float32](c), ldc)
		return
	}
	if ob, ok := current().(*openBLAS); ok && ob.serial() && splitRows(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
		return
	}
	gemmOnce(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// scaleOnly computes the products that BLAS defines without reading A and
// B — alpha = 0 or k = 0 — as C = beta·C, after checking the arguments as
// Gemm does, and reports whether the product was one of them.
func scaleOnly[T Float](tA, tB gblas.Transpose, m, n, k, lenA, lda, lenB, ldb int, alpha, beta T, c []T, ldc int) bool {
	if alpha != 0 && k != 0 {
		return false
	}
	if checkGemm(tA, tB, m, n, k, lenA, lda, lenB, ldb, len(c), ldc) {
		scaleRows(m, n, beta, c, ldc)
	}
	return true
}

// scaleRows makes the m×n matrix C beta·C; beta = 0 overwrites it, NaNs
// included.
func scaleRows[T Float](m, n int, beta T, c []T, ldc int) {
	if beta == 1 {
		return
	}
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		for j := range row {
			row[j] = scaled(beta, row[j])
		}
	}
}

// scaled returns beta·c, with beta = 0 overwriting c whatever it holds.
func scaled[T Float](beta, c T) T {
	if beta == 0 {
		return 0
	}
	return beta * c
}

// gemmOnce is one call of the active backend.
func gemmOnce[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	tA, tB := transpose(transA), transpose(transB)
	if unsafe.Sizeof(alpha) == 4 {
		current().Sgemm(tA, tB, m, n, k, float32(alpha), as[float32](a), lda, as[float32](b), ldb, float32(beta), as[float32](c), ldc)
		return
	}
	current().Dgemm(tA, tB, m, n, k, float64(alpha), as[float64](a), lda, as[float64](b), ldb, float64(beta), as[float64](c), ldc)
}

// splitWork is the size m·n·k from which a product is split into blocks.
const splitWork = 1 << 21

// rowSplitMin is the fewest rows of C a goroutine's block may have before
// a product is split by columns instead: a narrow block of rows makes each
// goroutine pack all of B for little work (a transformer's matrices at
// batch 1: 256 rows against 1536–6144 columns).
const rowSplitMin = 256

// splitRows computes a large product as blocks of C on GOMAXPROCS
// goroutines, each a single-threaded backend call — blocks of rows, or of
// columns when C has few rows and more columns — and reports whether it did
// (small products are left to the caller).
func splitRows[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) bool {
	workers := runtime.GOMAXPROCS(0)
	if workers < 2 || m*n*k < splitWork {
		return false
	}
	byColumns := m/workers < rowSplitMin && n > m && n/workers >= 64
	if !byColumns && m/workers < 16 {
		return false
	}
	checkGemm(transpose(transA), transpose(transB), m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	var wg sync.WaitGroup
	each := func(lo, hi int, f func(lo, hi int)) {
		block := ((hi-lo+workers-1)/workers + 7) &^ 7
		for b0 := lo; b0 < hi; b0 += block {
			wg.Add(1)
			go func(lo, hi int) {
				defer wg.Done()
				f(lo, hi)
			}(b0, min(b0+block, hi))
		}
	}
	if byColumns {
		each(0, n, func(lo, hi int) {
			bOff := lo // columns of B
			if transB {
				bOff = lo * ldb // rows of B
			}
			gemmOnce(transA, transB, m, hi-lo, k, alpha, a, lda, b[bOff:], ldb, beta, c[lo:], ldc)
		})
	} else {
		each(0, m, func(lo, hi int) {
			aOff := lo * lda // rows of A
			if transA {
				aOff = lo // columns of A
			}
			gemmOnce(transA, transB, hi-lo, n, k, alpha, a[aOff:], lda, b, ldb, beta, c[lo*ldc:], ldc)
		})
	}
	wg.Wait()
	return true
}

// transpose converts a transpose flag to gonum's constant.
func transpose(t bool) gblas.Transpose {
	if t {
		return gblas.Trans
	}
	return gblas.NoTrans
}

// as reinterprets a slice of a Float type (possibly a named one, such as
// type Weight float32) as a slice of its underlying type U of the same size.
func as[U, T Float](s []T) []U {
	return unsafe.Slice((*U)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// Info describes the active backend for logs and benchmark reports: the
// backend's build and kernels (OpenBLAS's own description), its thread
// count, whether Gemm splits large products over goroutines, which products
// the X·Wᵀ kernel takes and the instruction-set level of the project's own
// kernels (package isa).
func Info() string {
	switch b := current().(type) {
	case *openBLAS:
		split := ""
		if b.serial() {
			split = fmt.Sprintf(", large products split over %d goroutines", runtime.GOMAXPROCS(0))
		}
		return fmt.Sprintf("%s (%d thread%s%s)%s; kernels at level %s", strings.TrimSpace(b.config()), b.Threads(), plural(b.Threads()), split, xwtInfo(), isa.Active())
	default:
		return fmt.Sprintf("gonum pure-Go BLAS (%d goroutines)%s; kernels at level %s", runtime.GOMAXPROCS(0), xwtInfo(), isa.Active())
	}
}

// xwtInfo names the products the X·Wᵀ kernel takes over, if any.
func xwtInfo() string {
	switch {
	case !hasNTKernel() || xwtMode() == xwtOff:
		return ""
	case xwtMode() == xwtAlways:
		return "; every X·Wᵀ product on the project's AVX-512 kernel (AIM_XWT=always)"
	case backendHasAVX512Kernels():
		return fmt.Sprintf("; X·Wᵀ products under %d rows on the project's AVX-512 kernel", xwtMaxRows)
	default:
		return "; X·Wᵀ products on the project's AVX-512 kernel"
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
