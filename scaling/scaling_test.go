package scaling

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/probe"
	"github.com/aim-go/aim/train"
)

func TestPlanSharesTheLargestDataRun(t *testing.T) {
	for _, m := range []Mode{QuickMode(), FullMode()} {
		specs, err := m.Plan(All, []uint64{3})
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		keys := map[string]int{}
		for _, s := range specs {
			count[s.Ladder]++
			keys[s.Key()]++
		}
		if count[ModelLadder] < 3 || count[DataLadder] < 3 || count[Ablation] < 8 {
			t.Errorf("%s: %v runs per ladder; want ≥3 models, ≥3 data sizes, ≥8 ablations", m.Name, count)
		}
		// The all-images data point is a model-ladder run, and the
		// ablation baseline is the same run again.
		shared := 0
		for _, n := range keys {
			if n > 1 {
				shared++
			}
		}
		if shared == 0 {
			t.Errorf("%s: no run is shared between ladders", m.Name)
		}
		if len(keys) != len(specs)-2 {
			t.Errorf("%s: %d distinct runs for %d specs, want %d", m.Name, len(keys), len(specs), len(specs)-2)
		}
	}
	if _, err := QuickMode().Plan("everything", []uint64{0}); err == nil || !strings.Contains(err.Error(), "data-noaug") {
		t.Errorf("unknown sweep: %v; want an error listing the parts", err)
	}
}

func TestAblationsChangeOneThing(t *testing.T) {
	specs, err := QuickMode().Plan(Ablations, []uint64{0})
	if err != nil {
		t.Fatal(err)
	}
	base := specs[0]
	for _, s := range specs[1:] {
		diffs := 0
		if s.Objective.Order != base.Objective.Order {
			diffs++
		}
		if s.Objective.Target != base.Objective.Target {
			diffs++
		}
		if s.Mask != base.Mask {
			diffs++
		}
		if s.Model.HeadDepth != base.Model.HeadDepth {
			diffs++
		}
		if diffs != 1 || s.Key() == base.Key() {
			t.Errorf("ablation %q changes %d things (key %s)", s.Label, diffs, s.Key())
		}
	}
}

// tinyMode sweeps two micro models and two data sizes on optdigits in
// seconds.
func tinyMode() Mode {
	o := probe.DefaultOptions(probe.Attentive)
	o.MinSteps, o.Epochs, o.TrainImages, o.TestImages = 5, 1, 100, 100
	return Mode{
		Name: "test", Steps: 6, Batch: 8, ModelPresets: []string{"micro", "tiny"},
		DataPreset: "micro", DataSizes: []int{200, 0}, NoAugSizes: []int{200, 0}, Suite: o, ValImages: 50,
		SuiteDatasets: []string{"optdigits"}, Headline: "optdigits", CheckpointPreset: "micro",
	}
}

