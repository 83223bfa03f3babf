package probe

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aim-go/aim/internal/atomicfile"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/data"
)

// Files a suite writes.
const (
	SuiteJSON     = "suite.json"
	SuiteMarkdown = "suite.md"
)

// SuiteDatasets returns the labelled datasets data.Load knows by name (not
// the folder: and npy: forms), in its order.
func SuiteDatasets() []string {
	var out []string
	for _, n := range data.Names() {
		if !strings.Contains(n, ":") {
			out = append(out, n)
		}
	}
	return out
}

// SuiteOptions configure a suite.
type SuiteOptions struct {
	// Options of every probe; TrainImages is a cap (smaller datasets use
	// all their training images).
	Options
	// Datasets to probe; nil: SuiteDatasets.
	Datasets []string
	// DataDir, if set, is searched for datasets not installed where
	// data.Load looks by default: first DataDir/NAME, then DataDir itself.
	DataDir string
	// Baseline also probes an untrained trunk of the same architecture
	// (initialised from Seed) on every dataset.
	Baseline bool
}

// SuiteEntry is the outcome for one dataset: results, or why it was
// skipped.
type SuiteEntry struct {
	Dataset    string  `json:"dataset"`
	Skipped    string  `json:"skipped,omitempty"`
	Result     *Result `json:"result,omitempty"`
	RandomInit *Result `json:"random_init,omitempty"`
}

// SuiteResult is the outcome of a suite: one entry per dataset and the mean
// test accuracy over the datasets probed.
type SuiteResult struct {
	Checkpoint        string       `json:"checkpoint"`
	Probe             Kind         `json:"probe"`
	Epochs            int          `json:"epochs"`
	TrainImages       int          `json:"train_images_limit"`
	Entries           []SuiteEntry `json:"datasets"`
	Probed            int          `json:"probed"`
	AverageTest       float64      `json:"average_test_accuracy"`
	RandomInitAverage *float64     `json:"random_init_average_test_accuracy,omitempty"`
}

// Suite probes the trunk on every dataset of o.Datasets with the same
// options. A dataset that is not installed (data.ErrNotInstalled) is
// skipped with the reason in its entry; any other failure stops the suite.
// It is an error when no dataset could be probed.
func Suite(ctx context.Context, t *Trunk, o SuiteOptions, p Progress) (*SuiteResult, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	var random *Trunk
	if o.Baseline {
		var err error
		if random, err = t.Randomized(o.Seed); err != nil {
			return nil, err
		}
	}
	names := o.Datasets
	if names == nil {
		names = SuiteDatasets()
	}
	s := &SuiteResult{Checkpoint: t.Checkpoint, Probe: o.Kind, Epochs: o.Epochs, TrainImages: o.TrainImages}
	for _, name := range names {
		e, err := suiteEntry(ctx, t, random, name, o, p)
		if err != nil {
			return nil, err
		}
		s.Entries = append(s.Entries, e)
	}
	s.average()
	if s.Probed == 0 {
		return s, errors.Errorf("no dataset of %s is installed", strings.Join(names, ", "))
	}
	return s, nil
}

// suiteEntry probes one dataset with the trunk and, if given, the random
// trunk.
func suiteEntry(ctx context.Context, t, random *Trunk, name string, o SuiteOptions, p Progress) (SuiteEntry, error) {
	e := SuiteEntry{Dataset: name}
	src, err := loadDataset(name, o.DataDir)
	if errors.Is(err, data.ErrNotInstalled) {
		e.Skipped = err.Error()
		p.Note(fmt.Sprintf("suite: skipping %s: %v", name, err))
		return e, nil
	}
	if err != nil {
		return e, err
	}
	// The training-image limit is a cap: small datasets keep all theirs.
	o.TrainImages = min(o.TrainImages, src.Train.N)
	if e.Result, _, err = Run(ctx, t, name, src, o.Options, p); err != nil {
		return e, err
	}
	p.Note(fmt.Sprintf("suite: %s test accuracy %.2f%%", name, 100*e.Result.TestAccuracy))
	if random != nil {
		if e.RandomInit, _, err = Run(ctx, random, name, src, o.Options, p); err != nil {
			return e, err
		}
		p.Note(fmt.Sprintf("suite: %s test accuracy %.2f%% with a random-init trunk", name, 100*e.RandomInit.TestAccuracy))
	}
	return e, nil
}

