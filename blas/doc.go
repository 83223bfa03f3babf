// Package blas is the matrix-multiply backend of the project: a generic
// row-major GEMM over float32 and float64 that runs on OpenBLAS when the
// system has it and on gonum's pure-Go BLAS otherwise.
//
// Every layer of the model multiplies matrices through Gemm, so switching the
// backend changes the speed of the whole project and nothing else. Gorgonia's
// own operations can be routed to the same backend with
//
//	gorgonia.Use(blas.GorgoniaImpl())
//
// # Choosing the backend
//
// OpenBLAS is found at run time: the package loads the shared library with
// github.com/ebitengine/purego, so neither a build tag nor cgo is needed to
// build it, and a binary built where OpenBLAS exists still runs where it does
// not. The choice is made once, on the first call of any function of the
// package, from the AIM_BLAS environment variable:
//
//	AIM_BLAS=openblas  use OpenBLAS; if it cannot be loaded, Init reports why
//	                   and the package falls back to gonum
//	AIM_BLAS=gonum     use gonum's pure-Go BLAS even where OpenBLAS exists
//	AIM_BLAS unset     (or "auto") OpenBLAS when it loads, gonum otherwise
//
// OpenBLAS is looked for under its usual names (libopenblas.so.0, the
// Debian/Ubuntu openblas-pthread and openblas-openmp directories, Fedora's
// libopenblasp.so.0, Homebrew's libopenblas.dylib); AIM_BLAS_LIB=/path/to/lib
// names the library to load instead, such as a build of OpenBLAS newer than
// the system's.
//
// OpenBLAS's own variables apply: OPENBLAS_CORETYPE overrides the kernels a
// DYNAMIC_ARCH build picks, and OPENBLAS_NUM_THREADS its thread count. When
// they are unset the package chooses:
//
//   - OPENBLAS_CORETYPE=SkylakeX on CPUs with AVX-512 (F, BW, DQ, VL).
//     OpenBLAS 0.3.21 (Debian 12) does not recognise every AMD AVX-512 CPU
//     and has run some on its AVX2 kernels at half the speed; where it does
//     recognise one (as Cooperlake, whose sgemm kernels are SkylakeX's),
//     the choice changes nothing.
//   - One OpenBLAS thread, with Gemm splitting products of m·n·k ≥ 2²¹ into
//     row blocks computed on GOMAXPROCS goroutines. OpenBLAS's worker
//     threads spin while they wait for work, which takes a core from the Go
//     code between products (LayerNorm, attention, the optimiser); with the
//     split, every core is Go's. SetThreads(n > 1) returns to OpenBLAS's own
//     threading.
//
// # The X·Wᵀ kernel
//
// A float32 product A·Bᵀ with both operands read along rows of at least 512
// values — a linear layer with PyTorch's (out, in) weights — and A of at
// least 32 rows runs on the package's own AVX-512 kernel (nt.go) on CPUs
// that have it, whatever the backend, unless OpenBLAS itself runs AVX-512
// kernels and A has 1024 rows or more. The kernel copies A (the few hundred
// rows of one image's tokens) into panels and reads the weights in place;
// OpenBLAS copies all of the weights into its own layout on every call,
// which at those sizes costs it a good part of its speed (AIM-0.6B's
// products at 256 rows run 1.27–1.47× OpenBLAS's SkylakeX kernels; equal at
// 1024 rows, OpenBLAS 3–10% faster at 2048). docs/performance.md has the
// measurements.
//
// # Forcing a route
//
// Which code computes a product depends on the CPU; every such route can
// be forced, so that each can be measured and tested on any CPU that runs
// it (docs/performance.md lists them):
//
//	AIM_BLAS=openblas|gonum      the backend (above)
//	OPENBLAS_CORETYPE=Haswell    OpenBLAS's kernels (SkylakeX, Haswell, Zen, ...);
//	                             a core whose instructions the CPU lacks is an
//	                             error, not a SIGILL
//	AIM_ISA=go|avx2|avx512       the most the project's own kernels may use
//	                             (package isa): avx512 runs the X·Wᵀ kernel and
//	                             16-lane widening, avx2 the 8-lane AVX2/F16C
//	                             widening, go neither
//	AIM_XWT=auto|always|off      the X·Wᵀ kernel for the products it is fastest
//	                             for, for every float32 A·Bᵀ, or for none
//
// Routes reports the active ones.
//
// A program that must not silently run on the slow backend, or on a route
// other than the one the environment asks for, calls Init at start-up and
// stops on its error. Use switches the backend explicitly and overrides the
// environment.
//
// On Linux, purego links even a CGO_ENABLED=0 binary dynamically against the
// C library (libc, libdl), as it must in order to call dlopen. A fully static
// binary needs the build tag noopenblas, which leaves gonum as the only
// backend.
//
// # Concurrency
//
// All functions are safe for concurrent use. OpenBLAS is called through its
// Fortran interface (sgemm_, dgemm_, ...), which threaded OpenBLAS builds such
// as Debian's openblas-pthread allow to be called from several threads at
// once; the package tests compare thousands of concurrent calls from several
// goroutines against a reference. Small products (m·n·k up to 64³) run
// single-threaded inside OpenBLAS whatever SetThreads says, so running
// independent small products on separate goroutines is the way to use
// several cores for them, and is faster than any pure-Go kernel.
package blas
