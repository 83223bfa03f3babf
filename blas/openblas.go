//go:build (darwin || freebsd || linux) && (amd64 || arm64) && !noopenblas

package blas

import (
	"math"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/ebitengine/purego"
	"github.com/pkg/errors"
	"golang.org/x/sys/cpu"
	gblas "gonum.org/v1/gonum/blas"

	"github.com/aim-go/aim/internal/dynlib"
)

// openBLAS calls a dynamically loaded OpenBLAS through its Fortran BLAS
// interface. The Fortran entry points take every argument by reference, so
// purego.SyscallN can call them; it cannot pass the by-value float alpha and
// beta of cblas_sgemm next to integer arguments, and purego.RegisterFunc,
// which can, goes through reflection on every call (see the package
// benchmarks). Fortran is column-major: a row-major product C = A·B is the
// column-major product Cᵀ = Bᵀ·Aᵀ of the same memory.
type openBLAS struct {
	path                              string
	sgemm, dgemm, sgemv, dgemv        uintptr
	setNumThreads, getNumThreads, cfg uintptr
	defaultThreads                    int
	threads                           atomic.Int32 // the current setting, cached
	coreOnce                          sync.Once
	avx512                            bool // runs AVX-512 kernels; see avx512Kernels
}

// libraryCandidates lists the names and paths tried, in order: the one
// named by AIM_BLAS_LIB, or the usual ones for GOOS.
func libraryCandidates() []string {
	if p := os.Getenv(LibEnvVar); p != "" {
		return []string{p}
	}
	if runtime.GOOS == "darwin" {
		return []string{
			"libopenblas.dylib",
			"/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
			"/usr/local/opt/openblas/lib/libopenblas.dylib",
		}
	}
	multiarch := "/usr/lib/x86_64-linux-gnu/"
	if runtime.GOARCH == "arm64" {
		multiarch = "/usr/lib/aarch64-linux-gnu/"
	}
	return []string{
		"libopenblas.so.0",
		"libopenblas.so",
		multiarch + "openblas-pthread/libopenblas.so.0",
		multiarch + "openblas-openmp/libopenblas.so.0",
		"libopenblasp.so.0", // Fedora's pthread build
		"libopenblaso.so.0", // Fedora's OpenMP build
	}
}

var (
	loadOnce   sync.Once
	loadedLib  *openBLAS
	loadLibErr error
)

// loadOpenBLAS loads OpenBLAS on its first call and returns the same library
// or error on every later one.
func loadOpenBLAS() (*openBLAS, error) {
	loadOnce.Do(func() {
		chooseCoreType()
		if loadLibErr = checkCoreType(os.Getenv("OPENBLAS_CORETYPE")); loadLibErr == nil {
			loadedLib, loadLibErr = openFirst(libraryCandidates())
		}
	})
	return loadedLib, loadLibErr
}

// openFirst returns the first of paths that loads as an OpenBLAS library.
func openFirst(paths []string) (*openBLAS, error) { return dynlib.First("OpenBLAS", paths, open) }

// open loads path and resolves the symbols the backend calls.
func open(path string) (*openBLAS, error) {
	lib := &openBLAS{path: path}
	syms := dynlib.Symbols{
		"sgemm_":                   &lib.sgemm,
		"dgemm_":                   &lib.dgemm,
		"sgemv_":                   &lib.sgemv,
		"dgemv_":                   &lib.dgemv,
		"openblas_set_num_threads": &lib.setNumThreads,
		"openblas_get_num_threads": &lib.getNumThreads,
		"openblas_get_config":      &lib.cfg,
	}
	if _, err := dynlib.Open(path, syms); err != nil {
		return nil, err
	}
	lib.defaultThreads = lib.Threads()
	if os.Getenv("OPENBLAS_NUM_THREADS") == "" && os.Getenv("OMP_NUM_THREADS") == "" {
		lib.defaultThreads = 1 // Gemm splits large products over the cores itself
	}
	lib.SetThreads(lib.defaultThreads)
	return lib, nil
}

// chooseCoreType sets OPENBLAS_CORETYPE=SkylakeX, unless it is set, on CPUs
// with AVX-512 (F, BW, DQ, VL): OpenBLAS up to 0.3.21 does not recognise
// every AMD AVX-512 CPU and may run one on its AVX2 kernels, at half the
// speed (where it does, it picks Cooperlake, with SkylakeX's sgemm
// kernels, and this changes nothing). It must run before the library is
// loaded, which reads the variable once.
func chooseCoreType() {
	if os.Getenv("OPENBLAS_CORETYPE") != "" || !hasAVX512() {
		return
	}
	os.Setenv("OPENBLAS_CORETYPE", "SkylakeX")
}

