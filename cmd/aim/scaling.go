package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/scaling"
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
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required("out", *out); err != nil {
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
		Out: *out, Data: *dataName, DataDir: *dataDir, Folder: size.folderOptions(), Mode: mode, Sweep: scaling.Sweep(*sweep), Seed: *seed,
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
	results := fs.String("results", "", "results.json of aim scaling (required)")
	out := fs.String("out", "", "directory for the figures (PNG and SVG) (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required("results", *results, "out", *out); err != nil {
		return err
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
