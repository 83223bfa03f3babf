//go:build !amd64 || purego

package ops

// Without the amd64 assembly every value takes the scalar path.
func geluVector(x, y []float32) int          { return 0 }
func geluGradVector(x, dy, dx []float32) int { return 0 }
func expVector(x []float32) int              { return 0 }
func softmaxVector(row []float32) bool       { return false }