func (*openBLAS) Name() string { return OpenBLAS }

// coreName returns the name of the kernels OpenBLAS runs, such as
// "SkylakeX" or "Haswell": the word of its build description before
// MAX_THREADS.
func (o *openBLAS) coreName() string {
	fields := strings.Fields(o.config())
	for i, f := range fields {
		if strings.HasPrefix(f, "MAX_THREADS") && i > 0 {
			return fields[i-1]
		}
	}
	return "unknown kernels"
}

// config returns OpenBLAS's build description, such as
// "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64",
// which names the kernels it chose for the CPU.
func (o *openBLAS) config() string {
	var getConfig func() string
	purego.RegisterFunc(&getConfig, o.cfg)
	return getConfig()
}

// avx512Kernels reports whether OpenBLAS runs AVX-512 kernels, by the core
// its build description names. It is read once: the core never changes.
func (o *openBLAS) avx512Kernels() bool {
	o.coreOnce.Do(func() {
		cfg := o.config()
		for _, core := range []string{"SkylakeX", "Cooperlake", "SapphireRapids"} {
			if strings.Contains(cfg, core) {
				o.avx512 = true
			}
		}
	})
	return o.avx512
}

// SetThreads sets OpenBLAS's thread count; n < 1 restores the count it
// started with.
func (o *openBLAS) SetThreads(n int) {
	if n < 1 {
		n = o.defaultThreads
	}
	purego.SyscallN(o.setNumThreads, uintptr(n))
	o.threads.Store(int32(o.Threads()))
}

// serial reports whether OpenBLAS runs each product on one thread, so that
// Gemm should split large products over the cores.
func (o *openBLAS) serial() bool { return o.threads.Load() == 1 }

// Threads returns OpenBLAS's thread count.
func (o *openBLAS) Threads() int {
	r, _, _ := purego.SyscallN(o.getNumThreads)
	return int(int32(r))
}

// gemmArgs holds the by-reference scalar arguments of ?gemm_.
type gemmArgs[T float32 | float64] struct {
	transA, transB byte
	m, n, k        int32
	lda, ldb, ldc  int32
	alpha, beta    T
}

// gemvArgs holds the by-reference scalar arguments of ?gemv_.
type gemvArgs[T float32 | float64] struct {
	trans      byte
	m, n, lda  int32
	incX, incY int32
	alpha      T
	beta       T
}

