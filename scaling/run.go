package scaling

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/masks"
	"github.com/aim-go/aim/probe"
	"github.com/aim-go/aim/train"
)

// Options configure a sweep.
type Options struct {
	Out     string // sweep directory
	Data    string // pre-training dataset (data.Load name)
	DataDir string
	Folder  data.FolderOptions // how folder: images are converted
	Mode    Mode
	Sweep   Sweep
	Seed    uint64
	// Precision is how every run's matrix products compute, in
	// pre-training and probes (see train.Options.Precision).
	Precision blas.Precision
	Log       io.Writer // progress lines (nil: none)
	Bars      bool      // the progress of pre-training and probes on Log: bars on a terminal, a line every 10 s elsewhere
}

// Run executes the sweep, skipping finished runs, and returns the results.
// results.json, results.csv and the figures are rewritten after every run.
func Run(ctx context.Context, o Options) (*Results, error) {
	specs, err := o.Mode.Plan(o.Sweep, o.Seed)
	if err != nil {
		return nil, err
	}
	src, err := data.Load(o.Data, data.LoadOptions{DataDir: o.DataDir, Folder: o.Folder})
	if err != nil {
		return nil, err
	}
	s := &sweep{o: o, src: src, res: &Results{Mode: o.Mode.Name, Dataset: o.Data, Sweep: string(o.Sweep)}}
	if o.Log == nil {
		s.o.Log = io.Discard
	}
	s.plan(specs)
	for i, spec := range specs {
		r, err := s.run(ctx, i, spec)
		if err != nil {
			return s.res, errors.Wrapf(err, "%s %s", title(spec.Ladder), spec.Label)
		}
		s.res.Runs = append(s.res.Runs, *r)
		if err := s.res.Save(o.Out); err != nil {
			return s.res, err
		}
	}
	return s.res, nil
}

// sweep is the state of a running sweep.
type sweep struct {
	o       Options
	src     *data.Source
	res     *Results
	done    map[string]*RunResult // by key, for runs two ladders share
	work    map[string]float64    // estimated cost of each key (FLOPs)
	left    float64               // estimated cost of the runs not yet finished
	timed   float64               // cost of the finished runs whose duration is known
	seconds float64               // their total duration
}

// plan estimates the cost of every distinct run, for the ETA.
func (s *sweep) plan(specs []Spec) {
	s.done, s.work = map[string]*RunResult{}, map[string]float64{}
	for _, spec := range specs {
		if _, ok := s.work[spec.Key()]; ok {
			continue
		}
		train, infer := spec.Model.FLOPs()
		suiteImages := 4 * float64(s.o.Mode.Suite.TrainImages+max(s.o.Mode.Suite.TestImages, 10000))
		w := train*float64(spec.Steps*spec.Batch) + 3*infer*suiteImages
		s.work[spec.Key()] = w
		s.left += w
	}
}

// run trains and probes one spec, or reuses a finished run.
func (s *sweep) run(ctx context.Context, i int, spec Spec) (*RunResult, error) {
	key := spec.Key()
	dir := filepath.Join(s.o.Out, "runs", key)
	if r, ok := s.done[key]; ok {
		return s.relabel(r, spec), nil
	}
	if r, err := loadDone(dir); err == nil {
		if err := s.completeSuite(ctx, r, dir, i); err != nil {
			return nil, err
		}
		s.finish(key, r, true, i)
		return s.relabel(r, spec), nil
	}
	fmt.Fprintf(s.o.Log, "[%d] %s: %s (%s, %d steps of %d, %s) ETA %s\n", i+1, title(spec.Ladder), spec.Label,
		spec.Preset, spec.Steps, spec.Batch, imagesLabel(spec.TrainImages), s.eta())
	r, err := s.train(ctx, spec, dir)
	if err != nil {
		return nil, err
	}
	if err := s.probe(ctx, r, dir); err != nil {
		return nil, err
	}
	if err := writeJSON(filepath.Join(dir, "done.json"), r); err != nil {
		return nil, err
	}
	s.finish(key, r, false, i)
	return r, nil
}

