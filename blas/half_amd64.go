//go:build amd64 && !purego

package blas

// widenBlocks widens 16·blocks values at src to float32 at dst with
// AVX-512 (see half_amd64.s): BF16 values when f16 is 0, F16 ones
// otherwise. The caller checks hasNTKernel.
//
//go:noescape
func widenBlocks(dst *float32, src *uint16, blocks int, f16 int)

// widen widens len(dst) values of format h, exactly.
func widen(h Half, dst []float32, src []uint16) {
	src = src[:len(dst)]
	blocks := len(dst) / 16
	if hasNTKernel && blocks > 0 {
		f16 := 0
		if h == F16 {
			f16 = 1
		}
		widenBlocks(&dst[0], &src[0], blocks, f16)
	}
	widenGo(h, dst[16*blocks:], src[16*blocks:])
}
