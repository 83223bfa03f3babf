package scaling

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/masks"
	"github.com/aim-go/aim/objectives"
	"github.com/aim-go/aim/patches"
	"github.com/aim-go/aim/probe"
)

// Ladders a run can belong to.
const (
	ModelLadder      = "model"
	LongLadder       = "model-long" // models trained on a longer schedule
	DataLadder       = "data"
	NoAugDataLadder  = "data-noaug"
	Ablation         = "ablation"
	CheckpointLadder = "checkpoint"
)

// EqualCompute names the comparisons of a model on the longer schedule
// with a larger model on the model ladder's schedule whose run cost about
// the same pre-training compute (within EqualComputeRatio): the paper's
// Fig. 6 question asked of finished, fully annealed runs.
const EqualCompute = "equal-compute"

// Augmentation names the comparisons of the data ladder without
// augmentation with the data ladder with it, at each number of unique
// images both have: variant (not augmented) − baseline (augmented), seed by
// seed, same model and schedule.
const Augmentation = "augmentation"

// endsSuffix marks the comparison ladder of a ladder's last point against
// its first.
const endsSuffix = "-ends"

// LadderEnds names the comparisons of a ladder's last point against its
// first (the largest model against the smallest, the most unique images
// against the fewest): a trend whose neighbouring steps each sit inside the
// noise can still show over the whole ladder.
func LadderEnds(ladder string) string { return ladder + endsSuffix }

// EqualComputeRatio is the largest ratio of two runs' pre-training compute
// that still counts as about equal.
const EqualComputeRatio = 1.3

// Spec describes one pre-training run of a sweep, or, with AtStep, one of
// its kept checkpoints.
type Spec struct {
	Ladder      string          `json:"ladder"`
	Label       string          `json:"label"` // "small", "6k images", "spiral order", "step 600"
	Preset      string          `json:"preset"`
	Model       graph.Config    `json:"model"`
	Objective   graph.Objective `json:"objective"`
	Mask        string          `json:"mask"`
	TrainImages int             `json:"train_images"` // unique images; 0: all
	Steps       int             `json:"steps"`
	Batch       int             `json:"batch"`
	Seed        uint64          `json:"seed"`
	NoAugment   bool            `json:"no_augment,omitempty"` // train without the paper's augmentation
	// Precision is how the run's matrix products compute, in pre-training
	// and probes.
	Precision blas.Precision `json:"precision,omitempty"`
	// KeepCheckpoints keeps the weights of every evaluation
	// (train.Options.KeepCheckpoints); AtStep, when not 0, is the step
	// whose kept weights this spec probes.
	KeepCheckpoints bool `json:"keep_checkpoints,omitempty"`
	AtStep          int  `json:"at_step,omitempty"`
}

// Key names the run's directory. It holds everything that changes the
// training, so specs that train the same model share a key (and a run).
// A run that keeps its checkpoints has a key of its own, so that a run
// trained without them is never taken for it.
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
	if s.Precision != blas.PrecisionF32 {
		key += "-" + s.Precision.String()
	}
	if s.KeepCheckpoints {
		key += "-kept"
	}
	return key
}

// Mode is the size of a sweep.
type Mode struct {
	Name         string
	Steps, Batch int
	ModelPresets []string // the model ladder, smallest first
	// ModelParts split the model ladder into parts of the study (see
	// Parts); nil: one part, "models".
	ModelParts    []ModelPart
	DataPreset    string // the data ladder's (and the ablations') model
	DataSizes     []int  // unique images of the data ladder; 0: all
	NoAugSizes    []int  // unique images of the data ladder without augmentation
	Suite         probe.Options
	ValImages     int
	SuiteDatasets []string // nil: probe.SuiteDatasets
	NoAugment     bool     // pre-train the data ladder (Data) without augmentation
	// Headline is the downstream dataset whose accuracy heads the tables
	// and figures beside the suite average.
	Headline string
	// CheckpointPreset is the model of the checkpoint part, probed at
	// CheckpointSteps (evaluation steps; nil: CheckpointFractions of Steps).
	CheckpointPreset string
	CheckpointSteps  []int
	// Precision is each preset's precision (absent: float32).
	Precision map[string]blas.Precision
}

// ModelPart is a part of the study that trains some models on all
// images: some of the model ladder (Ladder ModelLadder), or models on a
// longer schedule (LongLadder, Steps steps; 0: the mode's).
type ModelPart struct {
	Name    string
	Ladder  string
	Presets []string
	Steps   int
}

// Sweep names what to run: one of the parts of the study, or one of the
// older combinations of them.
type Sweep string

// The parts of the study: each trains some runs and adds them to the
// results directory. The model ladder may be split further (Mode.ModelParts).
const (
	Models             Sweep = "models"              // the model ladder
	Data               Sweep = "data"                // the data ladder (without augmentation when Mode.NoAugment)
	DataNoAug          Sweep = "data-noaug"          // the data ladder without augmentation
	AblationsOrder     Sweep = "ablations-order"     // the baseline and the other patch orders
	AblationsObjective Sweep = "ablations-objective" // the baseline, causal pre-training, raw targets
	AblationsHead      Sweep = "ablations-head"      // the baseline and other prediction-head depths
	Checkpoints        Sweep = "checkpoints"         // one model probed at several steps
)

