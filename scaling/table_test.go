package scaling

import (
	"strings"
	"testing"
)

func TestResultsTable(t *testing.T) {
	rho := -1.0
	res := &Results{Mode: "quick", Dataset: "mnist", Sweep: "ladders", Spearman: &rho, Runs: []RunResult{{
		Spec: Spec{Ladder: ModelLadder, Label: "tiny"}, TrunkParams: 199000, FinalValLoss: 0.1451,
		SuiteAverage: 0.82, Accuracy: map[string]float64{"mnist": 0.8543},
	}}}
	md := res.Markdown()
	for _, want := range []string{"0.1451", "82.00", "85.43", "| model | tiny | 0.199M |", "Spearman", "-1.00", "1 runs"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if text := res.Text(); !strings.Contains(text, "tiny") || !strings.Contains(text, "85.43") || strings.Contains(text, "|") {
		t.Errorf("text table: %q", text)
	}
}
