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

	"github.com/pkg/errors"

	"github.com/aim-go/aim/internal/atomicfile"
	"github.com/aim-go/aim/probe"
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
}

func newResult(spec Spec, unique int, sum *train.Summary, curve []train.Metrics, seconds float64) *RunResult {
	trunk, head := spec.Model.ParamCount()
	flops, _ := spec.Model.FLOPs()
	r := &RunResult{
		Spec: spec, Key: spec.Key(), TrunkParams: trunk, HeadParams: head, UniqueImages: unique,
		FLOPs: flops * float64(spec.Steps*spec.Batch), FinalValLoss: sum.ValLoss, Curve: curve,
		TrainSeconds: seconds, ImagesPerSec: sum.ImagesPerSec, BestValLoss: sum.ValLoss,
	}
	for _, m := range curve {
		r.BestValLoss = min(r.BestValLoss, m.ValLoss)
	}
	return r
}

func (r *RunResult) setSuite(s *probe.SuiteResult) {
	r.SuiteAverage, r.Accuracy = s.AverageTest, map[string]float64{}
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
	return added
}

// Results are the outcome of a sweep.
type Results struct {
	Mode    string      `json:"mode"`
	Dataset string      `json:"dataset"`
	Sweep   string      `json:"sweep"`
	Runs    []RunResult `json:"runs"`
	// Spearman is the rank correlation between final validation loss and
	// suite average across the model ladder (the paper's claim: strongly
	// negative); nil with fewer than two models.
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

// Save writes results.json, results.csv and the figures into dir.
func (r *Results) Save(dir string) error {
	r.Spearman = nil
	if rho, err := modelSpearman(r.Ladder(ModelLadder)); err == nil {
		r.Spearman = &rho
	}
	if err := writeJSON(filepath.Join(dir, "results.json"), r); err != nil {
		return err
	}
	if err := r.writeCSV(filepath.Join(dir, "results.csv")); err != nil {
		return err
	}
	return Figures(r, filepath.Join(dir, "figures"))
}

// LoadResults reads a results.json.
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

func (r *Results) writeCSV(path string) error {
	rows := [][]string{{"ladder", "label", "preset", "width", "depth", "head_depth", "trunk_params", "unique_images",
		"steps", "batch", "patch_order", "mask", "target", "pretrain_flops", "final_val_loss", "best_val_loss", "suite_average"}}
	ds := r.datasets()
	rows[0] = append(rows[0], ds...)
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	for _, run := range r.Runs {
		row := []string{run.Ladder, run.Label, run.Preset, strconv.Itoa(run.Model.Width), strconv.Itoa(run.Model.Depth),
			strconv.Itoa(run.Model.HeadDepth), strconv.Itoa(run.TrunkParams), strconv.Itoa(run.UniqueImages),
			strconv.Itoa(run.Steps), strconv.Itoa(run.Batch), string(run.Objective.Order), run.Mask, string(run.Objective.Target),
			f(run.FLOPs), f(run.FinalValLoss), f(run.BestValLoss), f(run.SuiteAverage)}
		for _, d := range ds {
			if a, ok := run.Accuracy[d]; ok {
				row = append(row, f(a))
			} else {
				row = append(row, "")
			}
		}
		rows = append(rows, row)
	}
	return atomicWrite(path, func(file io.Writer) error {
		w := csv.NewWriter(file)
		if err := w.WriteAll(rows); err != nil {
			return err
		}
		return w.Error()
	})
}

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
func sizeLabel(r RunResult) string {
	return fmt.Sprintf("%s (%.2gM)", r.Preset, float64(r.TrunkParams)/1e6)
}
