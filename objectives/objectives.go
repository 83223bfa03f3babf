package objectives

import (
	"math"
	"math/rand/v2"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"

	"github.com/aim-go/aim/masks"
	"github.com/aim-go/aim/ops"
)

// PatchNormEps is added to a target patch's variance before normalising.
const PatchNormEps = 1e-6

// Target selects the regression target.
type Target string

const (
	// Normalized targets are per-patch normalised pixels (the paper's choice).
	Normalized Target = "normalized"
	// Raw targets are the pixels as given to the model.
	Raw Target = "raw"
)

// ParseTarget checks a target name.
func ParseTarget(s string) (Target, error) {
	switch Target(s) {
	case Normalized, Raw:
		return Target(s), nil
	}
	return "", errors.Errorf("unknown target %q: expected normalized or raw", s)
}

// Float is the element type of targets and weights.
type Float interface{ ~float32 | ~float64 }

// NormalizePatch normalises one flattened patch in place to zero mean and
// unit (unbiased) variance.
func NormalizePatch[T Float](t []T) {
	n := float64(len(t))
	var mean float64
	for _, v := range t {
		mean += float64(v)
	}
	mean /= n
	var ss float64
	for _, v := range t {
		ss += (float64(v) - mean) * (float64(v) - mean)
	}
	inv := 1 / math.Sqrt(ss/(n-1)+PatchNormEps)
	for i, v := range t {
		t[i] = T((float64(v) - mean) * inv)
	}
}

// NextPatchTargets writes, for one image, the target of every sequence
// position into dst (K, P): row i holds patch i+1 of patches (K, P), flattened
// (row, column, channel) and normalised unless kind is Raw; the last row,
// which predicts nothing, is zero.
func NextPatchTargets[T Float](patches []T, k, p int, kind Target, dst []T) {
	copy(dst[:(k-1)*p], patches[p:k*p])
	clear(dst[(k-1)*p : k*p])
	if kind == Raw {
		return
	}
	for i := 0; i < k-1; i++ {
		NormalizePatch(dst[i*p : (i+1)*p])
	}
}

// PatchTarget writes the regression target of one patch (flattened row, column,
// channel) into dst: the patch normalised, or as it is for Raw.
func PatchTarget[S, T Float](patch []S, kind Target, dst []T) {
	for i, v := range patch {
		dst[i] = T(v)
	}
	if kind != Raw {
		NormalizePatch(dst)
	}
}

// Weights writes the loss weight of every sequence position into w (K): 1
// when the position's target patch i+1 lies outside the prefix (i+1 ≥ S) and
// exists (i+1 ≤ K−1), else 0.
func Weights[T Float](prefix int, w []T) {
	for i := range w {
		if i+1 >= prefix && i+1 < len(w) {
			w[i] = 1
		} else {
			w[i] = 0
		}
	}
}

// GatherTargets is the objective's targets for one image in the form the
// model's loss reads them: only the counted positions (Weights), each the
// target of the next patch (PatchTarget of patch i+1 of patches (K, P),
// flattened row, column, channel), written one after another into dst,
// which must hold Counted(prefix, K) rows of P. It appends the counted
// positions to positions and returns it: the rows of the model's
// per-position predictions the loss compares with dst.
func GatherTargets[S, T Float](patches []S, k, p, prefix int, kind Target, dst []T, positions []int) []int {
	r := 0
	for pos := max(prefix, 1) - 1; pos < k-1; pos++ {
		PatchTarget(patches[(pos+1)*p:(pos+2)*p], kind, dst[r*p:(r+1)*p])
		positions = append(positions, pos)
		r++
	}
	return positions
}

// Counted returns how many target patches count for prefix length S among K
// patches: K − max(S, 1).
func Counted(prefix, k int) int { return k - max(prefix, 1) }

// SamplePrefix draws a prefix length uniformly from [1, K−1].
func SamplePrefix(rng *rand.Rand, k int) int { return 1 + rng.IntN(k-1) }

// Prefix returns a sample's prefix length for a mask kind: drawn for
// PrefixCausal, 1 for Causal, K for Bidirectional.
func Prefix(kind masks.Kind, rng *rand.Rand, k int) int {
	switch kind {
	case masks.Causal:
		return 1
	case masks.Bidirectional:
		return k
	}
	return SamplePrefix(rng, k)
}

// ValidationPrefix is the prefix length of the i-th held-out image,
// 1 + (i mod (K−1)): it cycles through every length, so the validation loss
// estimates the expected training loss without sampling noise.
func ValidationPrefix(i, k int) int { return 1 + i%(k-1) }

// Loss is AIM's pre-training loss on plain values: pred and target hold R
// rows of P values (a position's prediction and its next patch's target),
// weight the R weights from Weights. Each row's squared error is averaged
// over its P values; the rows of weight 1 are averaged, rows of weight 0
// do not count. It is 0 when no row counts. NextPatchLoss computes the same
// inside a graph.
func Loss[T Float](pred, target, weight []T, p int) float64 {
	var total, counted float64
	for r, w := range weight {
		if w == 0 {
			continue
		}
		var se float64
		for j := r * p; j < (r+1)*p; j++ {
			d := float64(pred[j]) - float64(target[j])
			se += d * d
		}
		total += float64(w) * se / float64(p)
		counted += float64(w)
	}
	if counted == 0 {
		return 0
	}
	return total / counted
}

// NextPatchLoss adds Loss to a graph: pred and target (R, P), weight (R).
// counted, when not nil, is the set of counted positions the prediction
// head ran on (ops.GatherRows): then only its first counted.Len() rows are
// read, the rest of the buffers being padding. Only pred receives a
// gradient. The computation is ops.WeightedMSE, a fused kernel with its own
// backward pass.
func NextPatchLoss(pred, target, weight *G.Node, counted *ops.Rows) (*G.Node, error) {
	return ops.WeightedMSE(pred, target, weight, ops.OnRows(counted))
}
