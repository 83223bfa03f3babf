package probe

import (
	"strings"
	"testing"
)

func TestResultTables(t *testing.T) {
	r := &Result{Dataset: "mnist", Probe: Attentive, TrainAccuracy: 0.9, TestAccuracy: 0.875, TrainImages: 100, TestImages: 50}
	rand := *r
	rand.RandomInit, rand.TestAccuracy = true, 0.5
	md := Results{r, nil, &rand}.Markdown()
	for _, want := range []string{"| mnist | attentive | pre-trained | 100 | 50 |", "87.50", "random init", "50.00"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Count(md, "\n") != 4 {
		t.Errorf("want header, rule and two rows (nil skipped):\n%s", md)
	}
	if text := (Results{r}).Text(); !strings.Contains(text, "87.50") || strings.Contains(text, "|") {
		t.Errorf("text table: %q", text)
	}
	if one := r.Markdown(); strings.Count(one, "\n") != 3 || !strings.Contains(one, "90.00") {
		t.Errorf("one result: %q", one)
	}
}
