//go:build !amd64 || purego

package blas

func hasWiden8Blocks(Half) bool { return false }

func callWidenBlocks8(Half, []float32, []uint16) {}
