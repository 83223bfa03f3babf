package scaling

import (
	"fmt"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/masks"
	"github.com/aim-go/aim/objectives"
	"github.com/aim-go/aim/patches"
	"github.com/aim-go/aim/probe"
)

// Ladders a run can belong to.
const (
	ModelLadder = "model"
	DataLadder  = "data"
	Ablation    = "ablation"
)

// Spec describes one pre-training run of a sweep.
type Spec struct {
	Ladder      string          `json:"ladder"`
	Label       string          `json:"label"` // "small", "6k images", "spiral order"
	Preset      string          `json:"preset"`
	Model       graph.Config    `json:"model"`
	Objective   graph.Objective `json:"objective"`
	Mask        string          `json:"mask"`
	TrainImages int             `json:"train_images"` // unique images; 0: all
	Steps       int             `json:"steps"`
	Batch       int             `json:"batch"`
	Seed        uint64          `json:"seed"`
	NoAugment   bool            `json:"no_augment,omitempty"` // train without the paper's augmentation
}

// Key names the run's directory. It holds everything that changes the
// training, so specs that train the same model share a key (and a run).
func (s Spec) Key() string {
	m := s.Model
	key := fmt.Sprintf("%s-h%d-n%d-s%d-b%d-seed%d", s.Preset, m.HeadDepth, s.TrainImages, s.Steps, s.Batch, s.Seed)
	if s.Objective.Order != "" && s.Objective.Order != patches.Raster {
		key += "-" + string(s.Objective.Order)
	}
	if s.Objective.Target == objectives.Raw {
		key += "-raw"
	}
	if s.Mask != "" && s.Mask != masks.PrefixCausal.String() {
		key += "-" + s.Mask
	}
	if s.NoAugment {
		key += "-noaug"
	}
	return key
}

// Mode is the size of a sweep.
type Mode struct {
	Name          string
	Steps, Batch  int
	ModelPresets  []string // the model ladder, smallest first
	DataPreset    string   // the data ladder's (and the ablations') model
	DataSizes     []int    // unique images of the data ladder; 0: all
	Suite         probe.Options
	ValImages     int
	SuiteDatasets []string // nil: probe.SuiteDatasets
	NoAugment     bool     // pre-train without augmentation
}

// Sweep names what to run.
type Sweep string

// The sweeps of Plan.
const (
	Ladders   Sweep = "ladders"   // the model ladder, then the data ladder
	Data      Sweep = "data"      // the data ladder only
	Ablations Sweep = "ablations" // the ablations only
	All       Sweep = "all"       // ladders and ablations
)

// QuickMode runs in about ten minutes on two cores: 300 steps per run and
// probes on at most 2000 training and 2000 test images per dataset.
func QuickMode() Mode {
	o := probe.DefaultOptions(probe.Attentive)
	o.TrainImages, o.TestImages, o.MinSteps = 2000, 2000, 200
	return Mode{
		Name: "quick", Steps: 300, Batch: 64,
		ModelPresets: []string{"micro", "tiny", "small", "bench"},
		DataPreset:   "tiny", DataSizes: []int{1000, 6000, 0},
		Suite: o, ValImages: 1000,
	}
}

// FullMode is the default sweep, about two hours on two cores: 3000 steps
// per run and probes on up to 10000 training images and the whole test
// split of each dataset.
func FullMode() Mode {
	o := probe.DefaultOptions(probe.Attentive)
	o.TrainImages = 10000
	return Mode{
		Name: "full", Steps: 3000, Batch: 64,
		ModelPresets: []string{"micro", "tiny", "small", "bench"},
		DataPreset:   "small", DataSizes: []int{1000, 6000, 0},
		Suite: o, ValImages: 1000,
	}
}

// Plan lists the runs of a sweep. Runs may share keys (see Spec.Key).
func (m Mode) Plan(sweep Sweep, seed uint64) ([]Spec, error) {
	var specs []Spec
	switch sweep {
	case Data:
		return m.dataLadder(seed)
	case Ladders, All:
		for _, p := range m.ModelPresets {
			s, err := m.spec(ModelLadder, p, p, seed)
			if err != nil {
				return nil, err
			}
			specs = append(specs, s)
		}
		data, err := m.dataLadder(seed)
		if err != nil {
			return nil, err
		}
		specs = append(specs, data...)
		if sweep == Ladders {
			return specs, nil
		}
		fallthrough
	case Ablations:
		abl, err := m.ablations(seed)
		return append(specs, abl...), err
	}
	return nil, errors.Errorf("unknown sweep %q: expected ladders, data, ablations or all", sweep)
}

// dataLadder is the data ladder's model trained on each number of images.
func (m Mode) dataLadder(seed uint64) ([]Spec, error) {
	var specs []Spec
	for _, n := range m.DataSizes {
		s, err := m.spec(DataLadder, imagesLabel(n), m.DataPreset, seed)
		if err != nil {
			return nil, err
		}
		s.TrainImages = n
		specs = append(specs, s)
	}
	return specs, nil
}

func (m Mode) spec(ladder, label, preset string, seed uint64) (Spec, error) {
	cfg, err := graph.Preset(preset)
	if err != nil {
		return Spec{}, err
	}
	return Spec{
		Ladder: ladder, Label: label, Preset: preset, Model: cfg,
		Objective: graph.Objective{Order: patches.Raster, OrderSeed: seed, Target: objectives.Normalized},
		Mask:      masks.PrefixCausal.String(), Steps: m.Steps, Batch: m.Batch, Seed: seed, NoAugment: m.NoAugment,
	}, nil
}

// ablations varies one thing at a time from the data ladder's model
// trained on all images: the baseline, three other patch orders, causal
// instead of prefix attention, raw instead of normalised pixel targets, and
// no, a half-depth and a double-depth prediction head.
func (m Mode) ablations(seed uint64) ([]Spec, error) {
	base, err := m.spec(Ablation, "baseline (raster, prefix, normalised, head depth %d)", m.DataPreset, seed)
	if err != nil {
		return nil, err
	}
	depth := base.Model.HeadDepth
	base.Label = fmt.Sprintf(base.Label, depth)
	out := []Spec{base}
	add := func(label string, change func(*Spec)) {
		s := base
		s.Label = label
		change(&s)
		out = append(out, s)
	}
	for _, o := range []patches.Order{patches.Spiral, patches.Checkerboard, patches.Random} {
		add(string(o)+" order", func(s *Spec) { s.Objective.Order = o })
	}
	add("causal pre-training", func(s *Spec) { s.Mask = masks.Causal.String() })
	add("raw pixel targets", func(s *Spec) { s.Objective.Target = objectives.Raw })
	for _, d := range headDepths(depth) {
		add(fmt.Sprintf("head depth %d", d), func(s *Spec) { s.Model.HeadDepth = d })
	}
	return out, nil
}

// headDepths are the ablation's head depths other than the baseline's.
func headDepths(base int) []int {
	out := []int{0}
	if base/2 > 0 && base/2 != base {
		out = append(out, base/2)
	}
	return append(out, 2*base)
}

// imagesLabel writes an image count as "1k images"; 0 is "all images".
func imagesLabel(n int) string {
	switch {
	case n == 0:
		return "all images"
	case n%1000 == 0:
		return fmt.Sprintf("%dk images", n/1000)
	}
	return fmt.Sprintf("%d images", n)
}

// title is a short human name of a ladder.
func title(ladder string) string {
	return map[string]string{ModelLadder: "model ladder", DataLadder: "data ladder", Ablation: "ablation"}[ladder]
}
