package plots

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
)

// TestBarChart draws a grouped chart with a missing value and refuses bars
// that do not match the categories or hold an infinity, naming the set.
func TestBarChart(t *testing.T) {
	p, err := BarChart("acc", "%", []string{"a", "b"}, Bars{Label: "x", Values: []float64{1, 2}}, Bars{Label: "y", Values: []float64{3, math.NaN()}})
	if err != nil {
		t.Fatal(err)
	}
	if err := Save(p, filepath.Join(t.TempDir(), "bars"), 4*vg.Inch, 3*vg.Inch); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []Bars{{Label: "short", Values: []float64{1}}, {Label: "inf", Values: []float64{1, math.Inf(1)}}} {
		if _, err := BarChart("acc", "%", []string{"a", "b"}, bad); err == nil || !strings.Contains(err.Error(), bad.Label) {
			t.Errorf("bars %q: error %v, want one naming them", bad.Label, err)
		}
	}
}
