package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/pkg/errors"
	"gonum.org/v1/plot/vg"

	"github.com/aim-go/aim/plots"
	"github.com/aim-go/aim/probe"
	"github.com/aim-go/aim/scaling"
	"github.com/aim-go/aim/train"
)

func runScaling(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("scaling")
	out := fs.String("out", "", "sweep directory: runs/, results.json, results.csv, figures/ (required)")
	quick := fs.Bool("quick", false, "the ten-minute version: 300 steps per run, probes on 2000+2000 images per dataset")
	sweep := fs.String("sweep", "ladders", "what to run: ladders (model and data ladders), data (the data ladder), ablations, or all")
	augment := fs.Bool("augment", true, "pre-train with the paper's augmentation")
	sizes := fs.String("data-sizes", "", "comma-separated unique-image counts of the data ladder (0: all); default 1000,6000,0")
	dataName := fs.String("data", "mnist", "pre-training dataset")
	dataDir := fs.String("data-dir", "", "directory holding datasets that are not installed in their default place")
	size := registerSize(fs)
	seed := fs.Uint64("seed", 0, "seed of every run")
	prec := registerPrecision(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required("out", *out); err != nil {
		return err
	}
	if err := prec.check(); err != nil {
		return err
	}
	inputs := map[string]string{"--data": datasetPath(*dataName), "--data-dir": *dataDir}
	if err := checkOutputFiles("--out", *out, []string{"results.json", "results.csv"}, inputs); err != nil {
		return err
	}
	var err error
	var res *scaling.Results
	mode := scaling.FullMode()
	if *quick {
		mode = scaling.QuickMode()
	}
	mode.NoAugment = !*augment
	if *sizes != "" {
		if mode.DataSizes, err = parseCounts("--data-sizes", *sizes); err != nil {
			return err
		}
	}
	res, err = scaling.Run(ctx, scaling.Options{
		Out: *out, Data: *dataName, DataDir: *dataDir, Folder: size.folderOptions(), Mode: mode, Sweep: scaling.Sweep(*sweep), Seed: *seed, Precision: prec.p,
		Log: stderr, Bars: true,
	})
	if err != nil {
		return withSizeHint(err)
	}
	fmt.Fprintf(stdout, "%d runs; results in %s, figures in %s\n", len(res.Runs),
		filepath.Join(*out, "results.json"), filepath.Join(*out, "figures"))
	if res.Spearman != nil {
		fmt.Fprintf(stdout, "model ladder: Spearman correlation of validation loss and suite average %.3f\n", *res.Spearman)
	}
	return nil
}

func runPlot(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("plot")
	results := fs.String("results", "", "results.json of aim scaling: the sweep's figures")
	metrics := fs.String("metrics", "", "one run's metrics.jsonl, or its directory (aim pretrain's --out): its loss curves")
	suite := fs.String("suite", "", "suite.json of aim suite, or result.json of aim probe: test accuracy per dataset (beside an untrained trunk's, when recorded)")
	out := fs.String("out", "", "directory for the figures (PNG and SVG) (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	given := 0
	for _, v := range []string{*results, *metrics, *suite} {
		if v != "" {
			given++
		}
	}
	if given != 1 {
		return usageError{errors.New("give one of --results (a scaling sweep), --metrics (one run) or --suite (probe results)")}
	}
	if err := required("out", *out); err != nil {
		return err
	}
	if *metrics != "" {
		return plotRun(*metrics, *out, stdout)
	}
	if *suite != "" {
		return plotSuite(*suite, *out, stdout)
	}
	if err := checkOutputFiles("--out", *out, scaling.FigureFiles(), map[string]string{"--results": *results}); err != nil {
		return err
	}
	res, err := scaling.LoadResults(*results)
	if err != nil {
		return err
	}
	if err := scaling.Figures(res, *out); err != nil {
		return errors.Wrap(err, "drawing")
	}
	fmt.Fprintf(stdout, "figures written to %s\n", *out)
	return nil
}

// lossFigure is the base name of the figure aim plot --metrics draws.
const lossFigure = "loss_curves"

// plotRun draws the loss curves of one run from its metrics.jsonl.
func plotRun(metrics, out string, stdout io.Writer) error {
	dir := metrics
	if st, err := os.Stat(metrics); err != nil {
		return errors.Wrap(err, "--metrics")
	} else if !st.IsDir() {
		if filepath.Base(metrics) != train.MetricsFile {
			return usageError{errors.Errorf("--metrics %s: expected a run's %s or its directory", metrics, train.MetricsFile)}
		}
		dir = filepath.Dir(metrics)
	}
	files := []string{lossFigure + ".png", lossFigure + ".svg"}
	if err := checkOutputFiles("--out", out, files, map[string]string{"--metrics": filepath.Join(dir, train.MetricsFile)}); err != nil {
		return err
	}
	ms, err := train.ReadMetrics(dir)
	if err != nil {
		return errors.Wrap(err, "--metrics")
	}
	if len(ms) == 0 {
		return errors.Errorf("--metrics: %s holds no evaluations", filepath.Join(dir, train.MetricsFile))
	}
	run := plots.LossHistory{Label: filepath.Base(dir)}
	for _, m := range ms {
		run.TrainSteps, run.Train = append(run.TrainSteps, float64(m.Step)), append(run.Train, m.TrainLoss)
		if m.ValLoss > 0 {
			run.ValSteps, run.Val = append(run.ValSteps, float64(m.Step)), append(run.Val, m.ValLoss)
		}
	}
	p, err := plots.LossCurves([]plots.LossHistory{run})
	if err != nil {
		return errors.Wrapf(err, "--metrics %s", metrics)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return errors.Wrap(err, "--out")
	}
	if err := plots.Save(p, filepath.Join(out, lossFigure), 6*vg.Inch, 4.5*vg.Inch); err != nil {
		return errors.Wrap(err, "drawing")
	}
	fmt.Fprintf(stdout, "loss curves of %d evaluations written to %s.png and .svg\n", len(ms), filepath.Join(out, lossFigure))
	return nil
}

// suiteFigure is the base name of the figure aim plot --suite draws.
const suiteFigure = "suite_accuracy"

// plotSuite draws the test accuracy per dataset of a suite.json (aim
// suite) or a result.json (aim probe), beside the untrained trunk's where
// the file has it.
func plotSuite(path, out string, stdout io.Writer) error {
	if err := checkOutputFiles("--out", out, []string{suiteFigure + ".png", suiteFigure + ".svg"}, map[string]string{"--suite": path}); err != nil {
		return err
	}
	entries, err := readProbeResults(path)
	if err != nil {
		return err
	}
	names, trained, random := make([]string, 0, len(entries)), []float64{}, []float64{}
	hasRandom := false
	for _, e := range entries {
		if e.Result == nil {
			continue
		}
		names = append(names, e.Dataset)
		trained = append(trained, 100*e.Result.TestAccuracy)
		r := math.NaN()
		if e.RandomInit != nil {
			r, hasRandom = 100*e.RandomInit.TestAccuracy, true
		}
		random = append(random, r)
	}
	if len(names) == 0 {
		return errors.Errorf("--suite %s: no dataset was probed", path)
	}
	sets := []plots.Bars{{Label: "pre-trained", Values: trained}}
	if hasRandom {
		sets = append(sets, plots.Bars{Label: "untrained trunk", Values: random})
	}
	p, err := plots.BarChart("Downstream test accuracy", "top-1 accuracy (%)", names, sets...)
	if err != nil {
		return err
	}
	base := filepath.Join(out, suiteFigure)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return errors.Wrap(err, "--out")
	}
	if err := plots.Save(p, base, vg.Points(120+70*float64(len(names))), 4*vg.Inch); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "figure written to %s.png and .svg\n", base)
	return nil
}

// readProbeResults reads the entries of a suite.json, or the one result of
// a probe's result.json.
func readProbeResults(path string) ([]probe.SuiteEntry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Wrap(err, "--suite")
	}
	var suite probe.SuiteResult
	if err := json.Unmarshal(b, &suite); err == nil && len(suite.Entries) > 0 {
		return suite.Entries, nil
	}
	var one probe.Result
	if err := json.Unmarshal(b, &one); err != nil || one.Dataset == "" {
		return nil, errors.Errorf("--suite %s: expected the suite.json of aim suite or the result.json of aim probe", path)
	}
	return []probe.SuiteEntry{{Dataset: one.Dataset, Result: &one}}, nil
}