func TestSweepWritesResultsAndResumes(t *testing.T) {
	if _, err := data.Load("optdigits", data.LoadOptions{}); errors.Is(err, data.ErrNotInstalled) {
		t.Skip("optdigits (Debian python3-sklearn) is not installed")
	}
	dir := t.TempDir()
	var log bytes.Buffer
	o := Options{Out: dir, Data: "optdigits", Mode: tinyMode(), Sweep: Ladders, Log: &log, Seeds: 1}
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Runs) != 4 || res.Spearman != nil {
		t.Fatalf("%d runs, Spearman %v; want 4 runs and no correlation of two models", len(res.Runs), res.Spearman)
	}
	for _, r := range res.Runs {
		if r.FinalValLoss <= 0 || r.SuiteAverage <= 0 || len(r.Curve) == 0 || r.FLOPs <= 0 {
			t.Errorf("run %s: val loss %g, suite %g, %d curve points, %g FLOPs", r.Label, r.FinalValLoss, r.SuiteAverage, len(r.Curve), r.FLOPs)
		}
	}
	for _, f := range []string{"results.json", "results.csv", "figures/loss_vs_accuracy.png", "figures/accuracy_vs_images.svg",
		"figures/model_loss_curves.png", "figures/data_loss_curves.png", "figures/loss_vs_flops.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	csv, _ := os.ReadFile(filepath.Join(dir, "results.csv"))
	// A header, four runs, and four rows (mean, sd, interval) per point.
	if lines := strings.Count(string(csv), "\n"); lines != 1+4+4*4 || !strings.Contains(string(csv), "optdigits") {
		t.Errorf("results.csv has %d lines:\n%s", lines, csv)
	}

	// A second sweep finds every run done and trains nothing.
	log.Reset()
	again, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(log.String(), "already done"); n != 3 {
		t.Errorf("second sweep skipped %d runs, want 3 (one is shared):\n%s", n, log.String())
	}
	for i := range again.Runs {
		if again.Runs[i].FinalValLoss != res.Runs[i].FinalValLoss || again.Runs[i].SuiteAverage != res.Runs[i].SuiteAverage {
			t.Errorf("run %d differs after resuming", i)
		}
	}

	// An interrupted run resumes from its checkpoint: remove the done
	// marker and the probe of one run, keep its checkpoint.
	key := res.Runs[0].Key
	os.Remove(filepath.Join(dir, "runs", key, "done.json"))
	log.Reset()
	resumed, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if resumed.Runs[0].FinalValLoss != res.Runs[0].FinalValLoss {
		t.Errorf("re-run of a finished checkpoint gives val loss %g, first %g", resumed.Runs[0].FinalValLoss, res.Runs[0].FinalValLoss)
	}
	m, _ := train.ReadMetrics(filepath.Join(dir, "runs", key))
	if len(m) != len(res.Runs[0].Curve) {
		t.Errorf("metrics after resuming: %d lines, want %d", len(m), len(res.Runs[0].Curve))
	}

	// Datasets added to the suite later are probed on the finished runs,
	// without training them again; one not installed stays skipped.
	o.Mode.SuiteDatasets = []string{"optdigits", "folder:" + twoClassFolder(t), "cifar10"}
	log.Reset()
	grown, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(log.String(), "which it lacked"); n != 3 {
		t.Errorf("%d runs probed on the added dataset, want 3:\n%s", n, log.String())
	}
	for i, r := range grown.Runs {
		folder, ok := r.Accuracy[o.Mode.SuiteDatasets[1]]
		if !ok || r.FinalValLoss != res.Runs[i].FinalValLoss || !slices.Contains(r.SkippedSuites, "cifar10") {
			t.Fatalf("run %s after adding datasets: accuracies %v, skipped %v, val loss %g (was %g)",
				r.Label, r.Accuracy, r.SkippedSuites, r.FinalValLoss, res.Runs[i].FinalValLoss)
		}
		if want := (r.Accuracy["optdigits"] + folder) / 2; math.Abs(r.SuiteAverage-want) > 1e-12 {
			t.Errorf("run %s: suite average %g, want the mean of both datasets %g", r.Label, r.SuiteAverage, want)
		}
	}
	log.Reset()
	if _, err := Run(context.Background(), o); err != nil || strings.Contains(log.String(), "which it lacked") {
		t.Errorf("a third sweep probed again (error %v):\n%s", err, log.String())
	}

	loaded, err := LoadResults(filepath.Join(dir, "results.json"))
	if err != nil || len(loaded.Runs) != 4 {
		t.Fatalf("LoadResults: %v, %d runs", err, len(loaded.Runs))
	}
	if err := Figures(loaded, filepath.Join(t.TempDir(), "redrawn")); err != nil {
		t.Fatal(err)
	}
}

