package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/internal/buildinfo"
	"github.com/aim-go/aim/scaling"
	"github.com/aim-go/aim/train"
)

// TestScalingEstimateAndUsage: --estimate lists every part with its runs
// and time and runs nothing; bad --part, --seeds and flag mixes are usage
// errors naming the flag.
func TestScalingEstimateAndUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"scaling", "--estimate"}, &stdout, &stderr); code != 0 {
		t.Fatalf("--estimate: exit %d: %s", code, stderr.String())
	}
	for _, part := range scaling.FullMode().Parts() {
		if !strings.Contains(stdout.String(), "part "+string(part)+", 3 seeds: ") {
			t.Errorf("--estimate does not list part %s:\n%s", part, stdout.String())
		}
	}
	if !strings.Contains(stdout.String(), "part models, 3 seeds: 12 runs (12 to train, 12 suites to probe), ≈ ") {
		t.Errorf("--estimate: %s", stdout.String())
	}
	stdout.Reset()
	if code := run([]string{"scaling", "--estimate", "--quick", "--part", "checkpoints"}, &stdout, &stderr); code != 0 ||
		!strings.Contains(stdout.String(), "part checkpoints, one seed: 5 runs (1 to train, 5 suites to probe)") || strings.Contains(stdout.String(), "part models") {
		t.Errorf("--estimate --quick --part checkpoints: exit %d: %s", code, stdout.String())
	}
	out := filepath.Join(t.TempDir(), "results")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--part", "nope"}, "--part nope: expected one of models, models-base"},
		{[]string{"--part", "models", "--sweep", "all"}, "give --part or --sweep, not both"},
		{[]string{"--seeds", "-1"}, "--seeds -1"},
		{[]string{"--precision", "fp16"}, "--precision fp16: expected auto, f32 or bf16"},
	} {
		stderr.Reset()
		if code := run(append([]string{"scaling", "--out", out}, tc.args...), &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("aim scaling %s: exit %d, %q; want %q", strings.Join(tc.args, " "), code, stderr.String(), tc.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a refused command created %s", out)
	}
}

// TestPlotResultsDrawsErrorBars: aim plot --results draws a results file
// of several seeds with error bars, and one of one seed without.
func TestPlotResultsDrawsErrorBars(t *testing.T) {
	for _, seeds := range []int{1, 3} {
		path := writeSampleResults(t, t.TempDir(), seeds)
		out := filepath.Join(t.TempDir(), "figs")
		var stdout, stderr bytes.Buffer
		if code := run([]string{"plot", "--results", path, "--out", out}, &stdout, &stderr); code != 0 {
			t.Fatalf("%d seeds: exit %d: %s", seeds, code, stderr.String())
		}
		want := map[int]string{1: "3 points, 0 with error bars", 3: "3 points, 3 with error bars"}[seeds]
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("%d seeds: %q; want %q", seeds, stdout.String(), want)
		}
		for _, f := range []string{scaling.FigureLossVsAccuracy, scaling.FigureModelLossCurves, scaling.FigureLossVsFLOPs} {
			if st, err := os.Stat(filepath.Join(out, f+".png")); err != nil || st.Size() == 0 {
				t.Errorf("%d seeds: %s: %v", seeds, f, err)
			}
		}
	}
}

