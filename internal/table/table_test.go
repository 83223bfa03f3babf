package table

import "testing"

func TestForms(t *testing.T) {
	tb := Table{Title: "runs", Header: []string{"run", "loss"}, Rows: [][]string{{"a|b", "0.5"}, {"longer", "1"}}}
	wantMD := "runs\n\n| run | loss |\n|---|---|\n| a\\|b | 0.5 |\n| longer | 1 |\n"
	if got := tb.Markdown(); got != wantMD {
		t.Errorf("Markdown:\n%q\nwant\n%q", got, wantMD)
	}
	wantText := "runs\nrun     loss\na|b     0.5\nlonger  1"
	if got := tb.Text(); got != wantText {
		t.Errorf("Text:\n%q\nwant\n%q", got, wantText)
	}
	if got := Percent(0.87654); got != "87.65" {
		t.Errorf("Percent(0.87654) = %s, want 87.65", got)
	}
}
