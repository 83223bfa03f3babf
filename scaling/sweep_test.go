package scaling

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/probe"
	"github.com/aim-go/aim/train"
)

func needOptdigits(t *testing.T) {
	t.Helper()
	if _, err := data.Load("optdigits", data.LoadOptions{}); errors.Is(err, data.ErrNotInstalled) {
		t.Skip("optdigits (Debian python3-sklearn) is not installed")
	}
}

// TestTwoSeedMicroSweep: two seeds of a two-size model ladder, then the
// data part into the same directory: every seed's run is kept, each point
// has its interval, the parts add up to one set of results, the figures
// exist and plot the intervals results.json holds.
func TestTwoSeedMicroSweep(t *testing.T) {
	needOptdigits(t)
	dir := t.TempDir()
	var log bytes.Buffer
	o := Options{Out: dir, Data: "optdigits", Mode: tinyMode(), Sweep: Models, Seeds: 2, Log: &log}
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "test models, 2 seeds: 4 runs (4 to train, 4 suites to probe)") {
		t.Errorf("no estimate before the first run:\n%s", log.String())
	}
	o.Sweep = Data
	if res, err = Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	// micro on all images is both a model-ladder and a data-ladder point.
	if n := strings.Count(log.String(), "already done"); n != 2 {
		t.Errorf("the data part reused %d runs, want 2 (micro on all images, two seeds):\n%s", n, log.String())
	}
	if len(res.Runs) != 8 || res.Sweep != "models,data" {
		t.Fatalf("%d runs of %q; want 8 of models and data", len(res.Runs), res.Sweep)
	}
	for _, p := range res.Points {
		if len(p.Seeds) != 2 || !p.FinalValLoss.HasInterval || !p.SuiteAverage.HasInterval || !p.Accuracy["optdigits"].HasInterval {
			t.Errorf("point %s %s: seeds %v, intervals %t %t", p.Ladder, p.Label, p.Seeds, p.FinalValLoss.HasInterval, p.SuiteAverage.HasInterval)
		}
		if len(p.Curve) == 0 || !p.Curve[0].ValLoss.HasInterval {
			t.Errorf("point %s %s: curve %+v", p.Ladder, p.Label, p.Curve)
		}
	}
	steps := 0
	for _, c := range res.Comparisons {
		if c.N != 2 || c.Verdict == "" {
			t.Errorf("comparison %+v: want two paired seeds and a verdict", c)
		}
		if c.Ladder == ModelLadder && c.Baseline == "micro" && c.Variant == "tiny" {
			steps++
		}
	}
	if steps != 3 { // val loss, suite average, headline
		t.Errorf("%d comparisons of micro → tiny, want 3", steps)
	}
	// Each run's probes use the run's seed.
	for _, run := range res.Runs {
		b, err := os.ReadFile(filepath.Join(dir, "runs", run.Key, "suite", probe.SuiteJSON))
		if err != nil {
			t.Fatal(err)
		}
		var suite probe.SuiteResult
		if err := json.Unmarshal(b, &suite); err != nil || len(suite.Entries) == 0 || suite.Entries[0].Result == nil {
			t.Fatalf("%s: %v", run.Key, err)
		}
		if got := suite.Entries[0].Result.Seed; got != run.Seed {
			t.Errorf("run %s of seed %d was probed with seed %d", run.Label, run.Seed, got)
		}
	}
	rows := readCSV(t, filepath.Join(dir, ResultsCSV))
	seeds := map[string]int{}
	for _, row := range rows[1:] {
		if row[17] == "run" {
			seeds[row[16]]++
		}
	}
	if seeds["0"] != 4 || seeds["1"] != 4 {
		t.Errorf("results.csv runs per seed %v; want 4 of each", seeds)
	}
	for _, f := range []string{FigureLossVsAccuracy, FigureAccuracyVsImages, FigureModelLossCurves, FigureDataLossCurves, FigureLossVsFLOPs} {
		for _, ext := range []string{".png", ".svg"} {
			if st, err := os.Stat(filepath.Join(dir, FiguresDir, f+ext)); err != nil || st.Size() == 0 {
				t.Errorf("figure %s%s: %v", f, ext, err)
			}
		}
	}
	checkPlottedIntervals(t, filepath.Join(dir, ResultsFile))
	loaded, err := LoadResults(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range AccuracyVsImagesCurves(loaded, DataLadder)[:2] {
		if len(c.Low) != 2 {
			t.Errorf("accuracy vs images %q: %d error bars, want 2", c.Label, len(c.Low))
		}
	}

	// A second sweep into the same results at the same time is refused.
	lock, err := lockResults(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "one after another") {
		t.Errorf("a concurrent sweep: %v", err)
	}
	if _, err := Resummarize(dir); err == nil || !strings.Contains(err.Error(), "one after another") {
		t.Errorf("summarising while a sweep writes: %v", err)
	}
	lock.Release()
	if res, err := Resummarize(dir); err != nil || len(res.Runs) != len(loaded.Runs) {
		t.Errorf("summarising again: %v", err)
	}

	// Results of another mode are not mixed in.
	o.Mode.Name = "other"
	if _, err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "another --out") {
		t.Errorf("another mode into the same directory: %v", err)
	}
}

