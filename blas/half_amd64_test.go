//go:build amd64 && !purego

package blas

func hasWiden8Blocks(h Half) bool { return hasWiden8[h] }

// callWidenBlocks8 widens len(dst) values (a multiple of 8) with
// widenBlocks8.
func callWidenBlocks8(h Half, dst []float32, src []uint16) {
	f16 := 0
	if h == F16 {
		f16 = 1
	}
	widenBlocks8(&dst[0], &src[0], len(dst)/8, f16)
}
