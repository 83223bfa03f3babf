package scaling

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/internal/atomicfile"
	"github.com/aim-go/aim/internal/buildinfo"
	"github.com/aim-go/aim/probe"
	"github.com/aim-go/aim/scaling/stats"
	"github.com/aim-go/aim/train"
)

// RunResult is one finished run: what was trained, what it cost, its loss
// curve and its downstream accuracies.
type RunResult struct {
	Spec
	Key           string             `json:"key"`
	TrunkParams   int                `json:"trunk_params"`
	HeadParams    int                `json:"head_params"`
	UniqueImages  int                `json:"unique_images"`
	FLOPs         float64            `json:"pretrain_flops"` // model FLOPs of all pre-training steps
	FinalValLoss  float64            `json:"final_val_loss"`
	BestValLoss   float64            `json:"best_val_loss"`
	Curve         []train.Metrics    `json:"curve"`
	SuiteAverage  float64            `json:"suite_average"` // mean attentive-probe test accuracy, fraction
	Accuracy      map[string]float64 `json:"accuracy"`      // per dataset
	TrainSeconds  float64            `json:"train_seconds"`
	ProbeSeconds  float64            `json:"probe_seconds"`
	ImagesPerSec  float64            `json:"images_per_s"`
	SkippedSuites []string           `json:"skipped_datasets,omitempty"`
	// TrainedBy and ProbedBy name the code (buildinfo.Info.Code: a
	// revision, "+modified" for a tree with changes) that pre-trained the
	// run and that probed it, comma-separated when probes were added by
	// several; empty where the binary recorded no revision.
	TrainedBy string `json:"trained_by,omitempty"`
	ProbedBy  string `json:"probed_by,omitempty"`
}

func newResult(spec Spec, unique int, sum *train.Summary, curve []train.Metrics, seconds float64) *RunResult {
	trunk, head := spec.Model.ParamCount()
	flops, _ := spec.Model.FLOPs()
	r := &RunResult{
		Spec: spec, Key: spec.Key(), TrunkParams: trunk, HeadParams: head, UniqueImages: unique,
		FLOPs: flops * float64(spec.Steps*spec.Batch), FinalValLoss: sum.ValLoss, Curve: curve,
		TrainSeconds: seconds, ImagesPerSec: sum.ImagesPerSec, BestValLoss: sum.ValLoss,
		TrainedBy: buildinfo.Read().Code(),
	}
	for _, m := range curve {
		r.BestValLoss = min(r.BestValLoss, m.ValLoss)
	}
	return r
}

func (r *RunResult) setSuite(s *probe.SuiteResult) {
	r.SuiteAverage, r.Accuracy, r.ProbedBy = s.AverageTest, map[string]float64{}, buildinfo.Read().Code()
	for _, e := range s.Entries {
		if e.Result == nil {
			r.SkippedSuites = append(r.SkippedSuites, e.Dataset)
			continue
		}
		r.Accuracy[e.Dataset] = e.Result.TestAccuracy
	}
}

// addSuite merges the results of probing a finished run on datasets it
// lacked, and averages again over all the datasets it now has.
func (r *RunResult) addSuite(s *probe.SuiteResult) (added []string) {
	if r.Accuracy == nil {
		r.Accuracy = map[string]float64{}
	}
	for _, e := range s.Entries {
		if e.Result == nil {
			if !slices.Contains(r.SkippedSuites, e.Dataset) {
				r.SkippedSuites = append(r.SkippedSuites, e.Dataset)
			}
			continue
		}
		r.Accuracy[e.Dataset] = e.Result.TestAccuracy
		r.SkippedSuites = slices.DeleteFunc(r.SkippedSuites, func(n string) bool { return n == e.Dataset })
		added = append(added, e.Dataset)
	}
	sum := 0.0
	for _, a := range r.Accuracy {
		sum += a
	}
	r.SuiteAverage = sum / float64(max(len(r.Accuracy), 1))
	if len(added) > 0 {
		r.ProbedBy = joinCode(r.ProbedBy, buildinfo.Read().Code())
	}
	return added
}

// joinCode adds code to a comma-separated list of code versions, unless
// it is there or empty.
func joinCode(list, code string) string {
	switch {
	case code == "" || slices.Contains(strings.Split(list, ", "), code):
		return list
	case list == "":
		return code
	}
	return list + ", " + code
}

