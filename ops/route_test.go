package ops

import (
	"os"
	"strings"
	"testing"

	"github.com/aim-go/aim/internal/isa"
)

// numericalTests are the tests that compare the operations with float64
// references or finite differences: TestOnEveryLevel runs them again on
// every instruction-set level other than the active one, which the plain
// test run covers.
var numericalTests = []struct {
	name string
	test func(*testing.T)
}{
	{"Linear", TestLinear}, {"LinearWithoutInputGradient", TestLinearWithoutInputGradient},
	{"LinearHalfMatchesLinear", TestLinearHalfMatchesLinear}, {"LinearEqualsUnfused", TestLinearEqualsUnfused},
	{"LayerNorm", TestLayerNorm}, {"LayerNormFloat32MatchesFloat64", TestLayerNormFloat32MatchesFloat64},
	{"LayerNormEqualsUnfused", TestLayerNormEqualsUnfused},
	{"GELU", TestGELU}, {"GELUFloat32MatchesFloat64", TestGELUFloat32MatchesFloat64},
	{"GELUVectorKernels", TestGELUVectorKernels}, {"FastMathAccuracy", TestFastMathAccuracy},
	{"ExpVector", TestExpVector}, {"SoftmaxVector", TestSoftmaxVector},
	{"Attention", TestAttention}, {"AttentionEqualsUnfused", TestAttentionEqualsUnfused},
	{"AttentionInferenceReusesScores", TestAttentionInferenceReusesScores},
	{"AddAndAddRows", TestAddAndAddRows}, {"WeightedMSE", TestWeightedMSE},
}

// TestOnEveryLevel runs the numerical tests on each instruction-set level
// of package isa (portable Go, AVX2, AVX-512 through package blas) that
// AIM_ISA allows, so that a kernel wrong on some CPU fails on any CPU that
// can run it; a level this CPU cannot run is skipped by name.
func TestOnEveryLevel(t *testing.T) {
	active := isa.Active()
	for _, level := range isa.Levels() {
		t.Run(level.String(), func(t *testing.T) {
			switch missing := isa.Missing(level); {
			case forcedOther(level):
				t.Skipf("level %v: %s=%s forces another", level, isa.EnvVar, os.Getenv(isa.EnvVar))
			case len(missing) > 0:
				t.Skipf("level %v: this CPU lacks %s", level, strings.Join(missing, ", "))
			case level == active:
				t.Skipf("level %v is the active one: the plain tests ran on it", level)
			}
			if err := isa.Set(level); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { isa.Set(active) })
			for _, nt := range numericalTests {
				t.Run(nt.name, nt.test)
			}
		})
	}
}

// forcedOther reports whether AIM_ISA forces a level other than level.
func forcedOther(level isa.Level) bool {
	l, ok := isa.Forced()
	return ok && l != level
}
