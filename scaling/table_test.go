package scaling

import (
	"strings"
	"testing"

	"github.com/aim-go/aim/graph"
)

// A notebook shows Results as Tables (means and intervals over seeds),
// with every seed's run in the plain-text form.
func TestResultsTable(t *testing.T) {
	tiny, err := graph.Preset("tiny")
	if err != nil {
		t.Fatal(err)
	}
	res := &Results{Mode: "quick", Dataset: "mnist", Sweep: "models"}
	for seed, acc := range []float64{0.85, 0.86} {
		res.Runs = append(res.Runs, RunResult{
			Spec: Spec{Ladder: ModelLadder, Label: "tiny", Preset: "tiny", Model: tiny, Seed: uint64(seed), Steps: 10, Batch: 4}, TrunkParams: 199000,
			FinalValLoss: 0.1451, SuiteAverage: 0.82, Accuracy: map[string]float64{"mnist": acc},
		})
	}
	md := res.Markdown()
	for _, want := range []string{"0.1451", "82.00", "85.50", "| tiny | 2 |"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	text := res.Text()
	for _, want := range []string{"tiny", "85.00", "86.00", "2 runs"} {
		if !strings.Contains(text, want) || strings.Contains(text, "|") {
			t.Errorf("text table lacks %q (or holds a |):\n%s", want, text)
		}
	}
}

// A figure's title says how many seeds its points have, and never more
// than the fewest-seeded point has without saying so.
func TestSeedNoteNamesTheSeedRange(t *testing.T) {
	seeds := func(counts ...int) []Point {
		pts := make([]Point, len(counts))
		for i, n := range counts {
			for s := range n {
				pts[i].Seeds = append(pts[i].Seeds, uint64(s))
			}
		}
		return pts
	}
	for _, c := range []struct {
		counts []int
		want   string
	}{
		{[]int{1, 1}, "\none seed"},
		{[]int{3, 3}, "\nmeans and 95% intervals over 3 seeds"},
		{[]int{3, 1, 2}, "\nmeans and 95% intervals over 1 to 3 seeds (no bar: one seed)"},
		{[]int{2, 3}, "\nmeans and 95% intervals over 2 to 3 seeds"},
	} {
		if got := seedNote(seeds(c.counts...)); got != c.want {
			t.Errorf("seedNote(%v seeds) = %q, want %q", c.counts, got, c.want)
		}
	}
}