// Results are the outcome of a sweep, or of several parts of the study
// run into the same directory.
type Results struct {
	Mode    string `json:"mode"`
	Dataset string `json:"dataset"`
	// Sweep names the parts (or sweeps) whose runs these are,
	// comma-separated.
	Sweep string `json:"sweep"`
	// Headline is the downstream dataset whose accuracy heads the tables
	// and figures beside the suite average ("": the suite average alone).
	Headline string `json:"headline,omitempty"`
	// Runs holds every seed's run.
	Runs []RunResult `json:"runs"`

	// The rest is computed from Runs (and computed again when a results
	// file is read, so that files written before they existed get them).

	// Points are the ladders' points over their seeds.
	Points []Point `json:"points,omitempty"`
	// Comparisons are the paired differences of each ablation from its
	// baseline and of each ladder step from the one before.
	Comparisons []Comparison `json:"comparisons,omitempty"`
	// Correlations are rank correlations across points with bootstrap
	// intervals over seeds (three points or more).
	Correlations []Correlation `json:"correlations,omitempty"`
	// ComputeFits are the power laws of validation loss against compute
	// of each model, and Frontier where the best of them changes.
	ComputeFits []ComputeFit `json:"compute_fits,omitempty"`
	Frontier    *Frontier    `json:"frontier,omitempty"`
	// Spearman is the rank correlation between the model ladder's mean
	// final validation losses and mean suite averages (the paper's claim:
	// strongly negative); nil with fewer than three models.
	Spearman *float64 `json:"model_ladder_spearman,omitempty"`
}

// Ladder returns the runs of one ladder, in sweep order.
func (r *Results) Ladder(name string) []RunResult {
	var out []RunResult
	for _, run := range r.Runs {
		if run.Ladder == name {
			out = append(out, run)
		}
	}
	return out
}

// put adds a run, replacing the one of the same ladder, label and seed.
func (r *Results) put(run RunResult) {
	for i, old := range r.Runs {
		if old.Ladder == run.Ladder && old.Label == run.Label && old.Seed == run.Seed {
			r.Runs[i] = run
			return
		}
	}
	r.Runs = append(r.Runs, run)
}

// addPart records that a sweep's runs are among these results.
func (r *Results) addPart(sweep Sweep) {
	parts := strings.Split(r.Sweep, ",")
	if r.Sweep == "" {
		parts = nil
	}
	if !slices.Contains(parts, string(sweep)) {
		parts = append(parts, string(sweep))
	}
	r.Sweep = strings.Join(parts, ",")
}

// The files Save writes besides the figures.
const (
	ResultsFile    = "results.json"
	ResultsCSV     = "results.csv"
	ComparisonsCSV = "comparisons.csv"
	TablesFile     = "tables.md"
	FiguresDir     = "figures"
)

// OutputFiles lists the files Save writes into its directory (figures
// under FiguresDir).
func OutputFiles() []string {
	files := []string{ResultsFile, ResultsCSV, ComparisonsCSV, TablesFile}
	for _, f := range FigureFiles() {
		files = append(files, filepath.Join(FiguresDir, f))
	}
	return files
}

// Save computes the points, comparisons, correlations and fits, and writes
// results.json, results.csv, comparisons.csv, tables.md and the figures
// into dir.
func (r *Results) Save(dir string) error {
	r.Summarize()
	if err := writeJSON(filepath.Join(dir, ResultsFile), r); err != nil {
		return err
	}
	if err := r.writeCSV(filepath.Join(dir, ResultsCSV)); err != nil {
		return err
	}
	if err := r.writeComparisonsCSV(filepath.Join(dir, ComparisonsCSV)); err != nil {
		return err
	}
	if err := atomicWrite(filepath.Join(dir, TablesFile), func(w io.Writer) error {
		_, err := io.WriteString(w, r.Tables())
		return err
	}); err != nil {
		return err
	}
	return Figures(r, filepath.Join(dir, FiguresDir))
}

// LoadResults reads a results.json, of one seed per point or several, and
// computes its points, comparisons, correlations and fits from its runs.
func LoadResults(path string) (*Results, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Results
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, errors.Wrapf(err, "%s: not a results file", path)
	}
	if len(r.Runs) == 0 {
		return nil, errors.Errorf("%s holds no runs", path)
	}
	for i, run := range r.Runs {
		if run.Ladder == "" || run.Label == "" {
			return nil, errors.Errorf("%s: run %d has no ladder or label", path, i)
		}
		if err := run.Model.Validate(); err != nil {
			return nil, errors.Wrapf(err, "%s: run %d (%s) has no usable model description", path, i, run.Label)
		}
	}
	if r.Headline == "" && r.hasDataset(FullMode().Headline) {
		r.Headline = FullMode().Headline // files from before the headline
	}
	r.Summarize()
	return &r, nil
}

