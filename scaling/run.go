package scaling

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/internal/lockfile"
	"github.com/aim-go/aim/masks"
	"github.com/aim-go/aim/probe"
	"github.com/aim-go/aim/train"
)

// Options configure a sweep.
type Options struct {
	// Out is the results directory: results.json, results.csv, tables.md
	// and figures/. Runs of other parts found in its results.json are
	// kept, so the parts of the study add up to one set of results.
	Out string
	// Runs is the directory of the run directories (checkpoints, metrics,
	// suites); "": Out/runs. Parts that share it share their common runs.
	Runs    string
	Data    string // pre-training dataset (data.Load name)
	DataDir string
	Folder  data.FolderOptions // how folder: images are converted
	Mode    Mode
	Sweep   Sweep
	Seed    uint64 // the first seed
	Seeds   int    // pre-training seeds per point (0: 1): Seed, Seed+1, …
	Log     io.Writer
	Bars    bool // the progress of pre-training and probes on Log: bars on a terminal, a line every 10 s elsewhere
}

// runsDir is where the run directories go.
func (o Options) runsDir() string {
	if o.Runs != "" {
		return o.Runs
	}
	return filepath.Join(o.Out, "runs")
}

// Plan is what a sweep will run and its estimated time.
func Plan(o Options) ([]Spec, Estimate, error) {
	specs, err := o.Mode.Plan(o.Sweep, Seeds(o.Seed, o.Seeds))
	if err != nil {
		return nil, Estimate{}, err
	}
	res, err := resultsToExtend(o)
	if err != nil {
		return nil, Estimate{}, err
	}
	s := &sweep{o: o, res: res}
	s.plan(specs)
	return specs, s.estimate, nil
}

// PartEstimate is the estimated time of one part of the study.
type PartEstimate struct {
	Part Sweep
	Estimate
}

// EstimateParts estimates every part of the study, run in the order of
// Mode.Parts into the same run directories: a run an earlier part trains
// (the model ladder's run that the data ladder and the ablations share)
// is not counted again.
func EstimateParts(o Options) ([]PartEstimate, error) {
	var out []PartEstimate
	earlier := map[string]bool{}
	res, err := resultsToExtend(o)
	if err != nil {
		return nil, err
	}
	for _, part := range o.Mode.Parts() {
		o.Sweep = part
		specs, err := o.Mode.Plan(part, Seeds(o.Seed, o.Seeds))
		if err != nil {
			return nil, err
		}
		s := &sweep{o: o, res: res, earlier: earlier}
		s.plan(specs)
		out = append(out, PartEstimate{Part: part, Estimate: s.estimate})
		for _, spec := range specs {
			earlier[doneKey(spec)], earlier[spec.Key()] = true, true
		}
	}
	return out, nil
}

// Run executes the sweep, skipping finished runs, and returns the results:
// those of this sweep and those of other parts that Out's results.json
// already holds. results.json, results.csv, tables.md and the figures are
// rewritten after every run.
func Run(ctx context.Context, o Options) (*Results, error) {
	specs, err := o.Mode.Plan(o.Sweep, Seeds(o.Seed, o.Seeds))
	if err != nil {
		return nil, err
	}
	lock, err := lockResults(o.Out)
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	res, err := resultsToExtend(o)
	if err != nil {
		return nil, err
	}
	src, err := data.Load(o.Data, data.LoadOptions{DataDir: o.DataDir, Folder: o.Folder})
	if err != nil {
		return nil, err
	}
	s := &sweep{o: o, src: src, res: res}
	if o.Log == nil {
		s.o.Log = io.Discard
	}
	s.plan(specs)
	seeds := fmt.Sprintf("%d seeds", len(Seeds(o.Seed, o.Seeds)))
	if o.Seeds <= 1 {
		seeds = "one seed"
	}
	fmt.Fprintf(s.o.Log, "%s %s, %s: %s on the reference machine\n", o.Mode.Name, o.Sweep, seeds, s.estimate)
	res.addPart(o.Sweep)
	for i, spec := range specs {
		r, err := s.run(ctx, i, spec)
		if err != nil {
			return s.res, errors.Wrapf(err, "%s %s, seed %d", title(spec.Ladder), spec.Label, spec.Seed)
		}
		s.res.put(*r)
		if err := s.res.Save(o.Out); err != nil {
			return s.res, err
		}
	}
	return s.res, nil
}

