//go:build amd64 && !purego

package blas

import "golang.org/x/sys/cpu"

// ntTiles computes, for t in [0, tiles), the 4×6 block C[0:4, 6t:6t+6] =
// alpha·A[0:4, :]·B[6t:6t+6, :]ᵀ, adding it to C when accumulate is not
// zero; each row holds 16·blocks values and then the lanes set in tail.
// Strides are in elements. See ntkernel_amd64.s.
//
//go:noescape
func ntTiles(a *float32, lda int, b *float32, ldb int, blocks int, tail uint16, c *float32, ldc int, tiles int, alpha float32, accumulate int)

// hasNTKernel reports whether the CPU runs the AVX-512 X·Wᵀ kernel.
var hasNTKernel = cpu.X86.HasAVX512F
