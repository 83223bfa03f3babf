package masks

import "github.com/pkg/errors"

// Kind selects how the prefix length of a sample is chosen.
type Kind int

const (
	// PrefixCausal draws S uniformly from [1, K−1] per sample (pre-training).
	PrefixCausal Kind = iota
	// Causal fixes S = 1.
	Causal
	// Bidirectional fixes S = K: every token sees every token.
	Bidirectional
)

// String returns the name used by flags and logs.
func (k Kind) String() string {
	switch k {
	case PrefixCausal:
		return "prefix"
	case Causal:
		return "causal"
	case Bidirectional:
		return "bidirectional"
	}
	return "unknown"
}

// ParseKind reads the name printed by String.
func ParseKind(s string) (Kind, error) {
	for _, k := range []Kind{PrefixCausal, Causal, Bidirectional} {
		if k.String() == s {
			return k, nil
		}
	}
	return 0, errors.Errorf("unknown mask %q: expected prefix, causal or bidirectional", s)
}

// Allowed reports whether query i may attend key j under prefix length S.
func Allowed(i, j, prefix int) bool { return j < prefix || j <= i }

// VisibleKeys returns how many keys query i sees under prefix length S: it
// sees exactly keys 0 … VisibleKeys(i, S)−1.
func VisibleKeys(i, prefix int) int { return max(prefix, i+1) }

// Matrix returns the K×K mask for prefix length S as booleans (true =
// attention allowed), for tests and pictures.
func Matrix(k, prefix int) [][]bool {
	m := make([][]bool, k)
	for i := range m {
		m[i] = make([]bool, k)
		for j := range m[i] {
			m[i][j] = Allowed(i, j, prefix)
		}
	}
	return m
}