// Resummarize rewrites a results directory's results.csv,
// comparisons.csv, tables.md and figures (and results.json's summaries)
// from its results.json with this code's statistics, and runs nothing. It
// holds the directory's lock as a sweep does, so it waits for no sweep and
// is refused while one writes there.
func Resummarize(out string) (*Results, error) {
	path := filepath.Join(out, ResultsFile)
	if _, err := os.Stat(path); err != nil {
		return nil, errors.Wrap(err, "no results to summarise")
	}
	lock, err := lockResults(out)
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	res, err := LoadResults(path)
	if err != nil {
		return nil, err
	}
	return res, errors.Wrapf(res.Save(out), "writing %s", out)
}

// ResultsLock is the file a sweep locks in its results directory while
// it reads and rewrites the results there.
const ResultsLock = ".results.lock"

// lockResults locks a results directory for one sweep: two sweeps writing
// the same results.json at once would each drop the other's runs.
func lockResults(out string) (*lockfile.Lock, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, errors.Wrap(err, "creating the results directory")
	}
	lock, err := lockfile.Acquire(filepath.Join(out, ResultsLock))
	var held *lockfile.HeldError
	if errors.As(err, &held) {
		return nil, errors.Wrapf(err, "another sweep is writing the results in %s: run the parts one after another", out)
	}
	return lock, err
}

// resultsToExtend reads Out's results.json, whose runs of other parts the
// sweep keeps, or starts empty results (also without Out, as an estimate
// may be asked for). Results of another mode or pre-training dataset are
// refused: they do not belong together.
func resultsToExtend(o Options) (*Results, error) {
	fresh := &Results{Mode: o.Mode.Name, Dataset: o.Data, Sweep: string(o.Sweep), Headline: o.Mode.Headline}
	if o.Out == "" {
		return fresh, nil
	}
	path := filepath.Join(o.Out, "results.json")
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return fresh, nil
	}
	old, err := LoadResults(path)
	if err != nil {
		return nil, errors.Wrap(err, "extending the results of earlier parts")
	}
	if old.Mode != o.Mode.Name || old.Dataset != o.Data {
		return nil, errors.Errorf("%s holds a %s sweep on %s, not %s on %s: give this sweep another --out", path, old.Mode, old.Dataset, o.Mode.Name, o.Data)
	}
	old.Headline = o.Mode.Headline
	return old, nil
}

// sweep is the state of a running sweep.
type sweep struct {
	o        Options
	src      *data.Source
	res      *Results
	done     map[string]*RunResult // finished trainings and probes, by doneKey
	recorded map[string]*RunResult // runs res holds probed on the whole suite, by doneKey
	work     map[string]float64    // estimated seconds of each training and probe not done yet
	estimate Estimate
	earlier  map[string]bool // runs and probes that earlier parts do (EstimateParts)
	left     float64         // estimated seconds of the work not yet finished
	timed    float64         // estimated seconds of the finished work whose duration is known
	seconds  float64         // their measured duration
}

// doneKey names a finished probe: the run's key, and the step of a kept
// checkpoint.
func doneKey(s Spec) string {
	if s.AtStep > 0 {
		return fmt.Sprintf("%s@%d", s.Key(), s.AtStep)
	}
	return s.Key()
}

// plan estimates the time of every training and probe not done yet.
func (s *sweep) plan(specs []Spec) {
	s.done, s.work = map[string]*RunResult{}, map[string]float64{}
	s.recorded = s.completeRecords()
	s.estimate = Estimate{Specs: len(specs), Seeds: len(Seeds(s.o.Seed, s.o.Seeds))}
	trained := map[string]bool{}
	for _, spec := range specs {
		key, dk := spec.Key(), doneKey(spec)
		if _, ok := s.work[dk]; ok {
			continue
		}
		if _, err := os.Stat(s.donePath(spec)); err == nil || s.earlier[dk] || s.fromRecord(spec) != nil {
			s.estimate.Finished++
			s.work[dk] = 0
			continue
		}
		w := s.o.Mode.suiteSeconds(spec)
		s.estimate.Probe++
		if _, err := os.Stat(s.trainedPath(spec)); err != nil && !trained[key] && !s.earlier[key] {
			w += s.o.Mode.trainSeconds(spec)
			s.estimate.Train++
		}
		trained[key] = true
		s.work[dk] = w
		s.left += w
	}
	s.estimate.Seconds = s.left
}

