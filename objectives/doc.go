// Package objectives defines what AIM learns: next-patch prediction of
// per-patch normalised pixels under a prefix-causal mask.
//
// For an image cut into K patches, the prediction at sequence position i is
// compared with patch i+1. Each target patch is normalised on its own
// ((t − mean)/√(var + 1e-6), unbiased variance) unless raw pixel targets are
// asked for. A sample's prefix length S is drawn uniformly from [1, K−1]; the
// prefix patches are context only, so only target patches j ≥ S count. The
// loss is the squared error averaged over a patch's values, summed over the
// counted patches of the batch and divided by their number.
//
// For one image: Prefix (or SamplePrefix) draws S, NextPatchTargets writes
// the target of every position from the image's patches (package patches),
// and Weights marks the positions that count. Loss computes the loss of
// predictions on plain slices; NextPatchLoss adds the same to a Gorgonia
// graph. ValidationPrefix gives held-out images fixed prefix lengths, so
// that the validation loss has no sampling noise. Functions with a 32
// suffix are the float32 forms of the generic ones, for callers that cannot
// instantiate generics (the notebook interpreter).
package objectives