// Installed says whether Suite would find a dataset: in its default place,
// or in dataDir as SuiteOptions.DataDir is searched. A dataset that is
// there but fails to load counts as installed (Suite reports its error).
func Installed(name, dataDir string) bool {
	_, err := loadDataset(name, dataDir)
	return !errors.Is(err, data.ErrNotInstalled)
}

// loadDataset loads a dataset from its default place, else from
// dataDir/name, else from dataDir.
func loadDataset(name, dataDir string) (*data.Source, error) {
	src, err := data.Load(name, data.LoadOptions{})
	if dataDir == "" || !errors.Is(err, data.ErrNotInstalled) {
		return src, err
	}
	if fi, statErr := os.Stat(filepath.Join(dataDir, name)); statErr == nil && fi.IsDir() {
		if src, err2 := data.Load(name, data.LoadOptions{DataDir: filepath.Join(dataDir, name)}); !errors.Is(err2, data.ErrNotInstalled) {
			return src, err2
		}
	}
	if src, err2 := data.Load(name, data.LoadOptions{DataDir: dataDir}); !errors.Is(err2, data.ErrNotInstalled) {
		return src, err2
	}
	return nil, err
}

// average fills the probed count and the mean test accuracies.
func (s *SuiteResult) average() {
	var sum, randomSum float64
	var randomN int
	s.Probed = 0
	for _, e := range s.Entries {
		if e.Result != nil {
			sum += e.Result.TestAccuracy
			s.Probed++
		}
		if e.RandomInit != nil {
			randomSum += e.RandomInit.TestAccuracy
			randomN++
		}
	}
	if s.Probed > 0 {
		s.AverageTest = sum / float64(s.Probed)
	}
	if randomN > 0 {
		avg := randomSum / float64(randomN)
		s.RandomInitAverage = &avg
	}
}

// Markdown returns the suite as a Markdown table of test accuracies (in
// percent), with a random-init column when the suite has one, the average
// row, and a note per skipped dataset.
func (s *SuiteResult) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s probe suite\n\nCheckpoint: `%s`; %d epochs", s.Probe, s.Checkpoint, s.Epochs)
	if s.TrainImages > 0 {
		fmt.Fprintf(&b, "; at most %d training images per dataset", s.TrainImages)
	}
	b.WriteString(". Top-1 accuracy (%) on each dataset's test split.\n\n")
	random := s.RandomInitAverage != nil
	b.WriteString("| dataset | train images | test images | train acc. | test acc. |")
	if random {
		b.WriteString(" random-init test acc. |")
	}
	b.WriteString("\n|---|---:|---:|---:|---:|")
	if random {
		b.WriteString("---:|")
	}
	b.WriteString("\n")
	var skipped []SuiteEntry
	for _, e := range s.Entries {
		if e.Result == nil {
			skipped = append(skipped, e)
			continue
		}
		r := e.Result
		fmt.Fprintf(&b, "| %s | %d | %d | %.2f | %.2f |", e.Dataset, r.TrainImages, r.TestImages, 100*r.TrainAccuracy, 100*r.TestAccuracy)
		if random {
			fmt.Fprintf(&b, " %s |", percent(e.RandomInit))
		}
		b.WriteString("\n")
	}
	noun := "datasets"
	if s.Probed == 1 {
		noun = "dataset"
	}
	fmt.Fprintf(&b, "| **average** (%d %s) | | | | **%.2f** |", s.Probed, noun, 100*s.AverageTest)
	if random {
		fmt.Fprintf(&b, " **%.2f** |", 100**s.RandomInitAverage)
	}
	b.WriteString("\n")
	if len(skipped) > 0 {
		b.WriteString("\nSkipped (not installed):\n\n")
		for _, e := range skipped {
			fmt.Fprintf(&b, "- %s: %s\n", e.Dataset, strings.TrimPrefix(e.Skipped, e.Dataset+": "))
		}
	}
	return b.String()
}

func percent(r *Result) string {
	if r == nil {
		return "–"
	}
	return fmt.Sprintf("%.2f", 100*r.TestAccuracy)
}

// Write saves the suite to dir/suite.json and dir/suite.md.
func (s *SuiteResult) Write(dir string) error {
	if err := writeJSON(filepath.Join(dir, SuiteJSON), s); err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, SuiteMarkdown), []byte(s.Markdown()))
}