// completeRecords are the runs of the results being extended that were
// probed on every dataset of the suite, by doneKey. A part reuses one
// where the run's directory is missing (fromRecord; a fresh clone of the
// repository holds results.json but not the runs): a finished run
// contributes its record and nothing else. A run lacking a dataset needs
// its checkpoint for the missing probe, so it is not reused.
func (s *sweep) completeRecords() map[string]*RunResult {
	out := map[string]*RunResult{}
	if s.res == nil {
		return out
	}
	for _, r := range s.res.Runs {
		if r.Key != r.Spec.Key() || !s.probedOnSuite(&r) {
			continue
		}
		out[doneKey(r.Spec)] = &r
	}
	return out
}

// fromRecord returns the recorded run that stands for a spec: one that
// completeRecords holds, when the spec's run directory does not exist.
// Where the directory exists it decides, as for any run: finished, to
// resume, or to complete on the suite.
func (s *sweep) fromRecord(spec Spec) *RunResult {
	r := s.recorded[doneKey(spec)]
	if r == nil {
		return nil
	}
	if _, err := os.Stat(filepath.Join(s.o.runsDir(), spec.Key())); !os.IsNotExist(err) {
		return nil
	}
	return r
}

// probedOnSuite says whether a run has an accuracy for every dataset of
// the suite, or was recorded skipping one that is still not installed.
func (s *sweep) probedOnSuite(r *RunResult) bool {
	for _, name := range s.suiteDatasets() {
		if _, ok := r.Accuracy[name]; ok {
			continue
		}
		if !slices.Contains(r.SkippedSuites, name) || probe.Installed(name, s.o.DataDir) {
			return false
		}
	}
	return true
}

// donePath is where a spec's finished result is recorded.
func (s *sweep) donePath(spec Spec) string {
	dir := filepath.Join(s.o.runsDir(), spec.Key())
	if spec.AtStep > 0 {
		return filepath.Join(dir, fmt.Sprintf("done-step%06d.json", spec.AtStep))
	}
	return filepath.Join(dir, "done.json")
}

// run trains and probes one spec, or reuses a finished run.
func (s *sweep) run(ctx context.Context, i int, spec Spec) (*RunResult, error) {
	dk := doneKey(spec)
	dir := filepath.Join(s.o.runsDir(), spec.Key())
	if r, ok := s.done[dk]; ok {
		return relabel(r, spec), nil
	}
	if r, err := loadDone(s.donePath(spec)); err == nil {
		if err := s.completeSuite(ctx, r, spec, i); err != nil {
			return nil, err
		}
		s.finish(dk, relabel(r, spec), 0, i)
		return relabel(r, spec), nil
	}
	if r := s.fromRecord(spec); r != nil {
		fmt.Fprintf(s.o.Log, "[%d] %s: %s, seed %d is recorded in %s (its run directory is not in %s)\n", i+1, title(spec.Ladder), spec.Label, spec.Seed,
			ResultsFile, s.o.runsDir())
		s.finish(dk, relabel(r, spec), 0, i)
		return relabel(r, spec), nil
	}
	began := time.Now()
	fmt.Fprintf(s.o.Log, "[%d] %s: %s, seed %d (%s, %d steps of %d, %s, %s) ETA %s\n", i+1, title(spec.Ladder), spec.Label, spec.Seed,
		spec.Preset, spec.Steps, spec.Batch, imagesLabel(spec.TrainImages), spec.Precision, s.eta())
	r, err := s.trained(ctx, spec, dir)
	if err != nil {
		return nil, err
	}
	if spec.AtStep > 0 {
		if r, err = s.atStep(r, spec, dir); err != nil {
			return nil, err
		}
	}
	if err := s.probe(ctx, r, spec); err != nil {
		return nil, err
	}
	if err := writeJSON(s.donePath(spec), r); err != nil {
		return nil, err
	}
	s.finish(dk, r, max(time.Since(began).Seconds(), 1e-9), i)
	return r, nil
}

