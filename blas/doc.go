// Package blas multiplies the project's matrices. Every linear layer,
// attention product and gradient of the model goes through Gemm, so which
// code computes a product — OpenBLAS, gonum, the project's own kernel or
// oneDNN — is chosen here, once per process, and can be forced from the
// environment.
//
// # Use
//
// Gemm computes C = alpha·op(A)·op(B) + beta·C on row-major float32 or
// float64 matrices, op(X) being X or Xᵀ; a linear layer y = x·Wᵀ with
// PyTorch's (out, in) weights is
//
//	blas.Gemm(false, true, n, out, in, 1, x, in, w, in, 0, y, out)
//
// Gemm32 is the same for float32 under a non-generic name (the notebook
// interpreter binds no generic functions). GemmHalf multiplies by weights
// held as 16-bit values (BF16 or F16, as a checkpoint file stores them)
// without converting them first, and Widen converts such values exactly.
// GemmBF16 and LinearBF16 compute in PrecisionBF16 (below). Gorgonia's own
// matrix operations use the same routes after
//
//	gorgonia.Use(blas.GorgoniaImpl())
//
// Init chooses the routes from the environment and returns the error of
// that choice. Every function calls it implicitly; a program that must not
// run silently on the slow backend, or on a route other than the one the
// environment asks for, calls it at start-up and stops on its error. Use
// switches the backend from a program. Backend, Info and Routes describe
// what runs, for logs and reports; PeakGFLOPS measures the CPU's FMA peak,
// against which achieved rates are read.
//
// # Float32 and float64 routes
//
// OpenBLAS is the backend where it loads, gonum's pure-Go BLAS elsewhere.
// OpenBLAS is loaded at run time with github.com/ebitengine/purego, so
// neither cgo nor a build tag is needed, and a binary built where OpenBLAS
// exists runs where it does not. It is looked for under its usual names
// (libopenblas.so.0, Debian's openblas-pthread and openblas-openmp
// directories, Fedora's libopenblasp.so.0, Homebrew's libopenblas.dylib).
// Unless OPENBLAS_NUM_THREADS or OMP_NUM_THREADS is set, OpenBLAS runs one
// thread and Gemm splits products of m·n·k ≥ 2²¹ into row blocks on
// GOMAXPROCS goroutines, so that OpenBLAS's idle threads do not spin on
// the cores the Go code needs between products; SetThreads(n > 1) returns
// to OpenBLAS's own threading. On CPUs with AVX-512 (F, BW, DQ, VL), where
// OPENBLAS_CORETYPE is unset, the package sets it to SkylakeX: OpenBLAS
// 0.3.21 does not recognise every AMD AVX-512 CPU and would run some on
// its AVX2 kernels.
//
// The X·Wᵀ kernel is the project's own AVX-512 kernel for float32 A·Bᵀ,
// the product of a linear layer. It copies A into panels and reads B in
// place, so weights used in place from a memory-mapped checkpoint are
// never copied, where OpenBLAS copies all of B into its own layout on every
// call. By default it takes the products of at least 32 rows, 12 columns,
// rows of at least 512 values and m·n·k ≥ 2²¹, whatever the backend,
// except those of 1024 rows or more when OpenBLAS runs AVX-512 kernels of
// its own (its copy of B then pays for itself).
//
// # bf16
//
// In PrecisionBF16 (ParsePrecision("bf16")) every input of a product is
// rounded to bfloat16 and the products accumulate in float32, as the
// CPU's bf16 units (AMX, AVX512-BF16) compute. Products of m·n·k ≥ 2²⁰ run
// on oneDNN (package onednn), with a linear layer's weights rounded and
// packed once into PackedWeights; WeightsChanged marks weights that an
// optimiser step wrote, to be packed again. Smaller products (attention's,
// head by head) multiply rounded copies on the float32 routes
// (GemmRoundedBF16): the same numbers up to the order of float32 sums.
// CheckPrecision says why bf16 cannot run on a machine (oneDNN missing,
// or no bf16 matmul on this CPU); BF16Speedup measures what it gains.
//
// # Forcing a route
//
// Which code computes a product depends on the CPU and on the libraries
// installed. Every such route can be forced, so that each can be
// measured, and tested, on any CPU that can run it:
//
//	AIM_BLAS=openblas|gonum|auto   the backend (auto: OpenBLAS if it loads)
//	AIM_BLAS_LIB=/path/to/lib      the OpenBLAS library to load, e.g. a
//	                               newer build than the system's
//	OPENBLAS_CORETYPE=Haswell      OpenBLAS's kernels (SkylakeX, Cooperlake,
//	                               Haswell, Zen, Sandybridge, Prescott, ...)
//	OPENBLAS_NUM_THREADS=n         OpenBLAS's own threads instead of the split
//	AIM_ISA=go|avx2|avx512         the most the project's own kernels may use
//	                               (package isa): avx512 runs the X·Wᵀ kernel
//	                               and 16-lane widening, avx2 the 8-lane
//	                               widening (AVX2 for BF16, F16C for F16),
//	                               go neither
//	AIM_XWT=auto|always|off        the X·Wᵀ kernel for the products above, for
//	                               every float32 A·Bᵀ, or for none
//	AIM_ONEDNN_LIB=/path/to/lib    the oneDNN library for bf16 (package onednn)
//	DNNL_MAX_CPU_ISA=AVX512_CORE   the instructions oneDNN may use
//
// A route the CPU cannot take is an error that Init returns, naming what
// is missing — AIM_BLAS=openblas with no loadable library, AIM_ISA=avx512
// or AIM_XWT=always without AVX-512, an OPENBLAS_CORETYPE whose kernels
// need instructions the CPU lacks (which OpenBLAS itself would load and
// die of with SIGILL) — and the package then runs on the best route it
// can. The package's tests run every route this CPU can take, as subtests
// named by route. docs/performance.md gives what each route achieves.
//
// # Builds
//
// On Linux, purego links even a CGO_ENABLED=0 binary dynamically against
// the C library (libc, libdl), as it must to call dlopen. The build tag
// noopenblas leaves gonum as the only backend, for a fully static binary;
// purego leaves out the package's assembly (the X·Wᵀ kernel, the vector
// widening and rounding), as on CPUs other than amd64.
//
// # Concurrency
//
// All functions are safe for concurrent use. OpenBLAS is called through
// its Fortran interface (sgemm_, dgemm_, ...), which threaded builds such
// as Debian's openblas-pthread allow from several threads at once. Small
// products (m·n·k up to 64³) run single-threaded inside OpenBLAS whatever
// SetThreads says, so independent small products are best run on separate
// goroutines. SetThreads is process-wide: call it at start-up or between
// phases, not while other goroutines are inside Gemm.
package blas
