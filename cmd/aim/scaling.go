package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pkg/errors"
	"gonum.org/v1/plot/vg"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/internal/buildinfo"
	"github.com/aim-go/aim/plots"
	"github.com/aim-go/aim/probe"
	"github.com/aim-go/aim/scaling"
	"github.com/aim-go/aim/train"
)

// scalingFlags are the flags of aim scaling.
type scalingFlags struct {
	out, runs, sweep, part, sizes, dataName, dataDir, precision *string
	quick, augment, estimate, summarize                         *bool
	seed                                                        *uint64
	seeds                                                       *int
	size                                                        *sizeFlag
}

func registerScaling(fs *flag.FlagSet) *scalingFlags {
	return &scalingFlags{
		out:       fs.String("out", "", "results directory: results.json, results.csv, comparisons.csv, tables.md, figures/ (required); parts run into the same --out add up to one set of results"),
		runs:      fs.String("runs", "", "directory of the run directories: checkpoints, metrics, suites (default: OUT/runs); parts that share it share their common runs; a run recorded in OUT/results.json is not trained again"),
		quick:     fs.Bool("quick", false, "the ten-minute version: 300 steps per run, probes on 2000+2000 images per dataset, one seed unless --seeds"),
		part:      fs.String("part", "", "a part of the study, each a few hours on two cores (see --estimate): "+strings.Join(partNames(scaling.FullMode()), ", ")),
		sweep:     fs.String("sweep", "ladders", "what to run without --part: ladders (model and data ladders), data, ablations, all (ladders and ablations), or a part's name"),
		seeds:     fs.Int("seeds", 0, "pre-training seeds per point, --seed, --seed+1, …; each run's probes use its seed (0: 3, or 1 with --quick)"),
		seed:      fs.Uint64("seed", 0, "the first seed"),
		augment:   fs.Bool("augment", true, "pre-train the data ladder (--sweep data) with the paper's augmentation"),
		sizes:     fs.String("data-sizes", "", "comma-separated unique-image counts of the data ladder (0: all); default 1000,6000,0"),
		dataName:  fs.String("data", "mnist", "pre-training dataset"),
		dataDir:   fs.String("data-dir", "", "directory holding datasets that are not installed in their default place"),
		size:      registerSize(fs),
		precision: fs.String("precision", "auto", "how matrix products compute: auto (bf16 for the presets it pre-trains faster, on CPUs with bf16 units; f32 for the others), f32 or bf16"),
		estimate:  fs.Bool("estimate", false, "print each part's runs and estimated time (or only --part's), and run nothing"),
		summarize: fs.Bool("summarize", false, "rewrite --out's results.csv, comparisons.csv, tables.md and figures from its results.json with this binary's code, and run nothing"),
	}
}

// partNames are the names of a mode's parts.
func partNames(m scaling.Mode) []string {
	var out []string
	for _, p := range m.Parts() {
		out = append(out, string(p))
	}
	return out
}

// mode is the sweep's mode, with the flags' data sizes, augmentation and
// precisions.
func (f *scalingFlags) mode() (scaling.Mode, error) {
	mode := scaling.FullMode()
	if *f.quick {
		mode = scaling.QuickMode()
	}
	mode.NoAugment = !*f.augment
	if *f.sizes != "" {
		var err error
		if mode.DataSizes, err = parseCounts("--data-sizes", *f.sizes); err != nil {
			return mode, err
		}
	}
	var err error
	mode.Precision, err = presetPrecisions(*f.precision, mode)
	return mode, err
}

// presetPrecisions maps --precision to each preset's precision: auto takes
// bf16 where scaling.Measured finds it faster and the CPU can run it.
func presetPrecisions(choice string, mode scaling.Mode) (map[string]blas.Precision, error) {
	presets := append(slices.Clone(mode.ModelPresets), mode.DataPreset, mode.CheckpointPreset)
	out := map[string]blas.Precision{}
	if choice == "auto" {
		bf16 := blas.CheckPrecision(blas.PrecisionBF16) == nil
		for _, p := range presets {
			if bf16 {
				out[p] = scaling.FasterPrecision(p)
			}
		}
		return out, nil
	}
	p, err := blas.ParsePrecision(choice)
	if err != nil {
		return nil, usageError{errors.Errorf("--precision %s: expected auto, f32 or bf16", choice)}
	}
	if err := blas.CheckPrecision(p); err != nil {
		return nil, errors.Wrapf(err, "--precision %v", p)
	}
	for _, name := range presets {
		out[name] = p
	}
	return out, nil
}

// options are the sweep's options.
func (f *scalingFlags) options(mode scaling.Mode, log io.Writer) (scaling.Options, error) {
	sweep := scaling.Sweep(*f.sweep)
	if *f.part != "" {
		sweep = scaling.Sweep(*f.part)
		if !slices.Contains(mode.Parts(), sweep) {
			return scaling.Options{}, usageError{errors.Errorf("--part %s: expected one of %s", *f.part, strings.Join(partNames(mode), ", "))}
		}
	}
	seeds := *f.seeds
	if seeds == 0 {
		seeds = map[bool]int{false: 3, true: 1}[*f.quick]
	}
	return scaling.Options{
		Out: *f.out, Runs: *f.runs, Data: *f.dataName, DataDir: *f.dataDir, Folder: f.size.folderOptions(), Mode: mode,
		Sweep: sweep, Seed: *f.seed, Seeds: seeds, Log: log, Bars: true,
	}, nil
}