// Combinations of parts.
const (
	Ladders   Sweep = "ladders"   // the model ladder, then the data ladder
	Ablations Sweep = "ablations" // both halves of the ablations
	All       Sweep = "all"       // ladders and ablations
)

// CheckpointFractions are the fractions of a run's steps at which the
// checkpoint part probes its model, when Mode.CheckpointSteps is nil.
var CheckpointFractions = []float64{0.1, 0.2, 0.4, 0.7, 1}

// Parts lists the names of the parts of the study in this mode, in the
// order they are best run (later parts reuse runs of earlier ones).
func (m Mode) Parts() []Sweep {
	var out []Sweep
	for _, p := range m.modelParts() {
		out = append(out, Sweep(p.Name))
	}
	return append(out, Data, DataNoAug, AblationsOrder, AblationsObjective, AblationsHead, Checkpoints)
}

func (m Mode) modelParts() []ModelPart {
	if m.ModelParts == nil {
		return []ModelPart{{Name: string(Models), Ladder: ModelLadder, Presets: m.ModelPresets}}
	}
	return m.ModelParts
}

// QuickMode runs in about ten minutes on two cores: 300 steps per run and
// probes on at most 2000 training and 2000 test images per dataset.
func QuickMode() Mode {
	o := probe.DefaultOptions(probe.Attentive)
	o.TrainImages, o.TestImages, o.MinSteps = 2000, 2000, 200
	return Mode{
		Name: "quick", Steps: 300, Batch: 64,
		ModelPresets: []string{"micro", "tiny", "small"},
		DataPreset:   "tiny", DataSizes: []int{1000, 6000, 0}, NoAugSizes: []int{100, 1000, 0},
		Suite: o, ValImages: 1000, Headline: "fashion-mnist",
		CheckpointPreset: "tiny",
	}
}

// FullMode is the study: 3000 steps per run and probes on up to 10000
// training images and the whole test split of each dataset.
func FullMode() Mode {
	o := probe.DefaultOptions(probe.Attentive)
	o.TrainImages = 10000
	return Mode{
		Name: "full", Steps: 3000, Batch: 64,
		ModelPresets: []string{"micro", "tiny", "small", "bench", "base"},
		ModelParts: []ModelPart{
			{Name: string(Models), Ladder: ModelLadder, Presets: []string{"micro", "tiny", "small", "bench"}},
			{Name: "models-base", Ladder: ModelLadder, Presets: []string{"base"}},
			{Name: "long-small", Ladder: LongLadder, Presets: []string{"small"}, Steps: 6000},
			{Name: "long-bench", Ladder: LongLadder, Presets: []string{"bench"}, Steps: 6000},
		},
		DataPreset: "small", DataSizes: []int{1000, 6000, 0}, NoAugSizes: []int{100, 1000, 6000, 0},
		Suite: o, ValImages: 1000, Headline: "fashion-mnist",
		CheckpointPreset: "small",
	}
}

// Seeds returns n seeds from first: first, first+1, …
func Seeds(first uint64, n int) []uint64 {
	out := make([]uint64, max(n, 1))
	for i := range out {
		out[i] = first + uint64(i)
	}
	return out
}

// Plan lists the runs of a sweep for every seed, seed by seed: the first
// seed's runs, then the second's, so that an interrupted sweep has whole
// seeds. Runs may share keys (see Spec.Key).
func (m Mode) Plan(sweep Sweep, seeds []uint64) ([]Spec, error) {
	if len(seeds) == 0 {
		return nil, errors.New("no seeds")
	}
	var specs []Spec
	for _, seed := range seeds {
		s, err := m.planSeed(sweep, seed)
		if err != nil {
			return nil, err
		}
		specs = append(specs, s...)
	}
	return specs, nil
}

// planSeed lists the runs of a sweep for one seed.
func (m Mode) planSeed(sweep Sweep, seed uint64) ([]Spec, error) {
	for _, p := range m.modelParts() {
		if string(sweep) == p.Name {
			return m.modelLadder(p, seed)
		}
	}
	switch sweep {
	case Data:
		return m.dataLadder(DataLadder, m.DataSizes, m.NoAugment, seed)
	case DataNoAug:
		return m.dataLadder(NoAugDataLadder, m.NoAugSizes, true, seed)
	case AblationsOrder, AblationsObjective, AblationsHead, Ablations:
		return m.ablations(sweep, seed)
	case Checkpoints:
		return m.checkpoints(seed)
	case Ladders, All:
		specs, err := m.modelLadder(ModelPart{Ladder: ModelLadder, Presets: m.ModelPresets}, seed)
		if err != nil {
			return nil, err
		}
		data, err := m.dataLadder(DataLadder, m.DataSizes, m.NoAugment, seed)
		if err != nil || sweep == Ladders {
			return append(specs, data...), err
		}
		abl, err := m.ablations(Ablations, seed)
		return append(append(specs, data...), abl...), err
	}
	var names []string
	for _, p := range m.Parts() {
		names = append(names, string(p))
	}
	return nil, errors.Errorf("unknown sweep %q: expected a part (%s) or ladders, ablations or all", sweep, strings.Join(names, ", "))
}