// twoClassFolder writes an image folder of two classes, dark and light
// 8×8 squares, and returns its path.
func twoClassFolder(t *testing.T) string {
	dir := t.TempDir()
	for c, name := range []string{"dark", "light"} {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			img := image.NewGray(image.Rect(0, 0, 8, 8))
			for p := range img.Pix {
				img.Pix[p] = uint8(40 + 160*c + 3*i + p%5)
			}
			var b bytes.Buffer
			if err := png.Encode(&b, img); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name, fmt.Sprintf("%d.png", i)), b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func TestLoadResultsErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{not json"), 0o644)
	empty := filepath.Join(dir, "empty.json")
	os.WriteFile(empty, []byte(`{"runs": []}`), 0o644)
	for _, p := range []string{bad, empty, filepath.Join(dir, "missing.json")} {
		if _, err := LoadResults(p); err == nil {
			t.Errorf("%s loaded", p)
		}
	}
	// A run without its model description (patch 0) would divide by zero
	// when its FLOPs are counted: an error naming the run, not a panic.
	noModel := filepath.Join(dir, "nomodel.json")
	os.WriteFile(noModel, []byte(`{"runs": [{"ladder": "model", "label": "tiny", "curve": [{"step": 10, "val_loss": 0.2}]}]}`), 0o644)
	if _, err := LoadResults(noModel); err == nil || !strings.Contains(err.Error(), "run 0 (tiny) has no usable model description") {
		t.Errorf("a run without a model: %v", err)
	}
}

func TestDataSweepAndAugmentKey(t *testing.T) {
	m := QuickMode()
	m.DataSizes = []int{100, 0}
	specs, err := m.Plan(Data, []uint64{0})
	if err != nil || len(specs) != 2 || specs[0].TrainImages != 100 || specs[0].Ladder != DataLadder {
		t.Fatalf("data sweep: %+v, %v", specs, err)
	}
	m.NoAugment = true
	plain, _ := m.Plan(Data, []uint64{0})
	if plain[0].Key() == specs[0].Key() || !strings.HasSuffix(plain[0].Key(), "-noaug") {
		t.Errorf("keys with and without augmentation: %s, %s", specs[0].Key(), plain[0].Key())
	}
}

// TestETAUsesRunsFinishedEarlier: before any run ends the ETA is the
// estimate; a finished run scales the rest by its measured time over its
// estimate. A run finished by an earlier invocation says nothing about
// this machine's speed now.
func TestETAUsesRunsFinishedEarlier(t *testing.T) {
	specs, err := QuickMode().Plan(Ladders, []uint64{0})
	if err != nil {
		t.Fatal(err)
	}
	s := &sweep{o: Options{Mode: QuickMode(), Out: t.TempDir(), Log: &bytes.Buffer{}}}
	s.plan(specs)
	secs := func(d float64) string { return time.Duration(d * float64(time.Second)).Round(time.Second).String() }
	if got, want := s.eta(), secs(s.estimate.Seconds); got != want || s.estimate.Seconds <= 0 {
		t.Errorf("ETA before any run = %q; want the estimate %q", got, want)
	}
	first := specs[0].Key()
	rest := s.estimate.Seconds - s.work[first]
	s.finish(first, &RunResult{}, 100, 0)
	if got, want := s.eta(), secs(rest*100/s.work[first]); got != want {
		t.Errorf("ETA after a run of 100 s = %q; want %q", got, want)
	}
}

// TestProgressGoesToTheLog: with Bars, the progress of pre-training and
// probes goes to Log (plain lines when it is not a terminal), not to the
// process's stderr.
func TestProgressGoesToTheLog(t *testing.T) {
	var log bytes.Buffer
	s := &sweep{o: Options{Log: &log, Bars: true}}
	s.probeBar().Start("probe optdigits", 7)
	if !strings.Contains(log.String(), "probe optdigits: 7 steps") {
		t.Errorf("log %q: want the probe's progress", log.String())
	}
	if _, ok := s.trainBar().(*train.Bar); !ok {
		t.Errorf("pre-training progress %T, want a *train.Bar on the log", s.trainBar())
	}
	if _, ok := (&sweep{o: Options{Log: &log}}).trainBar().(train.Silent); !ok {
		t.Error("without Bars: want no progress")
	}
}
