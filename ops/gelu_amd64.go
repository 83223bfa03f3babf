//go:build amd64 && !purego

package ops

import (
	"math"

	"github.com/aim-go/aim/internal/isa"
)

// geluConsts are the constants of the AVX2 kernels, at the byte offsets
// the assembly reads them from (4 bytes each, in this order).
var geluConsts = [...]float32{
	0.70710678118654752440, 4, -4, // 1/√2 and the erf clamp
	-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06, -5.69250639462346e-05,
	-7.34990630326855e-04, -2.95459980854025e-03, -1.60960333262415e-02, // erf numerator
	-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03, -7.37332916720468e-03,
	-1.42647390514189e-02, // erf denominator
	0.5, -0.5, -87,        // Φ = 0.5 + 0.5·erf; u = −x²/2 clamped at −87
	1.44269504088896341, 0.693145751953125, 1.428606765330187e-06, // log2e, ln2 split
	1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1, // e^r
	0.39894228040143267794, // 1/√(2π)
	float32(math.Inf(-1)),  // start of a maximum
}

// tailMasks[8−t:16−t] selects the first t of 8 lanes.
var tailMasks = [16]int32{-1, -1, -1, -1, -1, -1, -1, -1}

//go:noescape
func softmaxRowAVX2(row *float32, blocks int, mask *int32, c *float32)

// softmaxVector turns row into softmax(row) in place and reports whether it
// could (the CPU has the vector kernels and the row is not empty).
func softmaxVector(row []float32) bool {
	if !hasAVX2() || len(row) == 0 {
		return false
	}
	softmaxRowAVX2(&row[0], len(row)/8, &tailMasks[8-len(row)%8], &geluConsts[0])
	return true
}

// hasAVX2 reports whether the AVX2 kernels may run: the CPU has AVX2 and
// FMA, and AIM_ISA (package isa) does not cap the kernels at portable Go.
func hasAVX2() bool { return isa.AtLeast(isa.AVX2) }

//go:noescape
func geluAVX2(x, y *float32, blocks int, c *float32)

//go:noescape
func geluGradAVX2(x, dy, dx *float32, blocks int, c *float32)

// geluVector computes y = GELU(x) for the largest multiple of 8 values the
// vector kernel can take, and returns how many it did.
func geluVector(x, y []float32) int {
	n := len(x) / 8
	if !hasAVX2() || n == 0 {
		return 0
	}
	geluAVX2(&x[0], &y[0], n, &geluConsts[0])
	return 8 * n
}

// geluGradVector computes dx = dy·GELU'(x) like geluVector.
func geluGradVector(x, dy, dx []float32) int {
	n := len(x) / 8
	if !hasAVX2() || n == 0 {
		return 0
	}
	geluGradAVX2(&x[0], &dy[0], &dx[0], n, &geluConsts[0])
	return 8 * n
}

//go:noescape
func expAVX2(x *float32, blocks int, c *float32)

// expVector replaces x[i] by e^x[i] for the largest multiple of 8 values
// the vector kernel can take (inputs below −87 give e^−87), and returns how
// many it did.
func expVector(x []float32) int {
	n := len(x) / 8
	if !hasAVX2() || n == 0 {
		return 0
	}
	expAVX2(&x[0], n, &geluConsts[0])
	return 8 * n
}