// trained returns the pre-training of a spec: a finished run's record
// (without its probes), or a new or resumed training.
func (s *sweep) trained(ctx context.Context, spec Spec, dir string) (*RunResult, error) {
	if spec.KeepCheckpoints {
		if r, err := loadDone(s.trainedPath(spec)); err == nil {
			return r, nil
		}
	}
	return s.train(ctx, spec, dir)
}

// trainedPath is the file that records a spec's run as trained: done.json,
// or, for a run whose kept checkpoints are probed, trained.json.
func (s *sweep) trainedPath(spec Spec) string {
	name := "done.json"
	if spec.KeepCheckpoints {
		name = "trained.json"
	}
	return filepath.Join(s.o.runsDir(), spec.Key(), name)
}

// atStep turns the record of a whole run into that of its checkpoint at
// spec.AtStep: the validation loss of that evaluation, the compute up to
// it, and the kept weights to probe.
func (s *sweep) atStep(whole *RunResult, spec Spec, dir string) (*RunResult, error) {
	r := *whole
	r.Spec, r.Accuracy, r.SuiteAverage, r.SkippedSuites, r.ProbeSeconds = spec, nil, 0, nil, 0
	found := false
	for _, m := range whole.Curve {
		if m.Step == spec.AtStep {
			r.FinalValLoss, found = m.ValLoss, true
			r.TrainSeconds = m.ElapsedSec
		}
	}
	if !found {
		return nil, errors.Errorf("%s: no evaluation at step %d", filepath.Join(dir, train.MetricsFile), spec.AtStep)
	}
	per, _ := spec.Model.FLOPs()
	r.FLOPs = per * float64(spec.AtStep*spec.Batch)
	return &r, nil
}

// checkpointPath is the weights a spec's probes read.
func (s *sweep) checkpointPath(spec Spec) string {
	dir := filepath.Join(s.o.runsDir(), spec.Key())
	if spec.AtStep > 0 && spec.AtStep < spec.Steps {
		return filepath.Join(dir, train.SnapshotFile(spec.AtStep))
	}
	return filepath.Join(dir, train.CheckpointFile)
}

// suiteDir is where a spec's suite results go.
func suiteDir(spec Spec, name string) string {
	if spec.AtStep > 0 {
		return fmt.Sprintf("%s-step%06d", name, spec.AtStep)
	}
	return name
}

// finish records a finished training or probe. Its wall time, seconds (0
// for one skipped), calibrates the ETA against its estimate; the time
// reported is the run's training (up to the probed step) and probes.
func (s *sweep) finish(key string, r *RunResult, seconds float64, i int) {
	s.done[key] = r
	if w := s.work[key]; w > 0 {
		s.left -= w
		if seconds > 0 {
			s.timed += w
			s.seconds += seconds
		}
	}
	if seconds == 0 {
		fmt.Fprintf(s.o.Log, "[%d] %s: %s, seed %d already done, skipped\n", i+1, title(r.Ladder), r.Label, r.Seed)
		return
	}
	fmt.Fprintf(s.o.Log, "[%d] %s: %s, seed %d: val loss %.4f, suite average %.2f%% (%.0f s)\n", i+1, title(r.Ladder), r.Label, r.Seed,
		r.FinalValLoss, 100*r.SuiteAverage, seconds)
}

func relabel(r *RunResult, spec Spec) *RunResult {
	c := *r
	c.Ladder, c.Label = spec.Ladder, spec.Label
	return &c
}

// eta is the estimated time of the work left, scaled by how the finished
// work's measured time compared with its estimate.
func (s *sweep) eta() string {
	left := s.left
	if s.timed > 0 {
		left *= s.seconds / s.timed
	}
	return time.Duration(left * float64(time.Second)).Round(time.Second).String()
}

