package objectives

import (
	"slices"
	"testing"
)

// The non-generic entry points are the float32 instances.
func TestFloat32EntryPoints(t *testing.T) {
	patch := []float32{1, 2, 3, 4}
	a, b := slices.Clone(patch), slices.Clone(patch)
	NormalizePatch32(a)
	NormalizePatch(b)
	if !slices.Equal(a, b) || a[0] >= 0 {
		t.Errorf("NormalizePatch32 %v, NormalizePatch %v", a, b)
	}
	da, db := make([]float32, 4), make([]float32, 4)
	PatchTarget32(patch, Normalized, da)
	PatchTarget(patch, Normalized, db)
	if !slices.Equal(da, db) {
		t.Errorf("PatchTarget32 %v, PatchTarget %v", da, db)
	}
	wa, wb := make([]float32, 4), make([]float32, 4)
	Weights32(2, wa)
	Weights(2, wb)
	if !slices.Equal(wa, wb) {
		t.Errorf("Weights32 %v, Weights %v", wa, wb)
	}
	patches := []float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12} // k = 3 patches of p = 4 values
	ta, tb := make([]float32, 12), make([]float32, 12)
	NextPatchTargets32(patches, 3, 4, Raw, ta)
	NextPatchTargets(patches, 3, 4, Raw, tb)
	if !slices.Equal(ta, tb) {
		t.Errorf("NextPatchTargets32 %v, NextPatchTargets %v", ta, tb)
	}
	pred, target, weight := []float32{1, 1, 0, 0}, []float32{0, 1, 0, 2}, []float32{1}
	if got, want := Loss32(pred, target, weight, 4), Loss(pred, target, weight, 4); got != want || got == 0 {
		t.Errorf("Loss32 %v, Loss %v", got, want)
	}
}
