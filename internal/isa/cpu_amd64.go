//go:build amd64 && !purego

package isa

import "golang.org/x/sys/cpu"

// cpuidECX1 returns ECX of CPUID leaf 1 (see cpu_amd64.s).
func cpuidECX1() uint32

// feature is a CPU feature a level needs, and whether this CPU has it.
type feature struct {
	name string
	has  bool
}

// hasF16C reports the F16C instructions (CPUID.1:ECX bit 29), which
// golang.org/x/sys/cpu does not list; they need AVX's registers too.
var hasF16C = cpu.X86.HasAVX && cpuidECX1()&(1<<29) != 0

// cpuRequired lists the features level l needs.
func cpuRequired(l Level) []feature {
	x := cpu.X86
	var fs []feature
	if l >= AVX2 {
		fs = append(fs, feature{"AVX2", x.HasAVX2}, feature{"FMA", x.HasFMA}, feature{"F16C", hasF16C})
	}
	if l >= AVX512 {
		fs = append(fs, feature{"AVX512F", x.HasAVX512F}, feature{"AVX512BW", x.HasAVX512BW},
			feature{"AVX512DQ", x.HasAVX512DQ}, feature{"AVX512VL", x.HasAVX512VL})
	}
	return fs
}
