package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pkg/errors"
	"gonum.org/v1/plot/vg"

	"github.com/aim-go/aim/plots"
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
	out := fs.String("out", "", "directory for the figures (PNG and SVG) (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if (*results == "") == (*metrics == "") {
		return usageError{errors.New("give --results (a scaling sweep) or --metrics (one run), one of them")}
	}
	if err := required("out", *out); err != nil {
		return err
	}
	if *metrics != "" {
		return plotRun(*metrics, *out, stdout)
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
