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
package objectives