// datasets lists the downstream datasets any run has an accuracy for.
func (r *Results) datasets() []string {
	seen := map[string]bool{}
	for _, run := range r.Runs {
		for d := range run.Accuracy {
			seen[d] = true
		}
	}
	var out []string
	for d := range seen {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// hasDataset reports whether any run has an accuracy on the dataset.
func (r *Results) hasDataset(name string) bool {
	return slices.Contains(r.datasets(), name)
}

// csvColumns are the columns of results.csv before the datasets'.
var csvColumns = []string{"ladder", "label", "preset", "width", "depth", "head_depth", "trunk_params", "unique_images",
	"steps", "batch", "patch_order", "mask", "target", "augment", "precision", "at_step", "seed", "statistic", "n",
	"pretrain_flops", "final_val_loss", "best_val_loss", "suite_average"}

// writeCSV writes one row per run (statistic "run", with its seed), then,
// for each point, rows of its mean, sample standard deviation and 95%
// interval over its seeds (statistic "mean", "sd", "ci95_low",
// "ci95_high"; empty where a point has one seed). The last two columns,
// after the datasets', name the code that trained and probed each run.
func (r *Results) writeCSV(path string) error {
	ds := r.datasets()
	rows := [][]string{append(append(slices.Clone(csvColumns), ds...), "trained_by", "probed_by")}
	for _, run := range r.Runs {
		row := append(specColumns(run.Spec, run.TrunkParams, run.UniqueImages), strconv.FormatUint(run.Seed, 10), "run", "1",
			num(run.FLOPs), num(run.FinalValLoss), num(run.BestValLoss), num(run.SuiteAverage))
		for _, d := range ds {
			if a, ok := run.Accuracy[d]; ok {
				row = append(row, num(a))
			} else {
				row = append(row, "")
			}
		}
		rows = append(rows, append(row, run.TrainedBy, run.ProbedBy))
	}
	for _, p := range r.Points {
		rows = append(rows, p.csvRows(ds)...)
	}
	return writeCSVFile(path, rows)
}

// csvRows are a point's rows of results.csv.
func (p Point) csvRows(datasets []string) [][]string {
	var rows [][]string
	for _, stat := range []string{"mean", "sd", "ci95_low", "ci95_high"} {
		pick := func(s stats.Summary) string {
			if s.N == 0 || (stat != "mean" && !s.HasInterval) {
				return ""
			}
			return num(map[string]float64{"mean": s.Mean, "sd": s.SD, "ci95_low": s.Low, "ci95_high": s.High}[stat])
		}
		row := append(specColumns(p.Spec, p.TrunkParams, p.UniqueImages), "", stat, strconv.Itoa(p.FinalValLoss.N),
			num(p.FLOPs), pick(p.FinalValLoss), pick(p.BestValLoss), pick(p.SuiteAverage))
		for _, d := range datasets {
			row = append(row, pick(p.Accuracy[d]))
		}
		rows = append(rows, append(row, "", ""))
	}
	return rows
}

// specColumns are the columns that describe a run or point.
func specColumns(s Spec, trunkParams, uniqueImages int) []string {
	atStep := ""
	if s.AtStep > 0 {
		atStep = strconv.Itoa(s.AtStep)
	}
	return []string{s.Ladder, s.Label, s.Preset, strconv.Itoa(s.Model.Width), strconv.Itoa(s.Model.Depth),
		strconv.Itoa(s.Model.HeadDepth), strconv.Itoa(trunkParams), strconv.Itoa(uniqueImages),
		strconv.Itoa(s.Steps), strconv.Itoa(s.Batch), string(s.Objective.Order), s.Mask, string(s.Objective.Target),
		strconv.FormatBool(!s.NoAugment), s.Precision.String(), atStep}
}

// writeComparisonsCSV writes one row per paired comparison.
func (r *Results) writeComparisonsCSV(path string) error {
	rows := [][]string{{"ladder", "baseline", "variant", "metric", "n", "seeds", "mean_difference", "sd", "ci95_low", "ci95_high", "verdict"}}
	for _, c := range r.Comparisons {
		var seeds []string
		for _, s := range c.Seeds {
			seeds = append(seeds, strconv.FormatUint(s, 10))
		}
		low, high, sd := "", "", ""
		if c.HasInterval {
			low, high, sd = num(c.Low), num(c.High), num(c.SD)
		}
		rows = append(rows, []string{c.Ladder, c.Baseline, c.Variant, c.Metric, strconv.Itoa(c.N), strings.Join(seeds, " "),
			num(c.Mean), sd, low, high, c.Verdict})
	}
	return writeCSVFile(path, rows)
}

func writeCSVFile(path string, rows [][]string) error {
	return atomicWrite(path, func(file io.Writer) error {
		w := csv.NewWriter(file)
		if err := w.WriteAll(rows); err != nil {
			return err
		}
		return w.Error()
	})
}

// num writes a figure with six significant digits.
func num(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return errors.Wrapf(err, "encoding %s", path)
	}
	return atomicWrite(path, func(f io.Writer) error {
		_, err := f.Write(append(b, '\n'))
		return err
	})
}

// atomicWrite writes a file atomically, creating its directory.
func atomicWrite(path string, fill func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return errors.Wrapf(err, "creating the directory of %s", path)
	}
	return atomicfile.Write(path, fill)
}

// sizeLabel names a model by its trunk parameter count.
func sizeLabel(preset string, trunkParams int) string {
	return fmt.Sprintf("%s (%.2gM)", preset, float64(trunkParams)/1e6)
}
