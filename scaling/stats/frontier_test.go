package stats

import (
	"math"
	"testing"
)

func TestFrontierCrossing(t *testing.T) {
	// small: 10·C^(−½) + 1, large: 100·C^(−½) + 0.5. large − small =
	// 90·C^(−½) − 0.5, positive below C^(½) = 180 and negative above, so
	// small is best up to C = 180² = 32400 and large from there on.
	fits := map[string]PowerLaw{
		"small": {A: 10, B: 0.5, E: 1},
		"large": {A: 100, B: 0.5, E: 0.5},
	}
	best, switches := Frontier(fits, 1e2, 1e8)
	if best != "small" || len(switches) != 1 {
		t.Fatalf("Frontier = %q, %+v; want small then one switch", best, switches)
	}
	s := switches[0]
	if s.From != "small" || s.To != "large" {
		t.Errorf("switch %+v, want small → large", s)
	}
	closeTo(t, "switch compute", s.Compute, 32400, 32400*1e-9)
}

func TestFrontierTwoCrossings(t *testing.T) {
	// a: C^(−1) + 3 is best at low compute; b: 10·C^(−½) + 2 crosses a
	// where 3 + 1/C = 2 + 10/√C; with u = 1/√C, u² − 10u + 1 = 0, so
	// u = 5 − √24 and C = 1/u² = 97.9898987. c: 100·C^(−½) + 1 crosses b
	// where 2 + 10u = 1 + 100u, u = 1/90, C = 8100.
	fits := map[string]PowerLaw{
		"a": {A: 1, B: 1, E: 3},
		"b": {A: 10, B: 0.5, E: 2},
		"c": {A: 100, B: 0.5, E: 1},
	}
	best, switches := Frontier(fits, 1, 1e7)
	if best != "a" || len(switches) != 2 {
		t.Fatalf("Frontier = %q, %+v; want a then two switches", best, switches)
	}
	u := 5 - math.Sqrt(24)
	want := []Switch{{1 / (u * u), "a", "b"}, {8100, "b", "c"}}
	for i, s := range switches {
		if s.From != want[i].From || s.To != want[i].To {
			t.Errorf("switch %d %+v, want %+v", i, s, want[i])
		}
		closeTo(t, "switch compute", s.Compute, want[i].Compute, want[i].Compute*1e-9)
	}
}

func TestFrontierNoSwitch(t *testing.T) {
	fits := map[string]PowerLaw{"worse": {A: 10, B: 0.5, E: 2}, "better": {A: 10, B: 0.5, E: 1}}
	best, switches := Frontier(fits, 1, 1e6)
	if best != "better" || len(switches) != 0 {
		t.Errorf("Frontier = %q, %+v; want better throughout", best, switches)
	}
	best, switches = Frontier(fits, 50, 50)
	if best != "better" || len(switches) != 0 {
		t.Errorf("Frontier at one compute = %q, %+v; want better", best, switches)
	}
}

func TestFrontierTieGoesToFirstName(t *testing.T) {
	same := PowerLaw{A: 1, B: 0.5, E: 1}
	best, switches := Frontier(map[string]PowerLaw{"z": same, "m": same, "q": same}, 1, 100)
	if best != "m" || len(switches) != 0 {
		t.Errorf("Frontier of equal laws = %q, %+v; want m", best, switches)
	}
}

func TestFrontierBadInput(t *testing.T) {
	fits := map[string]PowerLaw{"a": {A: 1, B: 0.5, E: 1}}
	for _, r := range [][2]float64{{0, 10}, {-1, 10}, {10, 1}, {1, math.Inf(1)}, {math.NaN(), 10}} {
		if best, switches := Frontier(fits, r[0], r[1]); best != "" || switches != nil {
			t.Errorf("Frontier(%v … %v) = %q, %+v; want nothing", r[0], r[1], best, switches)
		}
	}
	if best, switches := Frontier(nil, 1, 10); best != "" || switches != nil {
		t.Errorf("Frontier(no fits) = %q, %+v; want nothing", best, switches)
	}
}
