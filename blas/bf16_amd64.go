//go:build amd64 && !purego

package blas

// widenBF16Blocks widens 16·blocks bfloat16 values at src to float32 at
// dst with AVX-512 (see bf16_amd64.s); the caller checks hasNTKernel.
//
//go:noescape
func widenBF16Blocks(dst *float32, src *uint16, blocks int)

// widenBF16 widens len(dst) bfloat16 values, exactly.
func widenBF16(dst []float32, src []uint16) {
	src = src[:len(dst)]
	blocks := len(dst) / 16
	if hasNTKernel && blocks > 0 {
		widenBF16Blocks(&dst[0], &src[0], blocks)
	}
	widenBF16Go(dst[16*blocks:], src[16*blocks:])
}
