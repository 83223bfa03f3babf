package scaling

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/patches"
	"github.com/aim-go/aim/plots"
	"github.com/aim-go/aim/scaling/stats"
	"github.com/aim-go/aim/train"
)

// t975df2 is the 0.975 quantile of Student's t with 2 degrees of freedom:
// the 95% interval of a mean of three seeds is mean ± t975df2·sd/√3.
const t975df2 = 4.302652729911275

// handRun is one seed's run of a hand-made sweep, with a loss curve of
// five evaluations falling as a power law of the step.
func handRun(t *testing.T, ladder, label, preset string, seed uint64, loss, suite, fashion float64) RunResult {
	t.Helper()
	cfg, err := graph.Preset(preset)
	if err != nil {
		t.Fatal(err)
	}
	trunk, _ := cfg.ParamCount()
	r := RunResult{
		Spec:        Spec{Ladder: ladder, Label: label, Preset: preset, Model: cfg, Steps: 50, Batch: 64, Seed: seed, Objective: graph.Objective{Order: patches.Raster}},
		TrunkParams: trunk, UniqueImages: 59000, FinalValLoss: loss, BestValLoss: loss, SuiteAverage: suite,
		Accuracy: map[string]float64{"fashion-mnist": fashion, "mnist": 2*suite - fashion},
	}
	for step := 10; step <= 50; step += 10 {
		v := loss + 2*math.Pow(float64(step), -0.5) - 2*math.Pow(50, -0.5) + 0.001*float64(seed)
		r.Curve = append(r.Curve, train.Metrics{Step: step, ValLoss: v, TrainLoss: v - 0.01})
	}
	return r
}