func runScaling(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("scaling")
	f := registerScaling(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *f.summarize {
		return summarizeOnly(fs, *f.out, stdout)
	}
	if flagGiven(fs, "part") && flagGiven(fs, "sweep") {
		return usageError{errors.New("give --part or --sweep, not both")}
	}
	if err := checkRanges([]intRule{{flag: "seeds", value: *f.seeds, min: 0}}, nil); err != nil {
		return err
	}
	mode, err := f.mode()
	if err != nil {
		return err
	}
	o, err := f.options(mode, stderr)
	if err != nil {
		return err
	}
	if *f.estimate {
		return printEstimates(o, flagGiven(fs, "part") || flagGiven(fs, "sweep"), stdout)
	}
	if err := required("out", *f.out); err != nil {
		return err
	}
	inputs := map[string]string{"--data": datasetPath(*f.dataName), "--data-dir": *f.dataDir}
	if err := checkOutputFiles("--out", *f.out, scaling.OutputFiles(), inputs); err != nil {
		return err
	}
	warnUnversioned(buildinfo.Read(), stderr)
	res, err := scaling.Run(ctx, o)
	if err != nil {
		return withSizeHint(err)
	}
	fmt.Fprintf(stdout, "%d runs; results in %s, tables in %s, figures in %s\n", len(res.Runs),
		filepath.Join(*f.out, scaling.ResultsFile), filepath.Join(*f.out, scaling.TablesFile), filepath.Join(*f.out, scaling.FiguresDir))
	printCorrelations(res, stdout)
	return nil
}

// summarizeFlags are the flags --summarize takes; the others choose what
// to run, and it runs nothing.
var summarizeFlags = []string{"summarize", "out"}

// summarizeOnly rewrites a results directory's tables, comparisons and
// figures from its results.json, so that a change to how results are
// summarised reaches them without another part having to run.
func summarizeOnly(fs *flag.FlagSet, out string, stdout io.Writer) error {
	var extra []string
	fs.Visit(func(f *flag.Flag) {
		if !slices.Contains(summarizeFlags, f.Name) {
			extra = append(extra, "--"+f.Name)
		}
	})
	if len(extra) > 0 {
		return usageError{errors.Errorf("--summarize runs nothing and takes only --out; drop %s", strings.Join(extra, ", "))}
	}
	if err := required("out", out); err != nil {
		return err
	}
	path := filepath.Join(out, scaling.ResultsFile)
	res, err := scaling.Resummarize(out)
	if err != nil {
		return errors.Wrap(err, "--summarize")
	}
	fmt.Fprintf(stdout, "%d runs from %s summarised again; tables in %s, figures in %s\n", len(res.Runs), path,
		filepath.Join(out, scaling.TablesFile), filepath.Join(out, scaling.FiguresDir))
	printCorrelations(res, stdout)
	return nil
}

// warnUnversioned says, when the binary records no revision, that the runs
// it makes will not name the code they came from.
func warnUnversioned(b buildinfo.Info, w io.Writer) {
	if b.Code() == "" {
		fmt.Fprintln(w, "scaling: warning: this aim binary records no source revision (built outside a git checkout, or with -buildvcs=false, e.g. in GOFLAGS), so its runs' trained_by and probed_by stay empty; build it with go build -buildvcs=true in a checkout to record them")
	}
}

// printEstimates prints the runs and estimated time of the chosen sweep,
// or of every part in order (runs an earlier part trains counted once).
func printEstimates(o scaling.Options, chosen bool, stdout io.Writer) error {
	var parts []scaling.PartEstimate
	if chosen {
		_, est, err := scaling.Plan(o)
		if err != nil {
			return err
		}
		parts = []scaling.PartEstimate{{Part: o.Sweep, Estimate: est}}
	} else {
		var err error
		if parts, err = scaling.EstimateParts(o); err != nil {
			return err
		}
	}
	total := 0.0
	for _, p := range parts {
		total += p.Seconds
		fmt.Fprintf(stdout, "part %s, %s: %s\n", p.Part, seedsLabel(o.Seeds), p.Estimate)
	}
	if !chosen {
		fmt.Fprintf(stdout, "all parts in this order, %s: ≈ %.1f h on the reference machine (docs/results.md, \"Set-up\")\n", seedsLabel(o.Seeds), total/3600)
	}
	return nil
}

// printCorrelations prints the Spearman correlations, never for fewer than
// three points.
func printCorrelations(res *scaling.Results, stdout io.Writer) {
	for _, c := range res.Correlations {
		fmt.Fprintln(stdout, c.Sentence())
	}
	if res.Frontier != nil {
		fmt.Fprintln(stdout, res.Frontier.Sentence())
	}
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
	withIntervals := 0
	for _, p := range res.Points {
		if p.FinalValLoss.HasInterval {
			withIntervals++
		}
	}
	fmt.Fprintf(stdout, "figures written to %s: %d points, %d with error bars of their 95%% interval over seeds\n", *out, len(res.Points), withIntervals)
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

// seedsLabel writes "3 seeds", or "one seed".
func seedsLabel(n int) string {
	if n == 1 {
		return "one seed"
	}
	return fmt.Sprintf("%d seeds", n)
}
