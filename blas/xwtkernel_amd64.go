//go:build amd64 && !purego

package blas

import "github.com/aim-go/aim/internal/isa"

// xwtStrip computes, for q in [0, panels), C[32q:32q+32, 0:12] =
// alpha·panel_q·B[0:12]ᵀ over k values, adding it to C when accumulate is
// not zero: the panels are packPanel's, 32·k values each, one after the
// other; B's 12 rows have stride ldb, C's rows ldc (in elements). See
// xwtkernel_amd64.s.
//
//go:noescape
func xwtStrip(xp *float32, panels int, k int, b *float32, ldb int, c *float32, ldc int, alpha float32, accumulate int)

// packPanel copies 16·blocks values of each of 32 rows of A (row stride
// lda) into a panel, A[i][p] to dst[32p + i]. See xwtkernel_amd64.s.
//
//go:noescape
func packPanel(dst *float32, a *float32, lda int, blocks int)

// hasNTKernel reports whether the X·Wᵀ kernel may run: the CPU has
// AVX-512 and AIM_ISA (package isa) does not cap the kernels below it.
func hasNTKernel() bool { return isa.AtLeast(isa.AVX512) }

// fmaPeak runs steps rounds of 24 independent 16-lane FMAs (768 flops
// each) on registers only. See xwtkernel_amd64.s.
//
//go:noescape
func fmaPeak(steps int)
