package objectives

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/aim-go/aim/masks"
)

func TestNormalizePatchByHand(t *testing.T) {
	// mean 2.5, unbiased variance 5/3.
	p := []float64{1, 2, 3, 4}
	NormalizePatch(p)
	s := math.Sqrt(5.0/3 + PatchNormEps)
	want := []float64{-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s}
	for i := range p {
		if math.Abs(p[i]-want[i]) > 1e-12 {
			t.Fatalf("normalised %v, want %v", p, want)
		}
	}
	flat := []float32{3, 3, 3}
	NormalizePatch(flat)
	for _, v := range flat {
		if v != 0 {
			t.Fatalf("a constant patch normalises to %v, want zeros", flat)
		}
	}
}

func TestNextPatchTargetsShiftByOne(t *testing.T) {
	// K = 3 patches of P = 2 values.
	patches := []float64{1, 2, 5, 9, -1, 3}
	dst := make([]float64, 6)
	NextPatchTargets(patches, 3, 2, Raw, dst)
	want := []float64{5, 9, -1, 3, 0, 0}
	for i := range dst {
		if dst[i] != want[i] {
			t.Fatalf("raw targets %v, want %v", dst, want)
		}
	}
	NextPatchTargets(patches, 3, 2, Normalized, dst)
	// 5 and 9: mean 7, unbiased variance 8, so ∓2/√(8 + eps).
	r := 2 / math.Sqrt(8+PatchNormEps)
	if math.Abs(dst[0]+r) > 1e-6 || math.Abs(dst[1]-r) > 1e-6 || dst[4] != 0 || dst[5] != 0 {
		t.Fatalf("normalised targets %v", dst)
	}
}

func TestWeightsCountNonPrefixTargets(t *testing.T) {
	cases := []struct {
		prefix int
		want   []float64
	}{
		{1, []float64{1, 1, 1, 1, 0}}, // targets 1..4
		{3, []float64{0, 0, 1, 1, 0}}, // targets 3, 4
		{4, []float64{0, 0, 0, 1, 0}}, // target 4
		{5, []float64{0, 0, 0, 0, 0}}, // nothing outside the prefix
	}
	for _, c := range cases {
		w := make([]float64, 5)
		Weights(c.prefix, w)
		sum := 0
		for i := range w {
			if w[i] != c.want[i] {
				t.Fatalf("S=%d: weights %v, want %v", c.prefix, w, c.want)
			}
			sum += int(w[i])
		}
		if sum != Counted(c.prefix, 5) {
			t.Errorf("S=%d: Counted %d, weights sum %d", c.prefix, Counted(c.prefix, 5), sum)
		}
	}
}

func TestPrefixSampling(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	const k = 6
	seen := make([]int, k+1)
	for i := 0; i < 5000; i++ {
		s := Prefix(masks.PrefixCausal, rng, k)
		if s < 1 || s > k-1 {
			t.Fatalf("prefix %d outside [1, %d]", s, k-1)
		}
		seen[s]++
	}
	for s := 1; s < k; s++ {
		if seen[s] < 800 || seen[s] > 1200 {
			t.Errorf("prefix %d drawn %d times of 5000; expected about 1000", s, seen[s])
		}
	}
	if Prefix(masks.Causal, rng, k) != 1 || Prefix(masks.Bidirectional, rng, k) != k {
		t.Error("causal and bidirectional prefixes are not 1 and K")
	}
	for i, want := range []int{1, 2, 3, 4, 5, 1, 2} {
		if got := ValidationPrefix(i, k); got != want {
			t.Errorf("ValidationPrefix(%d) = %d, want %d", i, got, want)
		}
	}
}

// GatherTargets keeps exactly the rows of NextPatchTargets that Weights
// counts, in order: the two definitions of the objective agree for every
// prefix length and both target kinds.
func TestGatherTargetsIsTheCountedRows(t *testing.T) {
	const k, p = 6, 4
	patches := make([]float64, k*p)
	for i := range patches {
		patches[i] = math.Sin(float64(3*i + 1))
	}
	for _, kind := range []Target{Normalized, Raw} {
		all, w := make([]float64, k*p), make([]float64, k)
		NextPatchTargets(patches, k, p, kind, all)
		for prefix := 1; prefix <= k; prefix++ {
			Weights(prefix, w)
			dst := make([]float32, Counted(prefix, k)*p)
			pos := GatherTargets(patches, k, p, prefix, kind, dst, []int{-1})
			if pos[0] != -1 || len(pos)-1 != Counted(prefix, k) {
				t.Fatalf("%s, prefix %d: positions %v, want -1 kept and %d appended", kind, prefix, pos, Counted(prefix, k))
			}
			for r, at := range pos[1:] {
				if w[at] != 1 {
					t.Errorf("%s, prefix %d: position %d is not counted by Weights", kind, prefix, at)
				}
				for j := 0; j < p; j++ {
					if math.Abs(float64(dst[r*p+j])-all[at*p+j]) > 1e-6 {
						t.Fatalf("%s, prefix %d: row %d = %v, want NextPatchTargets' row %d", kind, prefix, r, dst[r*p:(r+1)*p], at)
					}
				}
			}
		}
	}
}
