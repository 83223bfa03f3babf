package masks

import "testing"

// TestMatrixSemantics spells out, for K = 5, exactly which keys each query
// sees under several prefix lengths.
func TestMatrixSemantics(t *testing.T) {
	cases := []struct {
		prefix int
		rows   []string // row i: '1' where query i may attend key j
	}{
		{1, []string{"10000", "11000", "11100", "11110", "11111"}},
		{3, []string{"11100", "11100", "11100", "11110", "11111"}},
		{4, []string{"11110", "11110", "11110", "11110", "11111"}},
		{5, []string{"11111", "11111", "11111", "11111", "11111"}},
	}
	for _, c := range cases {
		m := Matrix(5, c.prefix)
		for i, row := range c.rows {
			for j, want := range row {
				if m[i][j] != (want == '1') {
					t.Errorf("S=%d: query %d key %d allowed=%t, want %c", c.prefix, i, j, m[i][j], want)
				}
			}
			if n := VisibleKeys(i, c.prefix); row[:n] != "11111"[:n] || (n < 5 && row[n] != '0') {
				t.Errorf("S=%d: query %d sees %d keys, row is %s", c.prefix, i, n, row)
			}
		}
	}
}

func TestParseKind(t *testing.T) {
	for _, k := range []Kind{PrefixCausal, Causal, Bidirectional} {
		got, err := ParseKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := ParseKind("diagonal"); err == nil {
		t.Error("unknown mask accepted")
	}
}