// Sgemm is gonum's Sgemm computed by OpenBLAS.
func (o *openBLAS) Sgemm(tA, tB gblas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if checkGemm(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc) {
		gemm(o.sgemm, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
}

// Dgemm is gonum's Dgemm computed by OpenBLAS.
func (o *openBLAS) Dgemm(tA, tB gblas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if checkGemm(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc) {
		gemm(o.dgemm, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
}

// Sgemv is gonum's Sgemv computed by OpenBLAS.
func (o *openBLAS) Sgemv(tA gblas.Transpose, m, n int, alpha float32, a []float32, lda int, x []float32, incX int, beta float32, y []float32, incY int) {
	if checkGemv(tA, m, n, len(a), lda, len(x), incX, len(y), incY) {
		gemv(o.sgemv, tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
	}
}

// Dgemv is gonum's Dgemv computed by OpenBLAS.
func (o *openBLAS) Dgemv(tA gblas.Transpose, m, n int, alpha float64, a []float64, lda int, x []float64, incX int, beta float64, y []float64, incY int) {
	if checkGemv(tA, m, n, len(a), lda, len(x), incX, len(y), incY) {
		gemv(o.dgemv, tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
	}
}

// gemm calls the Fortran ?gemm_ at fn for checked row-major arguments, as
// the column-major product Cᵀ = op(B)ᵀ·op(A)ᵀ.
func gemm[T float32 | float64](fn uintptr, tA, tB gblas.Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if !fitsInt32(m, n, k, lda, ldb, ldc) {
		panic(tooLarge)
	}
	p := &gemmArgs[T]{
		transA: fortranTrans(tB), transB: fortranTrans(tA),
		m: int32(n), n: int32(m), k: int32(k),
		lda: int32(ldb), ldb: int32(lda), ldc: int32(ldc),
		alpha: alpha, beta: beta,
	}
	purego.SyscallN(fn,
		uintptr(unsafe.Pointer(&p.transA)), uintptr(unsafe.Pointer(&p.transB)),
		uintptr(unsafe.Pointer(&p.m)), uintptr(unsafe.Pointer(&p.n)), uintptr(unsafe.Pointer(&p.k)),
		uintptr(unsafe.Pointer(&p.alpha)),
		uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(unsafe.Pointer(&p.lda)),
		uintptr(unsafe.Pointer(unsafe.SliceData(a))), uintptr(unsafe.Pointer(&p.ldb)),
		uintptr(unsafe.Pointer(&p.beta)),
		uintptr(unsafe.Pointer(unsafe.SliceData(c))), uintptr(unsafe.Pointer(&p.ldc)),
		1, 1) // lengths of the two character arguments, as gfortran passes them
}

// gemv calls the Fortran ?gemv_ at fn for checked row-major arguments. The
// row-major m×n A is the column-major n×m Aᵀ, so the transpose flips.
func gemv[T float32 | float64](fn uintptr, tA gblas.Transpose, m, n int, alpha T, a []T, lda int, x []T, incX int, beta T, y []T, incY int) {
	if !fitsInt32(m, n, lda, incX, incY) {
		panic(tooLarge)
	}
	p := &gemvArgs[T]{
		trans: 'N', m: int32(n), n: int32(m), lda: int32(lda),
		incX: int32(incX), incY: int32(incY), alpha: alpha, beta: beta,
	}
	if tA == gblas.NoTrans {
		p.trans = 'T'
	}
	purego.SyscallN(fn,
		uintptr(unsafe.Pointer(&p.trans)), uintptr(unsafe.Pointer(&p.m)), uintptr(unsafe.Pointer(&p.n)),
		uintptr(unsafe.Pointer(&p.alpha)),
		uintptr(unsafe.Pointer(unsafe.SliceData(a))), uintptr(unsafe.Pointer(&p.lda)),
		uintptr(unsafe.Pointer(unsafe.SliceData(x))), uintptr(unsafe.Pointer(&p.incX)),
		uintptr(unsafe.Pointer(&p.beta)),
		uintptr(unsafe.Pointer(unsafe.SliceData(y))), uintptr(unsafe.Pointer(&p.incY)),
		1) // length of the character argument
}

// fortranTrans converts gonum's transpose constant to the Fortran letter.
func fortranTrans(t gblas.Transpose) byte {
	if t == gblas.NoTrans {
		return 'N'
	}
	return 'T'
}

// fitsInt32 reports whether every value fits OpenBLAS's 32-bit integers.
func fitsInt32(vs ...int) bool {
	for _, v := range vs {
		if v > math.MaxInt32 || v < math.MinInt32 {
			return false
		}
	}
	return true
}

// hasAVX512 reports whether the CPU runs OpenBLAS's SkylakeX kernels.
func hasAVX512() bool {
	x := cpu.X86
	return runtime.GOARCH == "amd64" && x.HasAVX512F && x.HasAVX512BW && x.HasAVX512DQ && x.HasAVX512VL
}

// coreNeeds lists, for the x86-64 values of OPENBLAS_CORETYPE whose
// kernels need more than SSE3, the instructions they need and whether
// this CPU has them. OpenBLAS loads the kernels it is told to without
// checking, and they end the process with SIGILL on a CPU that lacks them.
func coreNeeds(core string) (needs string, has bool) {
	x := cpu.X86
	avx2 := x.HasAVX2 && x.HasFMA
	switch strings.ToLower(core) {
	case "skylakex":
		return "AVX-512 (F, BW, DQ, VL)", hasAVX512()
	case "cooperlake", "sapphirerapids":
		return "AVX-512 (F, BW, DQ, VL) and AVX512-BF16", hasAVX512() && x.HasAVX512BF16
	case "haswell", "zen", "excavator", "steamroller":
		return "AVX2 and FMA", avx2
	case "sandybridge", "bulldozer", "piledriver":
		return "AVX", x.HasAVX
	}
	return "", true
}

// checkCoreType returns an error when OPENBLAS_CORETYPE asks for kernels
// this CPU cannot run, rather than let OpenBLAS end the process with
// SIGILL at its first product.
func checkCoreType(core string) error {
	if runtime.GOARCH != "amd64" || core == "" {
		return nil
	}
	if needs, has := coreNeeds(core); !has {
		return coreTypeError{errors.Errorf("OPENBLAS_CORETYPE=%s: its kernels need %s, which this CPU lacks", core, needs)}
	}
	return nil
}
