//go:build amd64 && !purego

package blas

import "golang.org/x/sys/cpu"

// widenBlocks widens 16·blocks values at src to float32 at dst with
// AVX-512, and widenBlocks8 8·blocks values with AVX2 (BF16) or F16C (F16)
// (see half_amd64.s): BF16 values when f16 is 0, F16 ones otherwise. The
// caller checks that the CPU has the instructions.
//
//go:noescape
func widenBlocks(dst *float32, src *uint16, blocks int, f16 int)

//go:noescape
func widenBlocks8(dst *float32, src *uint16, blocks int, f16 int)

// cpuidECX1 returns ECX of CPUID leaf 1.
func cpuidECX1() uint32

// hasF16C reports the F16C instructions (CPUID.1:ECX bit 29), which
// golang.org/x/sys/cpu does not list; they need AVX's registers too.
var hasF16C = cpu.X86.HasAVX && cpuidECX1()&(1<<29) != 0

// hasWiden8 reports, per format, whether the CPU runs widenBlocks8.
var hasWiden8 = map[Half]bool{BF16: cpu.X86.HasAVX2, F16: hasF16C}

// widen widens len(dst) values of format h, exactly: with AVX-512 where the
// CPU has it, else with AVX2/F16C, else in Go.
func widen(h Half, dst []float32, src []uint16) {
	src = src[:len(dst)]
	f16 := 0
	if h == F16 {
		f16 = 1
	}
	done := 0
	switch {
	case hasNTKernel && len(dst) >= 16:
		done = len(dst) / 16 * 16
		widenBlocks(&dst[0], &src[0], done/16, f16)
	case hasWiden8[h] && len(dst) >= 8:
		done = len(dst) / 8 * 8
		widenBlocks8(&dst[0], &src[0], done/8, f16)
	}
	widenGo(h, dst[done:], src[done:])
}
