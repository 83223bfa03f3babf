package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/scaling"
)

func TestExampleDrawsFromAResultsFile(t *testing.T) {
	dir := t.TempDir()
	res := scaling.Results{Dataset: "mnist"}
	for i, preset := range []string{"micro", "tiny", "small"} {
		r := scaling.RunResult{TrunkParams: 1e5 * (i + 1), FinalValLoss: 0.3 - 0.02*float64(i), SuiteAverage: 0.8 + 0.03*float64(i)}
		cfg, err := graph.Preset(preset)
		if err != nil {
			t.Fatal(err)
		}
		r.Ladder, r.Label, r.Preset, r.Model = scaling.ModelLadder, preset, preset, cfg
		res.Runs = append(res.Runs, r)
	}
	b, _ := json.Marshal(res)
	path := filepath.Join(dir, "results.json")
	os.WriteFile(path, b, 0o644)
	out := filepath.Join(dir, "fig")
	if err := run(path, out); err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{".png", ".svg"} {
		if st, err := os.Stat(out + ext); err != nil || st.Size() == 0 {
			t.Errorf("%s%s not written: %v", out, ext, err)
		}
	}
}