// writeSampleResults writes into dir the results.json of a model ladder of
// micro, tiny and small, each with seeds seeds, and returns its path.
func writeSampleResults(t *testing.T, dir string, seeds int) string {
	t.Helper()
	r := &scaling.Results{Mode: "full", Dataset: "mnist", Sweep: "models"}
	for i, preset := range []string{"micro", "tiny", "small"} {
		cfg, err := graph.Preset(preset)
		if err != nil {
			t.Fatal(err)
		}
		for seed := range seeds {
			loss := 0.2 - 0.03*float64(i) + 0.002*float64(seed)
			run := scaling.RunResult{Spec: scaling.Spec{Ladder: scaling.ModelLadder, Label: preset, Preset: preset, Model: cfg, Steps: 30, Batch: 64, Seed: uint64(seed)},
				FinalValLoss: loss, SuiteAverage: 0.7 + 0.05*float64(i), Accuracy: map[string]float64{"fashion-mnist": 0.7 + 0.05*float64(i) + 0.01*float64(seed)}}
			for step := 10; step <= 30; step += 10 {
				run.Curve = append(run.Curve, train.Metrics{Step: step, ValLoss: loss + 1/float64(step), TrainLoss: loss})
			}
			r.Runs = append(r.Runs, run)
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, scaling.ResultsFile)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestScalingSummarize: --summarize rewrites stale tables, comparisons and
// figures from results.json alone, trains nothing, and refuses the flags
// that choose what to run.
func TestScalingSummarize(t *testing.T) {
	dir := t.TempDir()
	writeSampleResults(t, dir, 3)
	stale := []byte("stale\n")
	for _, name := range []string{scaling.TablesFile, scaling.ResultsCSV, scaling.ComparisonsCSV} {
		if err := os.WriteFile(filepath.Join(dir, name), stale, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"scaling", "--summarize", "--out", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("--summarize: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "9 runs from "+filepath.Join(dir, scaling.ResultsFile)+" summarised again") {
		t.Errorf("--summarize: %q", stdout.String())
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	perSeed := 0
	for _, line := range strings.Split(read(scaling.ResultsCSV), "\n") {
		if strings.HasPrefix(line, "model,") && strings.Contains(line, ",run,1,") {
			perSeed++
		}
	}
	if perSeed != 9 {
		t.Errorf("results.csv has %d per-seed rows; want 9:\n%s", perSeed, read(scaling.ResultsCSV))
	}
	// tiny − micro in loss is −0.03 at every seed: sd 0, so the interval is the point.
	if c := read(scaling.ComparisonsCSV); !strings.Contains(c, "model,micro,tiny,final_val_loss,3,0 1 2,-0.03,") {
		t.Errorf("comparisons.csv lacks the micro → tiny loss step:\n%s", c)
	}
	if tables := read(scaling.TablesFile); tables == string(stale) || !strings.Contains(tables, "| micro |") {
		t.Errorf("tables.md was not rewritten:\n%s", tables)
	}
	if st, err := os.Stat(filepath.Join(dir, scaling.FiguresDir, scaling.FigureLossVsAccuracy+".png")); err != nil || st.Size() == 0 {
		t.Errorf("figure: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "runs")); err == nil {
		t.Errorf("--summarize created a runs directory")
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--summarize", "--out", dir, "--part", "models", "--seeds", "3"}, 2, "--summarize runs nothing and takes only --out; drop --part, --seeds"},
		{[]string{"--summarize"}, 2, "flag --out is required"},
		{[]string{"--summarize", "--out", filepath.Join(dir, "none")}, 1, filepath.Join(dir, "none", scaling.ResultsFile)},
	} {
		stderr.Reset()
		if code := run(append([]string{"scaling"}, tc.args...), &stdout, &stderr); code != tc.code || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("aim scaling %s: exit %d, %q; want %d, %q", strings.Join(tc.args, " "), code, stderr.String(), tc.code, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "none")); err == nil {
		t.Error("--summarize of a directory without results created it")
	}
}

func TestWarnUnversioned(t *testing.T) {
	var b bytes.Buffer
	warnUnversioned(buildinfo.Info{}, &b)
	if !strings.Contains(b.String(), "records no source revision") || !strings.Contains(b.String(), "-buildvcs=true") {
		t.Errorf("warning for a binary without a revision: %q", b.String())
	}
	b.Reset()
	warnUnversioned(buildinfo.Info{VCSRevision: "8df389f307b2a5c390ff14dfa1470370b1c1e8b0"}, &b)
	if b.Len() != 0 {
		t.Errorf("warning for a binary with a revision: %q", b.String())
	}
}
