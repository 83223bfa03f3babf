//go:build amd64 && !purego

package blas

import "github.com/aim-go/aim/internal/isa"

// widenBlocks widens 16·blocks values at src to float32 at dst with
// AVX-512, and widenBlocks8 8·blocks values with AVX2 (BF16) or F16C (F16)
// (see half_amd64.s): BF16 values when f16 is 0, F16 ones otherwise. The
// caller checks that the CPU has the instructions.
//
//go:noescape
func widenBlocks(dst *float32, src *uint16, blocks int, f16 int)

//go:noescape
func widenBlocks8(dst *float32, src *uint16, blocks int, f16 int)

// widen widens len(dst) values of format h, exactly: with AVX-512 at the
// avx512 level of package isa, with AVX2/F16C at avx2, else in Go.
func widen(h Half, dst []float32, src []uint16) {
	src = src[:len(dst)]
	f16 := 0
	if h == F16 {
		f16 = 1
	}
	done := 0
	switch level := isa.Active(); {
	case level >= isa.AVX512 && len(dst) >= 16:
		done = len(dst) / 16 * 16
		widenBlocks(&dst[0], &src[0], done/16, f16)
	case level >= isa.AVX2 && len(dst) >= 8:
		done = len(dst) / 8 * 8
		widenBlocks8(&dst[0], &src[0], done/8, f16)
	}
	widenGo(h, dst[done:], src[done:])
}

// roundBlocks rounds 16·blocks float32 values at src to bf16 bits at dst
// with AVX-512 (see round_amd64.s), as half.ToBF16 does each.
//
//go:noescape
func roundBlocks(dst *uint16, src *float32, blocks int)

// toBF16 rounds src to bf16 bits in dst (len(dst) values): with AVX-512 at
// the avx512 level of package isa, else in Go.
func toBF16(dst []uint16, src []float32) {
	src = src[:len(dst)]
	done := 0
	if isa.Active() >= isa.AVX512 && len(dst) >= 16 {
		done = len(dst) / 16 * 16
		roundBlocks(&dst[0], &src[0], done/16)
	}
	toBF16Go(dst[done:], src[done:])
}
