//go:build amd64 && !purego

package blas

// widenBF16Blocks and widenF16Blocks widen 16·blocks values at src to
// float32 at dst with AVX-512 (see half_amd64.s); the caller checks
// hasNTKernel.
//
//go:noescape
func widenBF16Blocks(dst *float32, src *uint16, blocks int)

//go:noescape
func widenF16Blocks(dst *float32, src *uint16, blocks int)

// widen widens len(dst) values of format h, exactly.
func widen(h Half, dst []float32, src []uint16) {
	src = src[:len(dst)]
	blocks := len(dst) / 16
	if hasNTKernel && blocks > 0 {
		if h == F16 {
			widenF16Blocks(&dst[0], &src[0], blocks)
		} else {
			widenBF16Blocks(&dst[0], &src[0], blocks)
		}
	}
	widenGo(h, dst[16*blocks:], src[16*blocks:])
}
