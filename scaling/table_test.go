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
