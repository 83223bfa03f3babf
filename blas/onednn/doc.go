// Package onednn multiplies matrices on oneDNN (libdnnl.so.2, Debian's
// libdnnl2 — oneDNN 2.6), the library inside PyTorch's CPU path, loaded at
// run time through github.com/ebitengine/purego as package blas loads
// OpenBLAS: no cgo, and a binary built without the library runs without it
// (Load then says what to install). AIM_ONEDNN_LIB names a library file to
// load instead.
//
// It exists for bf16: oneDNN multiplies bf16 matrices with f32
// accumulation on the CPU's deep-learning units (AMX tiles, or AVX512-BF16's
// VDPBF16PS), which neither OpenBLAS 0.3.21 nor gonum can. Products are
// described by a Product (shape, transpositions, leading dimensions, element
// type, alpha, beta, bias); each distinct Product becomes one oneDNN
// primitive, created on first use and kept. Weights that serve many
// products are reordered once into the layout oneDNN prefers for them
// (Pack). Matmul runs a product; CheckBF16 says whether bf16 products can
// run on this machine and NativeBF16 whether they run in hardware; Stats
// lists the products run so far with the kernel each ran on. Package blas
// is the usual way in (blas.GemmBF16, blas.LinearBF16).
//
// # Threads
//
// oneDNN computes on OpenMP threads (OMP_NUM_THREADS; all CPUs by default),
// and libgomp keeps a thread team per calling OS thread, so every call of
// this package runs on one goroutine locked to one OS thread: calls from
// many goroutines are serialised there, and each uses the whole team.
//
// Unless OMP_WAIT_POLICY or GOMP_SPINCOUNT says otherwise, the team's
// threads sleep as soon as a product ends (OMP_WAIT_POLICY=passive), so
// that they leave the cores to the Go code between products.
//
// # Forcing an ISA
//
// DNNL_MAX_CPU_ISA (AVX512_CORE_AMX, AVX512_CORE_BF16, AVX512_CORE, AVX2,
// ...) caps the instructions oneDNN uses, so that each of its routes can be
// tested on a CPU that has a better one; oneDNN reads it once per process.
// ISA reports the effective one; Product.Implementation the kernel a
// product ran on (e.g. "brg:avx512_core_amx_bf16").
package onednn
