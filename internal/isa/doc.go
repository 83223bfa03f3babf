// Package isa chooses the instruction sets that the project's own assembly
// kernels may use — the X·Wᵀ product and 16-bit widening in package blas,
// GELU, softmax, exp and LayerNorm rows in package ops — so that every
// route a CPU could take can be forced, and tested, on any CPU that can run
// it.
//
// There are three levels, each a superset of the one before:
//
//	go      portable Go: no assembly at all
//	avx2    AVX2, FMA and F16C: the 8-lane kernels of ops and the 8-lane
//	        16-bit widening
//	avx512  AVX-512 (F, BW, DQ, VL) on top: the X·Wᵀ kernel and the 16-lane
//	        widening
//
// By default the best level the CPU runs is active. The AIM_ISA
// environment variable, read once on first use, caps it ("go", "avx2",
// "avx512" or "auto"); asking for a level the CPU cannot run is an error
// that Init reports, naming the missing features, and the package then
// stays at the best level the CPU has. Set does the same from a program
// (tests switch levels with it). Libraries loaded at run time, such as
// OpenBLAS, choose their own kernels and are not affected.
package isa
