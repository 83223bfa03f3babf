package objectives_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/aim-go/aim/masks"
	"github.com/aim-go/aim/objectives"
)

// One image of K = 4 patches of P = 4 values under prefix length S = 2:
// position i predicts patch i+1, and only the targets outside the prefix
// count (positions 1 and 2; the last position predicts nothing).
func Example() {
	const k, p, prefix = 4, 4, 2
	patchValues := []float32{ // (K, P), flattened (row, column, channel)
		0, 1, 2, 3,
		1, 1, 1, 5,
		2, 4, 6, 8,
		9, 7, 5, 3,
	}
	targets := make([]float32, k*p)
	objectives.NextPatchTargets(patchValues, k, p, objectives.Normalized, targets)
	weights := make([]float32, k)
	objectives.Weights(prefix, weights)

	fmt.Println("weights:", weights, "counted:", objectives.Counted(prefix, k))
	for i := range k {
		fmt.Printf("target of position %d: %5.2f\n", i, targets[i*p:(i+1)*p])
	}
	// A model that predicts zeros is off by each target's values: a
	// normalised patch of P values has a mean square of (P−1)/P.
	pred := make([]float32, k*p)
	fmt.Printf("loss of predicting zeros: %.4f\n", objectives.Loss(pred, targets, weights, p))
	// Output:
	// weights: [0 1 1 0] counted: 2
	// target of position 0: [-0.50 -0.50 -0.50  1.50]
	// target of position 1: [-1.16 -0.39  0.39  1.16]
	// target of position 2: [ 1.16  0.39 -0.39 -1.16]
	// target of position 3: [ 0.00  0.00  0.00  0.00]
	// loss of predicting zeros: 0.7500
}

// Pre-training draws each sample's prefix length uniformly from [1, K−1];
// validation cycles through every length instead.
func ExamplePrefix() {
	const k = 16
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[int]bool{}
	for range 1000 {
		s := objectives.Prefix(masks.PrefixCausal, rng, k)
		if s < 1 || s > k-1 {
			fmt.Println("out of range:", s)
		}
		seen[s] = true
	}
	fmt.Println("distinct prefix lengths drawn:", len(seen))
	fmt.Println("causal:", objectives.Prefix(masks.Causal, rng, k), "bidirectional:", objectives.Prefix(masks.Bidirectional, rng, k))
	fmt.Println("validation images 0, 1, 15, 16:",
		objectives.ValidationPrefix(0, k), objectives.ValidationPrefix(1, k),
		objectives.ValidationPrefix(15, k), objectives.ValidationPrefix(16, k))
	// Output:
	// distinct prefix lengths drawn: 15
	// causal: 1 bidirectional: 16
	// validation images 0, 1, 15, 16: 1 2 1 2
}
