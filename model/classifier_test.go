package model

import (
	"math"
	"testing"
)

// TopK against softmax probabilities computed by hand: logits (1, 3, 3, 0)
// have exp-sum e¹+2e³+1, so class 1 (first of the tie) has
// e³/(e+2e³+1) = 0.4643.
func TestTopK(t *testing.T) {
	logits := []float32{1, 3, 3, 0}
	sum := math.E + 2*math.Exp(3) + 1
	got := TopK(logits, 3, []string{"a", "b", "c"})
	want := []Prediction{
		{Class: 1, Label: "b", Logit: 3, Probability: math.Exp(3) / sum},
		{Class: 2, Label: "c", Logit: 3, Probability: math.Exp(3) / sum},
		{Class: 0, Label: "a", Logit: 1, Probability: math.E / sum},
	}
	if len(got) != len(want) {
		t.Fatalf("TopK = %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Class != w.Class || g.Label != w.Label || g.Logit != w.Logit || math.Abs(g.Probability-w.Probability) > 1e-12 {
			t.Errorf("rank %d: %+v, want %+v", i, g, w)
		}
	}
	if all := TopK(logits, 10, nil); len(all) != 4 || all[3].Class != 3 || all[3].Label != "" {
		t.Errorf("k beyond the classes, no labels: %+v", all)
	}
}