// modelLadder is each preset of a model part trained on all images; on a
// longer schedule, a point is labelled with its steps.
func (m Mode) modelLadder(part ModelPart, seed uint64) ([]Spec, error) {
	var specs []Spec
	for _, p := range part.Presets {
		s, err := m.spec(part.Ladder, p, p, seed)
		if err != nil {
			return nil, err
		}
		if part.Steps > 0 {
			s.Steps = part.Steps
		}
		if part.Ladder == LongLadder {
			s.Label = longLabel(p, s.Steps)
		}
		specs = append(specs, s)
	}
	return specs, nil
}

// longLabel names a model trained for some steps: "bench, 6000 steps".
func longLabel(preset string, steps int) string {
	return fmt.Sprintf("%s, %d steps", preset, steps)
}

// dataLadder is the data ladder's model trained on each number of images.
func (m Mode) dataLadder(ladder string, sizes []int, noAugment bool, seed uint64) ([]Spec, error) {
	var specs []Spec
	for _, n := range sizes {
		s, err := m.spec(ladder, imagesLabel(n), m.DataPreset, seed)
		if err != nil {
			return nil, err
		}
		s.TrainImages, s.NoAugment = n, noAugment
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
		Mask:      masks.PrefixCausal.String(), Steps: m.Steps, Batch: m.Batch, Seed: seed,
		Precision: m.Precision[preset],
	}, nil
}

// checkpoints is the checkpoint part's model, trained on all images with
// its checkpoints kept, and probed at each of the chosen steps.
func (m Mode) checkpoints(seed uint64) ([]Spec, error) {
	steps, err := m.checkpointSteps()
	if err != nil {
		return nil, err
	}
	var specs []Spec
	for _, step := range steps {
		s, err := m.spec(CheckpointLadder, fmt.Sprintf("step %d", step), m.CheckpointPreset, seed)
		if err != nil {
			return nil, err
		}
		s.KeepCheckpoints, s.AtStep = true, step
		specs = append(specs, s)
	}
	return specs, nil
}

// checkpointSteps are the steps the checkpoint part probes: evaluation
// steps (every tenth of the run), or the last step.
func (m Mode) checkpointSteps() ([]int, error) {
	every := max(1, m.Steps/10)
	steps := m.CheckpointSteps
	if steps == nil {
		for _, f := range CheckpointFractions {
			s := int(math.Round(f*float64(m.Steps)/float64(every))) * every
			if f == 1 || s > m.Steps {
				s = m.Steps
			}
			if s > 0 && !slices.Contains(steps, s) {
				steps = append(steps, s)
			}
		}
	}
	for _, s := range steps {
		if s < 1 || s > m.Steps || (s%every != 0 && s != m.Steps) {
			return nil, errors.Errorf("checkpoint step %d: expected an evaluation step, a multiple of %d up to %d, or %d", s, every, m.Steps, m.Steps)
		}
	}
	return steps, nil
}

// ablations varies one thing at a time from the data ladder's model
// trained on all images: the baseline, three other patch orders (part
// AblationsOrder), causal instead of prefix attention and raw instead of
// normalised pixel targets (AblationsObjective), and no, a half-depth and
// a double-depth prediction head (AblationsHead). Each part has the
// baseline, so each pairs its variants with it.
func (m Mode) ablations(part Sweep, seed uint64) ([]Spec, error) {
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
	if part == Ablations || part == AblationsOrder {
		for _, o := range []patches.Order{patches.Spiral, patches.Checkerboard, patches.Random} {
			add(string(o)+" order", func(s *Spec) { s.Objective.Order = o })
		}
	}
	if part == Ablations || part == AblationsObjective {
		add("causal pre-training", func(s *Spec) { s.Mask = masks.Causal.String() })
		add("raw pixel targets", func(s *Spec) { s.Objective.Target = objectives.Raw })
	}
	if part == Ablations || part == AblationsHead {
		for _, d := range headDepths(depth) {
			add(fmt.Sprintf("head depth %d", d), func(s *Spec) { s.Model.HeadDepth = d })
		}
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
	if base, ok := strings.CutSuffix(ladder, endsSuffix); ok {
		return title(base) + ", its ends"
	}
	return map[string]string{ModelLadder: "model ladder", LongLadder: "longer schedule", DataLadder: "data ladder", NoAugDataLadder: "data ladder without augmentation",
		Ablation: "ablation", CheckpointLadder: "checkpoints", EqualCompute: "equal compute", Augmentation: "augmentation"}[ladder]
}