// finish records a run; its duration (also that of a run finished by an
// earlier invocation) calibrates the ETA.
func (s *sweep) finish(key string, r *RunResult, skipped bool, i int) {
	s.done[key] = r
	s.left -= s.work[key]
	if secs := r.TrainSeconds + r.ProbeSeconds; secs > 0 {
		s.timed += s.work[key]
		s.seconds += secs
	}
	if skipped {
		fmt.Fprintf(s.o.Log, "[%d] %s: %s already done, skipped\n", i+1, title(r.Ladder), r.Label)
		return
	}
	fmt.Fprintf(s.o.Log, "[%d] %s: %s: val loss %.4f, suite average %.2f%% (%.0f s)\n", i+1, title(r.Ladder), r.Label,
		r.FinalValLoss, 100*r.SuiteAverage, r.TrainSeconds+r.ProbeSeconds)
}

func (s *sweep) relabel(r *RunResult, spec Spec) *RunResult {
	c := *r
	c.Ladder, c.Label = spec.Ladder, spec.Label
	return &c
}

// eta extrapolates the time left from the seconds per estimated FLOP of the
// finished runs.
func (s *sweep) eta() string {
	if s.timed == 0 {
		return "unknown until the first run ends"
	}
	left := time.Duration(s.seconds / s.timed * s.left * float64(time.Second))
	return left.Round(time.Second).String()
}

// train pre-trains (or resumes) one run.
func (s *sweep) train(ctx context.Context, spec Spec, dir string) (*RunResult, error) {
	split, err := train.PrepareData(s.src.Train, s.o.Mode.ValImages, spec.TrainImages)
	if err != nil {
		return nil, err
	}
	o := train.NewOptions()
	o.Model, o.Objective, o.Steps, o.Batch, o.Seed, o.Out = spec.Model, spec.Objective, spec.Steps, spec.Batch, spec.Seed, dir
	o.Precision = s.o.Precision
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
	return newResult(spec, split.Train.N, sum, curve, seconds), nil
}

// probe runs the downstream suite on a run's checkpoint.
func (s *sweep) probe(ctx context.Context, r *RunResult, dir string) error {
	trunk, err := probe.LoadTrunk(filepath.Join(dir, train.CheckpointFile), graph.InPrecision(s.o.Precision))
	if err != nil {
		return err
	}
	began := time.Now()
	suite, err := probe.Suite(ctx, trunk, probe.SuiteOptions{Options: s.o.Mode.Suite, Datasets: s.suiteDatasets(), DataDir: s.o.DataDir}, s.probeBar())
	if err != nil {
		return err
	}
	r.setSuite(suite)
	r.ProbeSeconds = time.Since(began).Seconds()
	return suite.Write(filepath.Join(dir, "suite"))
}

// completeSuite probes a run finished earlier on the suite's datasets it
// was not probed on (installed, or added to the suite, since it ran), so
// that every run of a sweep averages over the same datasets.
func (s *sweep) completeSuite(ctx context.Context, r *RunResult, dir string, i int) error {
	var missing []string
	for _, name := range s.suiteDatasets() {
		if _, ok := r.Accuracy[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	trunk, err := probe.LoadTrunk(filepath.Join(dir, train.CheckpointFile), graph.InPrecision(s.o.Precision))
	if err != nil {
		return err
	}
	began := time.Now()
	suite, err := probe.Suite(ctx, trunk, probe.SuiteOptions{Options: s.o.Mode.Suite, Datasets: missing, DataDir: s.o.DataDir}, s.probeBar())
	if suite != nil && suite.Probed == 0 {
		return nil // still not installed
	}
	if err != nil {
		return err
	}
	added := r.addSuite(suite)
	r.ProbeSeconds += time.Since(began).Seconds()
	fmt.Fprintf(s.o.Log, "[%d] %s: %s probed on %s, which it lacked: suite average %.2f%%\n", i+1, title(r.Ladder), r.Label,
		strings.Join(added, ", "), 100*r.SuiteAverage)
	if err := suite.Write(filepath.Join(dir, "suite-added")); err != nil {
		return err
	}
	return writeJSON(filepath.Join(dir, "done.json"), r)
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

func loadDone(dir string) (*RunResult, error) {
	b, err := os.ReadFile(filepath.Join(dir, "done.json"))
	if err != nil {
		return nil, err
	}
	var r RunResult
	return &r, errors.Wrapf(json.Unmarshal(b, &r), "%s/done.json", dir)
}
