//go:build !amd64 || purego

package ops

func vectorRows(int) bool { return false }

func rowSumAVX2(*float32, int) float32                     { panic("no vector kernels") }
func rowDevAVX2(*float32, int, float32) (_, _ float32)     { panic("no vector kernels") }
func normRowAVX2(_, _, _, _ *float32, _ int, _, _ float32) { panic("no vector kernels") }
func normGradSumsAVX2(_, _, _ *float32, _ int, _ float32) (_, _ float32) {
	panic("no vector kernels")
}
func normGradRowAVX2(_, _, _, _ *float32, _ int, _, _, _, _ float32) { panic("no vector kernels") }
