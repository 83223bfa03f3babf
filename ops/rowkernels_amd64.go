//go:build amd64 && !purego

package ops

//go:noescape
func rowSumAVX2(x *float32, blocks int) float32

//go:noescape
func rowDevAVX2(x *float32, blocks int, c float32) (sum, sumsq float32)

//go:noescape
func normRowAVX2(x, gamma, beta, y *float32, blocks int, mean, rstd float32)

//go:noescape
func normGradSumsAVX2(x, gamma, dy *float32, blocks int, mean float32) (sg, sgx float32)

//go:noescape
func normGradRowAVX2(x, gamma, dy, dx *float32, blocks int, mean, rstd, sg, sgx float32)

// vectorRows reports whether rows of d values take the vector kernels.
func vectorRows(d int) bool { return d >= 8 && d%8 == 0 && hasAVX2() }