// TestCheckpointPart: one run per seed keeps its checkpoints and is
// probed at several steps; the validation loss of each step is that
// evaluation's, and the correlation across steps has an interval. A
// second invocation trains and probes nothing.
func TestCheckpointPart(t *testing.T) {
	needOptdigits(t)
	dir := t.TempDir()
	var log bytes.Buffer
	o := Options{Out: dir, Data: "optdigits", Mode: tinyMode(), Sweep: Checkpoints, Seeds: 2, Log: &log}
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	pts := res.LadderPoints(CheckpointLadder)
	if len(pts) != 4 || pts[0].AtStep != 1 || pts[3].AtStep != 6 {
		t.Fatalf("%d checkpoint points; want steps 1, 2, 4, 6", len(pts))
	}
	for _, run := range res.Runs {
		curve, err := train.ReadMetrics(filepath.Join(dir, "runs", run.Key))
		if err != nil {
			t.Fatal(err)
		}
		if len(curve) < run.AtStep || curve[run.AtStep-1].ValLoss != run.FinalValLoss {
			t.Errorf("%s seed %d: val loss %g, not that of its evaluation", run.Label, run.Seed, run.FinalValLoss)
		}
		if run.SuiteAverage <= 0 || run.FLOPs <= 0 {
			t.Errorf("%s seed %d: suite %g, FLOPs %g", run.Label, run.Seed, run.SuiteAverage, run.FLOPs)
		}
	}
	if n := strings.Count(log.String(), "ETA"); n != 8 {
		t.Errorf("%d probes started, want 8", n)
	}
	found := false
	for _, c := range res.Correlations {
		found = found || (c.Ladder == CheckpointLadder && c.Points == 4 && c.HasInterval)
	}
	if !found {
		t.Errorf("no checkpoint correlation with an interval: %+v", res.Correlations)
	}
	if _, err := os.Stat(filepath.Join(dir, FiguresDir, FigureCheckpoints+".png")); err != nil {
		t.Error(err)
	}
	log.Reset()
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(log.String(), "already done"); n != 8 || strings.Contains(log.String(), "ETA") {
		t.Errorf("second invocation:\n%s", log.String())
	}
}

// TestPartReusesRecordedRuns: a part whose run directories are gone (a
// fresh clone holds results.json, not the runs) reuses the runs that
// results.json records probed on the whole suite, and retrains a run whose
// record lacks a dataset of the suite.
func TestPartReusesRecordedRuns(t *testing.T) {
	needOptdigits(t)
	dir := t.TempDir()
	var log bytes.Buffer
	o := Options{Out: dir, Data: "optdigits", Mode: tinyMode(), Sweep: Models, Seeds: 1, Log: &log}
	models, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	o.Sweep, o.Runs = Data, t.TempDir()
	_, est, err := Plan(o)
	if err != nil {
		t.Fatal(err)
	}
	if est.Finished != 1 || est.Train != 1 {
		t.Errorf("estimate %+v: want micro on all images finished and the 200-image run to train", est)
	}
	log.Reset()
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "data ladder: all images, seed 0 already done") {
		t.Errorf("the reused run is not reported under the data ladder's label:\n%s", log.String())
	}
	if n := strings.Count(log.String(), "is recorded in results.json"); n != 1 || strings.Count(log.String(), "ETA") != 1 {
		t.Errorf("want one run reused from results.json and one trained:\n%s", log.String())
	}
	if _, err := os.Stat(filepath.Join(o.Runs, models.Runs[0].Key)); !os.IsNotExist(err) {
		t.Errorf("the reused run %s has a run directory: %v", models.Runs[0].Key, err)
	}
	all := res.LadderPoints(DataLadder)
	if len(all) != 2 || all[1].FinalValLoss.Mean != models.Runs[0].FinalValLoss {
		t.Errorf("data ladder %+v: want its all-images point to be the model ladder's micro run (%g)", all, models.Runs[0].FinalValLoss)
	}

	// A record lacking a dataset of the suite cannot stand for the run:
	// the run is trained again (and cifar10, not installed here, skipped).
	// Then a record that skipped a dataset still not installed is reused.
	if probe.Installed("cifar10", "") {
		t.Skip("cifar10 is installed: the test needs a dataset that is not")
	}
	o.Mode.SuiteDatasets = []string{"optdigits", "cifar10"}
	for _, want := range []struct{ reused, trained int }{{0, 2}, {2, 0}} {
		o.Runs = t.TempDir()
		log.Reset()
		if _, err := Run(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		if strings.Count(log.String(), "is recorded in results.json") != want.reused || strings.Count(log.String(), "ETA") != want.trained {
			t.Errorf("want %d runs reused and %d trained:\n%s", want.reused, want.trained, log.String())
		}
	}
}