// handResults: a model ladder of three sizes and an ablation pair, three
// seeds each (the spiral order has two).
func handResults(t *testing.T) *Results {
	r := &Results{Mode: "full", Dataset: "mnist", Sweep: "all", Headline: "fashion-mnist"}
	add := func(ladder, label, preset string, loss, suite, fashion []float64) {
		for i := range loss {
			r.Runs = append(r.Runs, handRun(t, ladder, label, preset, uint64(i), loss[i], suite[i], fashion[i]))
		}
	}
	add(ModelLadder, "micro", "micro", []float64{0.20, 0.22, 0.24}, []float64{0.70, 0.72, 0.74}, []float64{0.60, 0.62, 0.64})
	add(ModelLadder, "tiny", "tiny", []float64{0.15, 0.16, 0.17}, []float64{0.80, 0.82, 0.81}, []float64{0.70, 0.71, 0.72})
	add(ModelLadder, "small", "small", []float64{0.10, 0.12, 0.14}, []float64{0.83, 0.84, 0.85}, []float64{0.74, 0.73, 0.75})
	add(Ablation, "baseline (raster)", "small", []float64{0.10, 0.12, 0.14}, []float64{0.80, 0.82, 0.81}, []float64{0.74, 0.73, 0.75})
	add(Ablation, "spiral order", "small", []float64{0.19, 0.18}, []float64{0.81, 0.81}, []float64{0.73, 0.75})
	for i := range r.Runs {
		if r.Runs[i].Label == "spiral order" {
			r.Runs[i].Objective.Order = patches.Spiral
		}
	}
	r.Summarize()
	return r
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func findPoint(t *testing.T, r *Results, ladder, label string) Point {
	t.Helper()
	for _, p := range r.Points {
		if p.Ladder == ladder && p.Label == label {
			return p
		}
	}
	t.Fatalf("no point %s %s among %d", ladder, label, len(r.Points))
	return Point{}
}

func findComparison(t *testing.T, cs []Comparison, variant, metric string) Comparison {
	t.Helper()
	for _, c := range cs {
		if c.Variant == variant && c.Metric == metric {
			return c
		}
	}
	t.Fatalf("no comparison of %s on %s", variant, metric)
	return Comparison{}
}

// TestPointsAndComparisonsAgainstHandComputedValues: each point's mean,
// sample standard deviation and 95% t interval, and the paired
// differences, are those computed by hand from the seeds' figures.
func TestPointsAndComparisonsAgainstHandComputedValues(t *testing.T) {
	r := handResults(t)
	var order []string
	for _, p := range r.Points {
		order = append(order, p.Label)
	}
	if want := []string{"micro", "tiny", "small", "baseline (raster)", "spiral order"}; !slices.Equal(order, want) {
		t.Fatalf("points %q, want %q", order, want)
	}
	small := findPoint(t, r, ModelLadder, "small")
	half := t975df2 * 0.02 / math.Sqrt(3) // 0.0496828
	if s := small.FinalValLoss; s.N != 3 || !near(s.Mean, 0.12) || !near(s.SD, 0.02) || !near(s.Low, 0.12-half) || !near(s.High, 0.12+half) || !s.HasInterval {
		t.Errorf("small's final val loss %+v; want 0.12, sd 0.02, [%.6f, %.6f]", s, 0.12-half, 0.12+half)
	}
	if s := small.Accuracy["fashion-mnist"]; !near(s.Mean, 0.74) || !near(s.SD, 0.01) {
		t.Errorf("small's fashion-mnist %+v; want 0.74, sd 0.01", s)
	}
	if c := small.Curve; len(c) != 5 || c[0].Step != 10 || !near(c[0].ValLoss.SD, 0.021) {
		t.Errorf("small's curve %+v; want five steps, the first with sd 0.021 (0.02 of the final losses, 0.001 of the curves per seed)", c)
	}

	// tiny → small on the suite average: differences 0.03, 0.02, 0.04.
	c := findComparison(t, r.Comparisons, "small", MetricSuite)
	half = t975df2 * 0.01 / math.Sqrt(3) // 0.0248414
	if c.Baseline != "tiny" || c.N != 3 || !near(c.Mean, 0.03) || !near(c.Low, 0.03-half) || !near(c.High, 0.03+half) || c.Verdict != "beyond noise" {
		t.Errorf("tiny → small suite average %+v; want +0.03 [%.6f, %.6f], beyond noise", c, 0.03-half, 0.03+half)
	}
	// micro → tiny on the validation loss: −0.05, −0.06, −0.07.
	if c := findComparison(t, r.Comparisons, "tiny", MetricValLoss); !near(c.Mean, -0.06) || !near(c.High, -0.06+half) || c.Verdict != "beyond noise" {
		t.Errorf("micro → tiny val loss %+v; want −0.06, beyond noise", c)
	}
	// The spiral order pairs its two seeds with the baseline's first two:
	// +0.01 and −0.01, within noise; its validation loss measures another
	// task and is not compared.
	sp := findComparison(t, r.Comparisons, "spiral order", MetricSuite)
	if !slices.Equal(sp.Seeds, []uint64{0, 1}) || !near(sp.Mean, 0) || sp.Verdict != "within noise" {
		t.Errorf("spiral order %+v; want seeds 0 and 1, mean 0, within noise", sp)
	}
	for _, c := range r.Comparisons {
		if c.Variant == "spiral order" && c.Metric == MetricValLoss {
			t.Error("the spiral order's validation loss was compared with raster's")
		}
	}
	// Spearman over three models, with a bootstrap interval.
	if r.Spearman == nil || *r.Spearman != -1 || len(r.Correlations) != 2 || !r.Correlations[0].HasInterval || r.Correlations[0].Points != 3 {
		t.Errorf("Spearman %v, correlations %+v; want −1 and two correlations with intervals", r.Spearman, r.Correlations)
	}
	if s := r.Correlations[0].Sentence(); !strings.HasPrefix(s, "model ladder: Spearman correlation of final val loss and suite average over 3 points: -1.00 (95% bootstrap interval over seeds") {
		t.Errorf("correlation sentence %q", s)
	}
}

// TestFilesCarryTheNumbers: results.json, results.csv, comparisons.csv and
// tables.md carry each point's mean, standard deviation and interval and
// each paired difference, and the figures plot the same intervals.
func TestFilesCarryTheNumbers(t *testing.T) {
	r := handResults(t)
	dir := t.TempDir()
	if err := r.Save(dir); err != nil {
		t.Fatal(err)
	}
	half := t975df2 * 0.02 / math.Sqrt(3)

	var doc struct {
		Points []struct {
			Label        string        `json:"label"`
			FinalValLoss stats.Summary `json:"final_val_loss"`
		} `json:"points"`
		Runs []RunResult `json:"runs"`
	}
	b, err := os.ReadFile(filepath.Join(dir, ResultsFile))
	if err != nil || json.Unmarshal(b, &doc) != nil {
		t.Fatalf("results.json: %v", err)
	}
	if len(doc.Runs) != 14 || doc.Points[2].Label != "small" || !near(doc.Points[2].FinalValLoss.High, 0.12+half) {
		t.Errorf("results.json: %d runs, point %+v", len(doc.Runs), doc.Points[2])
	}

	rows := readCSV(t, filepath.Join(dir, ResultsCSV))
	col := func(name string) int { return slices.Index(rows[0], name) }
	want := map[string]float64{"mean": 0.12, "sd": 0.02, "ci95_low": 0.12 - half, "ci95_high": 0.12 + half}
	seen := 0
	for _, row := range rows[1:] {
		if row[col("ladder")] != ModelLadder || row[col("label")] != "small" {
			continue
		}
		stat := row[col("statistic")]
		if stat == "run" {
			seen++
			continue
		}
		if got := parse(t, row[col("final_val_loss")]); math.Abs(got-want[stat]) > 1e-6 || row[col("n")] != "3" {
			t.Errorf("results.csv small %s: final_val_loss %g, n %s; want %g, 3", stat, got, row[col("n")], want[stat])
		}
		seen++
	}
	if seen != 3+4 {
		t.Errorf("results.csv has %d rows of small; want 3 seeds and 4 statistics", seen)
	}

	comps := readCSV(t, filepath.Join(dir, ComparisonsCSV))
	found := false
	for _, row := range comps[1:] {
		if row[1] == "tiny" && row[2] == "small" && row[3] == MetricSuite {
			found = true
			if !near(parse(t, row[6]), 0.03) || row[5] != "0 1 2" || row[10] != "beyond noise" {
				t.Errorf("comparisons.csv row %q", row)
			}
		}
	}
	if !found {
		t.Error("comparisons.csv lacks tiny → small")
	}

	tables, _ := os.ReadFile(filepath.Join(dir, TablesFile))
	for _, s := range []string{"| small | 3 |", "0.1200 [0.0703, 0.1697]", "**84.00 [81.52, 86.48]**", "+3.00 [+0.52, +5.48] | beyond noise",
		"| spiral order | suite average | 2 |", "within noise", "Compute-optimal frontier"} {
		if !strings.Contains(string(tables), s) {
			t.Errorf("tables.md lacks %q:\n%s", s, tables)
		}
	}

	if d := AblationDifferences(r); len(d) != 2 || d[0].Err == nil {
		t.Errorf("ablation figure draws %+v; want spiral order's suite average and Fashion-MNIST differences over two seeds", d)
	}
	for _, f := range []string{FigureLossVsAccuracy, FigureLossVsSuiteAverage, FigureModelLossCurves, FigureLossVsFLOPs, FigureAblations} {
		if _, err := os.Stat(filepath.Join(dir, FiguresDir, f+".png")); err != nil {
			t.Errorf("figure %s: %v", f, err)
		}
	}
	checkPlottedIntervals(t, filepath.Join(dir, ResultsFile))
}

// checkPlottedIntervals compares what the figures of a results file plot
// with the points and intervals its results.json holds.
func checkPlottedIntervals(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc Results // as written: the points are not recomputed
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadResults(path)
	if err != nil {
		t.Fatal(err)
	}
	models := doc.LadderPoints(ModelLadder)
	for _, metric := range doc.downstreamMetrics() {
		pts := LossVsAccuracyPoints(loaded, metric)
		if len(pts) != len(models) {
			t.Fatalf("%s: %d points plotted for %d models", metric, len(pts), len(models))
		}
		for i, p := range models {
			acc, _ := metricSummary(p, metric)
			pt := pts[i]
			if !near(pt.X, p.FinalValLoss.Mean) || !near(pt.Y, 100*acc.Mean) || pt.XErr == nil || pt.YErr == nil ||
				!near(pt.XErr.Low, p.FinalValLoss.Low) || !near(pt.XErr.High, p.FinalValLoss.High) ||
				!near(pt.YErr.Low, 100*acc.Low) || !near(pt.YErr.High, 100*acc.High) {
				t.Errorf("%s %s: plotted %+v (x %+v, y %+v); results.json loss %+v, accuracy %+v", metric, p.Label, pt, pt.XErr, pt.YErr, p.FinalValLoss, acc)
			}
		}
	}
	for _, ladder := range []string{ModelLadder, DataLadder} {
		pts := doc.LadderPoints(ladder)
		for i, h := range LossCurveHistories(loaded, ladder) {
			c := pts[i].Curve
			if len(h.Val) != len(c) || len(h.ValLow) != len(c) {
				t.Fatalf("%s %s: %d losses and %d band ends plotted for %d evaluations", ladder, pts[i].Label, len(h.Val), len(h.ValLow), len(c))
			}
			for k := range c {
				if !near(h.Val[k], c[k].ValLoss.Mean) || !near(h.ValLow[k], c[k].ValLoss.Low) || !near(h.ValHigh[k], c[k].ValLoss.High) {
					t.Errorf("%s %s step %d: band %g [%g, %g]; results.json %+v", ladder, pts[i].Label, c[k].Step, h.Val[k], h.ValLow[k], h.ValHigh[k], c[k].ValLoss)
				}
			}
		}
	}
	flops := LossVsFLOPsCurves(loaded)
	for i, p := range models {
		for k, s := range p.Curve {
			if !near(flops[i].X[k], s.FLOPs) || !near(flops[i].Low[k], s.ValLoss.Low) || !near(flops[i].High[k], s.ValLoss.High) {
				t.Errorf("loss vs FLOPs %s, step %d: plotted %g [%g, %g]; results.json %+v", p.Label, s.Step, flops[i].X[k], flops[i].Low[k], flops[i].High[k], s)
			}
		}
	}
	checkPlottedDifferences(t, &doc, AblationDifferences(loaded))
}

// checkPlottedDifferences compares the ablation figure's differences with
// the ablation comparisons of results.json on the suite average and the
// headline accuracy: one difference each, at its mean and interval.
func checkPlottedDifferences(t *testing.T, doc *Results, plotted []plots.Difference) {
	t.Helper()
	n := 0
	for _, c := range doc.Comparisons {
		if c.Ladder != Ablation || (c.Metric != MetricSuite && c.Metric != accuracyOf+doc.Headline) {
			continue
		}
		n++
		i := slices.IndexFunc(plotted, func(d plots.Difference) bool { return d.Variant == c.Variant && d.Metric == metricName(c.Metric) })
		if i < 0 {
			t.Errorf("ablation figure lacks %s on %s", c.Variant, c.Metric)
			continue
		}
		d := plotted[i]
		if !near(d.Mean, 100*c.Mean) || (d.Err == nil) == c.HasInterval ||
			(d.Err != nil && (!near(d.Err.Low, 100*c.Low) || !near(d.Err.High, 100*c.High))) {
			t.Errorf("ablation figure %s %s: plotted %+v (interval %+v); results.json %+v", c.Variant, c.Metric, d, d.Err, c.Paired)
		}
	}
	if len(plotted) != n {
		t.Errorf("ablation figure draws %d differences; results.json has %d ablation comparisons on its metrics", len(plotted), n)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func parse(t *testing.T, s string) float64 {
	t.Helper()
	var v float64
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return v
}

// TestOneSeedResultsFileLoads: a results.json of the one-seed study
// (runs only, from before points and intervals) loads; its points have no
// intervals, its figures no error bars, and its comparisons say so.
func TestOneSeedResultsFileLoads(t *testing.T) {
	var runs []RunResult
	for i, m := range []struct {
		preset        string
		loss, suite   float64
		fashion, mnis float64
	}{{"micro", 0.1804, 0.7657, 0.7168, 0.6897}, {"tiny", 0.1451, 0.82, 0.7948, 0.8543}, {"small", 0.1329, 0.8631, 0.8262, 0.9278}} {
		r := handRun(t, ModelLadder, m.preset, m.preset, 0, m.loss, m.suite, m.fashion)
		r.Accuracy = map[string]float64{"fashion-mnist": m.fashion, "mnist": m.mnis}
		r.Key = r.Spec.Key()
		_ = i
		runs = append(runs, r)
	}
	old := map[string]any{"mode": "full", "dataset": "mnist", "sweep": "all", "runs": runs, "model_ladder_spearman": -1}
	b, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "results.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := LoadResults(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Points) != 3 || r.Headline != "fashion-mnist" || r.Spearman == nil || *r.Spearman != -1 {
		t.Fatalf("%d points, headline %q, Spearman %v", len(r.Points), r.Headline, r.Spearman)
	}
	small := findPoint(t, r, ModelLadder, "small")
	if s := small.FinalValLoss; s.N != 1 || s.Mean != 0.1329 || s.HasInterval {
		t.Errorf("one seed's summary %+v; want n 1, mean 0.1329, no interval", s)
	}
	for _, pt := range LossVsAccuracyPoints(r, MetricSuite) {
		if pt.XErr != nil || pt.YErr != nil {
			t.Errorf("point %s of one seed has error bars", pt.Label)
		}
	}
	c := findComparison(t, r.Comparisons, "small", MetricSuite)
	if c.N != 1 || c.HasInterval || !strings.Contains(c.Verdict, "one seed") {
		t.Errorf("one seed's comparison %+v", c)
	}
	if len(r.Correlations) != 2 || r.Correlations[0].HasInterval {
		t.Errorf("correlations of one seed %+v; want estimates without intervals", r.Correlations)
	}
	if err := Figures(r, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	tables := r.Tables()
	if !strings.Contains(tables, "| small | 1 |") || !strings.Contains(tables, "one seed: no interval") {
		t.Errorf("tables of one seed:\n%s", tables)
	}
}

// TestPlanSeedsAndParts: every point runs every seed, seed by seed; the
// parts together are the whole study, each ablation part has the
// baseline, and the checkpoint part probes evaluation steps of one run.
func TestPlanSeedsAndParts(t *testing.T) {
	m := FullMode()
	seeds := []uint64{4, 5, 6}
	union := map[string]bool{}
	for _, part := range m.Parts() {
		specs, err := m.Plan(part, seeds)
		if err != nil {
			t.Fatal(err)
		}
		per := len(specs) / 3
		for i, s := range specs {
			if s.Seed != seeds[i/per] {
				t.Fatalf("part %s: spec %d has seed %d, want %d", part, i, s.Seed, seeds[i/per])
			}
			if o := specs[i%per]; o.Label != s.Label || o.Ladder != s.Ladder {
				t.Errorf("part %s: seed %d plans %s where seed %d plans %s", part, s.Seed, s.Label, seeds[0], o.Label)
			}
			union[s.Ladder+"/"+s.Label] = true
		}
		if strings.HasPrefix(string(part), "ablations-") && !strings.HasPrefix(specs[0].Label, "baseline") {
			t.Errorf("part %s starts with %q, not the baseline", part, specs[0].Label)
		}
	}
	all, _ := m.Plan(All, seeds[:1])
	for _, s := range all {
		if !union[s.Ladder+"/"+s.Label] {
			t.Errorf("%s %s of --sweep all is in no part", s.Ladder, s.Label)
		}
	}
	ckpt, _ := m.Plan(Checkpoints, seeds[:1])
	var steps []int
	for _, s := range ckpt {
		steps = append(steps, s.AtStep)
		if s.Key() != ckpt[0].Key() || !s.KeepCheckpoints || !strings.HasSuffix(s.Key(), "-kept") {
			t.Errorf("checkpoint spec %s: key %s; want one run that keeps its checkpoints", s.Label, s.Key())
		}
	}
	if !slices.Equal(steps, []int{300, 600, 1200, 2100, 3000}) {
		t.Errorf("checkpoint steps %v", steps)
	}
	m.CheckpointSteps = []int{250}
	if _, err := m.Plan(Checkpoints, seeds); err == nil || !strings.Contains(err.Error(), "multiple of 300") {
		t.Errorf("a step between evaluations: %v", err)
	}
}

// TestEstimate: the estimate adds each training and each suite once, from
// the measured throughput, and counts finished runs as done.
func TestEstimate(t *testing.T) {
	m := FullMode()
	o := Options{Out: t.TempDir(), Mode: m, Sweep: Models, Seeds: 2}
	specs, est, err := Plan(o)
	if err != nil {
		t.Fatal(err)
	}
	want := 0.0
	for _, s := range specs {
		want += m.trainSeconds(s) + m.suiteSeconds(s)
	}
	if est.Specs != len(specs) || est.Train != len(specs) || est.Probe != len(specs) || !near(est.Seconds, want) {
		t.Errorf("estimate %+v; want %d trainings and suites, %g s", est, len(specs), want)
	}
	if s := specs[0]; !near(m.trainSeconds(s), trainOverhead*3000*Measured["micro"][s.Precision].StepSeconds) {
		t.Errorf("micro's training estimate %g s", m.trainSeconds(s))
	}
	// A finished run is not estimated again.
	if err := writeJSON(filepath.Join(o.Out, "runs", specs[0].Key(), "done.json"), RunResult{}); err != nil {
		t.Fatal(err)
	}
	_, est2, _ := Plan(o)
	if est2.Finished != 1 || !near(est2.Seconds, want-m.trainSeconds(specs[0])-m.suiteSeconds(specs[0])) {
		t.Errorf("after one run: %+v", est2)
	}
	// Checkpoints: one training per seed, a suite per step.
	o.Sweep = Checkpoints
	_, est3, _ := Plan(o)
	if est3.Train != 2 || est3.Probe != 10 {
		t.Errorf("checkpoint part: %+v; want 2 trainings and 10 suites", est3)
	}
}

// TestFrontierFollowsTheRuns: a model competes only over the compute its
// run spans; the frontier records where two curves cross, where the best
// model's run ends, and nothing where one model is best throughout.
func TestFrontierFollowsTheRuns(t *testing.T) {
	// A = C^−0.5 + 0.1 and B = 3·C^−0.5 + 0.05 are equal at C = 1600:
	// A is lower below it, B above.
	a := stats.PowerLaw{A: 1, B: 0.5, E: 0.1}
	b := stats.PowerLaw{A: 3, B: 0.5, E: 0.05}
	fit := func(label string, law stats.PowerLaw, lo, hi float64) ComputeFit {
		return ComputeFit{Label: label, MinCompute: lo, MaxCompute: hi, PowerLawFit: stats.PowerLawFit{Fit: law}}
	}
	f := frontier([]ComputeFit{fit("A", a, 100, 3000), fit("B", b, 1000, 30000)})
	if f == nil || f.Best != "A" || len(f.Switches) != 1 || f.Switches[0].Reason != SwitchCross ||
		math.Abs(f.Switches[0].Compute-1600) > 5 || f.Switches[0].To != "B" || f.MinCompute != 100 || f.MaxCompute != 30000 {
		t.Errorf("crossing runs: %+v", f)
	}
	// B's run starts after A's ends: A's end is the switch, not a crossing.
	f = frontier([]ComputeFit{fit("A", a, 100, 1000), fit("B", b, 2000, 20000)})
	if f == nil || len(f.Switches) != 1 || f.Switches[0].Reason != SwitchEnd || f.Switches[0].Compute != 1000 {
		t.Errorf("runs one after the other: %+v", f)
	}
	if s := f.Sentence(); !strings.Contains(s, "run ends") || !strings.Contains(s, "no larger model overtakes") {
		t.Errorf("sentence %q", s)
	}
	// A is best wherever both ran and B never gets a stretch alone.
	f = frontier([]ComputeFit{fit("A", a, 100, 1500), fit("B", b, 200, 1400)})
	if f == nil || f.Best != "A" || len(f.Switches) != 0 || !strings.Contains(f.Sentence(), "does not switch model") {
		t.Errorf("one model best throughout: %+v", f)
	}
	if frontier([]ComputeFit{fit("A", a, 100, 1500), {Label: "B", Error: "no fit"}}) != nil {
		t.Error("a frontier of one fitted model")
	}

	// The fit table says which floor is held at its bound.
	pure := stats.PowerLaw{A: 2, B: 0.2, NoFloor: true}
	r := &Results{ComputeFits: []ComputeFit{fit("A", a, 100, 1500), fit("B", pure, 200, 1400)}}
	var tb strings.Builder
	r.fitTable(&tb)
	if n := strings.Count(tb.String(), "held at its bound"); n != 1 || !strings.Contains(tb.String(), "| B | 200–1.4e+03 | 2 | 0.2 | 0 (held at its bound") {
		t.Errorf("fit table, one floor held at 0:\n%s", tb.String())
	}
}

// TestLongerScheduleIsPairedWithTheLadder: a model on the longer schedule
// is compared seed by seed with the same model on the model ladder.
func TestLongerScheduleIsPairedWithTheLadder(t *testing.T) {
	r := &Results{Mode: "full", Dataset: "mnist", Headline: "fashion-mnist"}
	for seed, loss := range []float64{0.130, 0.128, 0.129} {
		short := handRun(t, ModelLadder, "bench", "bench", uint64(seed), loss, 0.86, 0.83)
		long := handRun(t, LongLadder, longLabel("bench", 100), "bench", uint64(seed), loss-0.004-0.001*float64(seed), 0.87, 0.84)
		long.Steps = 100
		r.Runs = append(r.Runs, short, long)
	}
	r.Summarize()
	c := findComparison(t, r.Comparisons, "bench, 100 steps", MetricValLoss)
	// Differences −0.004, −0.005, −0.006.
	if c.Ladder != LongLadder || c.Baseline != "bench" || c.N != 3 || !near(c.Mean, -0.005) || c.Verdict != "beyond noise" {
		t.Errorf("longer schedule: %+v", c)
	}
	hs := LossCurveHistories(r, LongLadder)
	if len(hs) != 2 || hs[0].Label != "bench, 50 steps" || hs[1].Label != "bench, 100 steps" {
		t.Errorf("long loss curves %+v", hs)
	}
	// The loss-vs-compute figure draws the longer run dashed after the
	// ladder's, at its own compute and without a fit.
	cs := LossVsFLOPsCurves(r)
	long := findPoint(t, r, LongLadder, "bench, 100 steps")
	if len(cs) != 2 || cs[0].Dashed || !cs[1].Dashed || cs[1].Label != "bench (2.7M), 100 steps" || len(cs[1].FitX) != 0 ||
		len(cs[1].X) != len(long.Curve) {
		t.Fatalf("loss vs FLOPs curves %+v", cs)
	}
	for k, s := range long.Curve {
		if !near(cs[1].X[k], s.FLOPs) || !near(cs[1].Y[k], s.ValLoss.Mean) || !near(cs[1].Low[k], s.ValLoss.Low) {
			t.Errorf("longer run at step %d plotted at (%g, %g [%g]); results %+v", s.Step, cs[1].X[k], cs[1].Y[k], cs[1].Low[k], s)
		}
	}
}

// TestEqualComputeComparisons: a model on the longer schedule is paired
// seed by seed with each larger model of about its compute (here bench at
// 1.2× small's), and with no smaller model and no model of more than
// EqualComputeRatio times its compute.
func TestEqualComputeComparisons(t *testing.T) {
	r := &Results{Mode: "full", Dataset: "mnist", Headline: "fashion-mnist"}
	add := func(ladder, label, preset string, steps int, flops float64, loss []float64) {
		for seed, l := range loss {
			run := handRun(t, ladder, label, preset, uint64(seed), l, 0.85, 0.82)
			run.Steps, run.FLOPs = steps, flops
			r.Runs = append(r.Runs, run)
		}
	}
	add(ModelLadder, "tiny", "tiny", 50, 1.1e10, []float64{0.150, 0.151, 0.152})
	add(ModelLadder, "small", "small", 50, 0.5e10, []float64{0.131, 0.132, 0.133})
	add(ModelLadder, "bench", "bench", 50, 1.2e10, []float64{0.126, 0.128, 0.127})
	add(ModelLadder, "base", "base", 50, 1.31e10, []float64{0.120, 0.121, 0.122})
	add(LongLadder, longLabel("small", 100), "small", 100, 1.0e10, []float64{0.120, 0.121, 0.122})
	r.Summarize()
	var got []Comparison
	for _, c := range r.Comparisons {
		if c.Ladder == EqualCompute {
			got = append(got, c)
		}
	}
	// bench − small on the longer schedule: +0.006, +0.007, +0.005; mean
	// +0.006, sd 0.001, half-width t(0.975, 2)·0.001/√3 = 4.3027·0.001/√3 = 0.0025.
	if len(got) != 3 || got[0].Baseline != "small, 100 steps" || got[0].Variant != "bench" || got[0].Metric != MetricValLoss ||
		got[0].N != 3 || !near(got[0].Mean, 0.006) || math.Abs(got[0].High-got[0].Mean-4.3027*0.001/math.Sqrt(3)) > 1e-6 || got[0].Verdict != "beyond noise" {
		t.Fatalf("equal-compute comparisons %+v; want bench − small, 100 steps on loss, suite and fashion-mnist, loss +0.006 ± 0.0025", got)
	}
	for _, c := range r.Claims() {
		if strings.HasPrefix(c.Paper, "At about equal compute") {
			if c.Verdict != VerdictReversed || len(c.Evidence) != 1 || !strings.HasPrefix(c.Evidence[0], "bench − small, 100 steps, final val loss: +0.0060 [") {
				t.Errorf("equal-compute claim %+v; want reversed, from bench − small, 100 steps", c)
			}
			if !strings.Contains(r.Tables(), "## Paired differences: equal compute, a larger model against a smaller one trained longer") {
				t.Error("tables.md lacks the equal-compute comparisons")
			}
			return
		}
	}
	t.Error("no equal-compute claim")
}

// TestFasterPrecision: bf16 where Measured finds its steps at least 10%
// shorter, float32 on a tie and for presets not measured.
func TestFasterPrecision(t *testing.T) {
	saved := Measured
	defer func() { Measured = saved }()
	Measured = map[string]map[blas.Precision]Throughput{
		"fast": {blas.PrecisionF32: {StepSeconds: 1}, blas.PrecisionBF16: {StepSeconds: 0.5}},
		"tie":  {blas.PrecisionF32: {StepSeconds: 1}, blas.PrecisionBF16: {StepSeconds: 0.95}},
		"slow": {blas.PrecisionF32: {StepSeconds: 1}, blas.PrecisionBF16: {StepSeconds: 2}},
	}
	for preset, want := range map[string]blas.Precision{"fast": blas.PrecisionBF16, "tie": blas.PrecisionF32, "slow": blas.PrecisionF32, "other": blas.PrecisionF32} {
		if got := FasterPrecision(preset); got != want {
			t.Errorf("%s: %v, want %v", preset, got, want)
		}
	}
}

// TestCodeVersionsAreCarried: the code that trained and probed each run
// reaches results.csv's last two columns and tables.md's table of code
// versions, runs without a recorded revision included.
func TestCodeVersionsAreCarried(t *testing.T) {
	r := handResults(t)
	for i := range r.Runs {
		if r.Runs[i].Label == "micro" {
			r.Runs[i].TrainedBy, r.Runs[i].ProbedBy = "f59e522", "f59e522, 1360d92"
		}
	}
	dir := t.TempDir()
	if err := r.Save(dir); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, filepath.Join(dir, ResultsCSV))
	if n := len(rows[0]); rows[0][n-2] != "trained_by" || rows[0][n-1] != "probed_by" {
		t.Fatalf("results.csv header ends %v; want trained_by, probed_by", rows[0][n-2:])
	}
	micro := 0
	for _, row := range rows[1:] {
		n := len(row)
		if row[1] == "micro" && row[slices.Index(rows[0], "statistic")] == "run" {
			micro++
			if row[n-2] != "f59e522" || row[n-1] != "f59e522, 1360d92" {
				t.Errorf("results.csv micro run: code %q, %q", row[n-2], row[n-1])
			}
		}
	}
	if micro != 3 {
		t.Errorf("results.csv has %d micro runs; want 3", micro)
	}
	tables := r.Tables()
	for _, want := range []string{
		"| f59e522 | f59e522, 1360d92 | 3 | micro-h1-n0-s50-b64-seed0, micro-h1-n0-s50-b64-seed1, micro-h1-n0-s50-b64-seed2 |",
		"| unrecorded | unrecorded | 11 |",
	} {
		if !strings.Contains(tables, want) {
			t.Errorf("tables.md lacks %q:\n%s", want, tables[strings.Index(tables, "## Code versions"):])
		}
	}
}

func TestJoinCode(t *testing.T) {
	for _, c := range []struct{ list, code, want string }{
		{"", "", ""}, {"", "a1", "a1"}, {"a1", "a1", "a1"}, {"a1", "b2", "a1, b2"}, {"a1, b2", "b2", "a1, b2"}, {"a1", "", "a1"},
	} {
		if got := joinCode(c.list, c.code); got != c.want {
			t.Errorf("joinCode(%q, %q) = %q, want %q", c.list, c.code, got, c.want)
		}
	}
}

// TestClaimsFromHandComputedResults: the hand-made ladder's steps are all
// beyond noise in the paper's direction (differences −0.06 ± 0.01 and
// more), its Spearman is −1 in every resample, and the spiral order's
// paired difference (+0.01, −0.01) is within noise; the parts that did not
// run say so.
func TestClaimsFromHandComputedResults(t *testing.T) {
	claims := map[string]Claim{}
	for _, c := range handResults(t).Claims() {
		claims[c.Paper] = c
	}
	for paper, want := range map[string]string{
		"Lower pre-training loss goes with higher downstream accuracy across model sizes (suite average)": VerdictHolds,
		"The same on the headline dataset (fashion-mnist accuracy)":                                       VerdictHolds,
		"Larger models reach lower loss":                                                                  VerdictHolds,
		"Larger models reach higher accuracy":                                                             VerdictHolds,
		"Raster order is best":                                                                            VerdictNotShown,
		"Prefix attention beats causal pre-training":                                                      VerdictNotRun,
		"Loss and accuracy move together during training (checkpoints, suite average)":                    VerdictNotRun,
		"The same on the headline dataset (checkpoints, fashion-mnist accuracy)":                          VerdictNotRun,
		"More unique images give higher accuracy (with augmentation)":                                     VerdictNotRun,
	} {
		c, ok := claims[paper]
		if !ok {
			t.Errorf("no claim %q", paper)
			continue
		}
		if c.Verdict != want {
			t.Errorf("%q: verdict %q, want %q (evidence %q)", paper, c.Verdict, want, c.Evidence)
		}
	}
	if ev := claims["Larger models reach lower loss"].Evidence; len(ev) != 2 || !strings.HasPrefix(ev[0], "tiny − micro, final val loss: -0.0600 [") {
		t.Errorf("model-ladder loss evidence %q; want the two steps, tiny − micro first", ev)
	}
	if !strings.Contains(handResults(t).Tables(), "| Raster order is best | ablations-order | spiral order − baseline") {
		t.Error("tables.md lacks the claims table's row of the patch order")
	}
}

func TestDirectedVerdictAndCombine(t *testing.T) {
	for _, c := range []struct {
		has             bool
		low, high, sign float64
		want            string
	}{
		{false, -1, -1, -1, VerdictOneSeed}, {true, -2, -1, -1, VerdictHolds}, {true, 1, 2, -1, VerdictReversed},
		{true, -1, 1, -1, VerdictNotShown}, {true, 1, 2, +1, VerdictHolds}, {true, 1, 2, 0, "beyond noise, no expected direction"},
	} {
		if got := directedVerdict(c.has, c.low, c.high, c.sign); got != c.want {
			t.Errorf("directedVerdict(%v, %v, %v, %v) = %q, want %q", c.has, c.low, c.high, c.sign, got, c.want)
		}
	}
	if got := combine([]string{VerdictHolds, VerdictHolds}); got != VerdictHolds {
		t.Errorf("combine(holds, holds) = %q", got)
	}
	if got, want := combine([]string{VerdictHolds, VerdictNotShown, VerdictHolds}), "mixed (holds 2 of 3; not shown: within noise 1 of 3)"; got != want {
		t.Errorf("combine = %q, want %q", got, want)
	}
	if got := combine(nil); got != VerdictNotRun {
		t.Errorf("combine(nil) = %q, want %q", got, VerdictNotRun)
	}
}

// TestClaimWaitsForSeeds: a correlation over points of which one has a
// single seed gives no verdict yet, though its bootstrap has an interval.
func TestClaimWaitsForSeeds(t *testing.T) {
	r := handResults(t)
	var kept []RunResult
	for _, run := range r.Runs {
		if run.Label != "small" || run.Seed == 0 {
			kept = append(kept, run)
		}
	}
	r.Runs = kept
	r.Summarize()
	found := false
	for _, c := range r.Claims() {
		if strings.HasPrefix(c.Paper, "Lower pre-training loss") {
			found = true
			if c.Verdict != VerdictSomeOneSeed {
				t.Errorf("verdict %q with small on one seed; want %q", c.Verdict, VerdictSomeOneSeed)
			}
		}
	}
	if !found {
		t.Error("no claim of the loss-accuracy correlation")
	}
}

// TestLadderEndsComparisons: a ladder of three or more points also pairs
// its last point with its first, seed by seed, in comparisons, tables and
// a claim of its own; a ladder of two points does not (its one step says
// it all).
func TestLadderEndsComparisons(t *testing.T) {
	r := handResults(t)
	var ends []Comparison
	for _, c := range r.Comparisons {
		if c.Ladder == LadderEnds(ModelLadder) {
			ends = append(ends, c)
		}
	}
	// small − micro, suite average: 0.13, 0.12, 0.11; mean 0.12, sd 0.01,
	// half-width t(0.975, 2)·0.01/√3 = 4.3027·0.01/√3 = 0.02484.
	suite := findComparison(t, ends, "small", MetricSuite)
	if len(ends) != 3 || suite.Baseline != "micro" || suite.N != 3 || !near(suite.Mean, 0.12) ||
		math.Abs(suite.High-suite.Mean-4.3027*0.01/math.Sqrt(3)) > 1e-5 || suite.Verdict != "beyond noise" {
		t.Fatalf("model-ladder ends %+v; want small − micro on loss, suite and fashion-mnist, suite +0.12 ± 0.0248", ends)
	}
	if loss := findComparison(t, ends, "small", MetricValLoss); !near(loss.Mean, -0.10) {
		t.Errorf("small − micro loss %v; want -0.10", loss.Mean)
	}
	claim := func(r *Results) Claim {
		for _, c := range r.Claims() {
			if c.Paper == "The same, largest model against smallest" {
				return c
			}
		}
		t.Fatal("no claim of the model ladder's ends")
		return Claim{}
	}
	if c := claim(r); c.Verdict != VerdictHolds || len(c.Evidence) != 1 || !strings.HasPrefix(c.Evidence[0], "small − micro, suite average: +12.00 [") {
		t.Errorf("ends claim %+v; want holds, from small − micro", c)
	}
	if !strings.Contains(r.Tables(), "## Paired differences: model ladder, its ends, the last point against the first") {
		t.Error("tables.md lacks the model ladder's ends")
	}
	var kept []RunResult
	for _, run := range r.Runs {
		if run.Label != "tiny" {
			kept = append(kept, run)
		}
	}
	r.Runs = kept
	r.Summarize()
	for _, c := range r.Comparisons {
		if c.Ladder == LadderEnds(ModelLadder) {
			t.Errorf("a two-point ladder has an ends comparison: %+v", c)
		}
	}
	if c := claim(r); c.Verdict != VerdictNotRun {
		t.Errorf("ends claim of a two-point ladder: %q, want %q", c.Verdict, VerdictNotRun)
	}
}

// TestAugmentationComparisons: each point of the data ladder without
// augmentation is paired, seed by seed, with the augmented point of as
// many unique images; a point without a counterpart is not.
func TestAugmentationComparisons(t *testing.T) {
	r := &Results{Mode: "full", Dataset: "mnist", Headline: "fashion-mnist"}
	add := func(ladder, label string, images int, loss []float64) {
		for seed, l := range loss {
			run := handRun(t, ladder, label, "small", uint64(seed), l, 0.85, 0.82)
			run.UniqueImages, run.TrainImages, run.NoAugment = images, images, ladder == NoAugDataLadder
			r.Runs = append(r.Runs, run)
		}
	}
	add(DataLadder, "1k images", 1000, []float64{0.130, 0.131, 0.132})
	add(DataLadder, "6k images", 6000, []float64{0.129, 0.130, 0.131})
	add(NoAugDataLadder, "100 images", 100, []float64{0.230, 0.231, 0.232})
	add(NoAugDataLadder, "1k images", 1000, []float64{0.160, 0.158, 0.162})
	r.Summarize()
	var got []Comparison
	for _, c := range r.Comparisons {
		if c.Ladder == Augmentation {
			got = append(got, c)
		}
	}
	// not augmented − augmented, 1k images: +0.030, +0.027, +0.030; mean
	// +0.029, sd √0.000003 = 0.0017321, half-width 4.3027·0.0017321/√3 = 0.0043027.
	if len(got) != 3 || got[0].Baseline != "1k images, augmented" || got[0].Variant != "1k images, not augmented" ||
		got[0].Metric != MetricValLoss || got[0].N != 3 || !near(got[0].Mean, 0.029) ||
		math.Abs(got[0].High-got[0].Mean-0.0043027) > 1e-6 || got[0].Verdict != "beyond noise" {
		t.Fatalf("augmentation comparisons %+v; want 1k images not augmented − augmented on loss, suite and fashion-mnist, loss +0.029 ± 0.0043", got)
	}
	if !strings.Contains(r.Tables(), "## Paired differences: augmentation, without the paper's augmentation against with it") {
		t.Error("tables.md lacks the augmentation comparisons")
	}
}