// train pre-trains (or resumes) one run.
func (s *sweep) train(ctx context.Context, spec Spec, dir string) (*RunResult, error) {
	split, err := train.PrepareData(s.src.Train, s.o.Mode.ValImages, spec.TrainImages)
	if err != nil {
		return nil, err
	}
	o := train.NewOptions()
	o.Model, o.Objective, o.Steps, o.Batch, o.Seed, o.Out = spec.Model, spec.Objective, spec.Steps, spec.Batch, spec.Seed, dir
	o.Precision, o.KeepCheckpoints = spec.Precision, spec.KeepCheckpoints
	if o.Mask, err = masks.ParseKind(spec.Mask); err != nil {
		return nil, err
	}
	if spec.NoAugment {
		o.Augment = nil
	}
	_, statErr := os.Stat(filepath.Join(dir, train.CheckpointFile))
	o.Resume = statErr == nil
	began := time.Now()
	sum, err := train.Pretrain(ctx, o, split.Train, split.Val, split.Norm, s.trainBar())
	if err != nil {
		return nil, err
	}
	curve, err := train.ReadMetrics(dir)
	if err != nil {
		return nil, err
	}
	// The wall time of this invocation, or, for a run resumed from a
	// checkpoint, the training time of all its invocations if longer.
	seconds := time.Since(began).Seconds()
	if n := len(curve); n > 0 {
		seconds = max(seconds, curve[n-1].ElapsedSec)
	}
	whole := spec
	whole.AtStep = 0
	r := newResult(whole, split.Train.N, sum, curve, seconds)
	if spec.KeepCheckpoints {
		// The record of the whole run, so that the probes of its other
		// checkpoints find it trained.
		if err := writeJSON(s.trainedPath(spec), r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// probeSuite probes the weights a spec reads on datasets (nil: the
// suite's), with the probe's seed tied to the run's.
func (s *sweep) probeSuite(ctx context.Context, spec Spec, datasets []string) (*probe.SuiteResult, float64, error) {
	trunk, err := probe.LoadTrunk(s.checkpointPath(spec), graph.InPrecision(spec.Precision))
	if err != nil {
		return nil, 0, err
	}
	o := s.o.Mode.Suite
	o.Seed = spec.Seed
	if datasets == nil {
		datasets = s.suiteDatasets()
	}
	began := time.Now()
	suite, err := probe.Suite(ctx, trunk, probe.SuiteOptions{Options: o, Datasets: datasets, DataDir: s.o.DataDir}, s.probeBar())
	return suite, time.Since(began).Seconds(), err
}

// probe runs the downstream suite on a spec's weights.
func (s *sweep) probe(ctx context.Context, r *RunResult, spec Spec) error {
	suite, secs, err := s.probeSuite(ctx, spec, nil)
	if err != nil {
		return err
	}
	r.setSuite(suite)
	r.ProbeSeconds = secs
	return suite.Write(filepath.Join(s.o.runsDir(), spec.Key(), suiteDir(spec, "suite")))
}

// completeSuite probes a run finished earlier on the suite's datasets it
// was not probed on (installed, or added to the suite, since it ran), so
// that every run of a sweep averages over the same datasets.
func (s *sweep) completeSuite(ctx context.Context, r *RunResult, spec Spec, i int) error {
	var missing []string
	for _, name := range s.suiteDatasets() {
		if _, ok := r.Accuracy[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	suite, secs, err := s.probeSuite(ctx, spec, missing)
	if suite != nil && suite.Probed == 0 {
		return nil // still not installed
	}
	if err != nil {
		return err
	}
	added := r.addSuite(suite)
	r.ProbeSeconds += secs
	fmt.Fprintf(s.o.Log, "[%d] %s: %s, seed %d probed on %s, which it lacked: suite average %.2f%%\n", i+1, title(r.Ladder), r.Label, r.Seed,
		strings.Join(added, ", "), 100*r.SuiteAverage)
	if err := suite.Write(filepath.Join(s.o.runsDir(), spec.Key(), suiteDir(spec, "suite-added"))); err != nil {
		return err
	}
	return writeJSON(s.donePath(spec), r)
}

// suiteDatasets are the datasets every run is probed on.
func (s *sweep) suiteDatasets() []string {
	if s.o.Mode.SuiteDatasets != nil {
		return s.o.Mode.SuiteDatasets
	}
	return probe.SuiteDatasets()
}

func (s *sweep) probeBar() probe.Progress {
	if s.o.Bars && s.o.Log != nil {
		return probe.NewBar(s.o.Log)
	}
	return probe.Silent{}
}

func (s *sweep) trainBar() train.Progress {
	if s.o.Bars && s.o.Log != nil {
		return train.NewBar(s.o.Log)
	}
	return train.Silent{}
}

func loadDone(path string) (*RunResult, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r RunResult
	return &r, errors.Wrapf(json.Unmarshal(b, &r), "%s", path)
}
