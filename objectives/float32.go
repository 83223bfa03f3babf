package objectives

// The float32 instances of the generic functions under non-generic names,
// for callers that cannot instantiate generics: the notebook kernel's
// interpreter (yaegi) binds only non-generic functions.

// NormalizePatch32 is NormalizePatch on float32 values.
func NormalizePatch32(t []float32) { NormalizePatch(t) }

// NextPatchTargets32 is NextPatchTargets on float32 patches.
func NextPatchTargets32(patches []float32, k, p int, kind Target, dst []float32) {
	NextPatchTargets(patches, k, p, kind, dst)
}

// PatchTarget32 is PatchTarget from float32 to float32.
func PatchTarget32(patch []float32, kind Target, dst []float32) { PatchTarget(patch, kind, dst) }

// Weights32 is Weights on float32 weights.
func Weights32(prefix int, w []float32) { Weights(prefix, w) }

// Loss32 is Loss on float32 slices.
func Loss32(pred, target, weight []float32, p int) float64 { return Loss(pred, target, weight, p) }
