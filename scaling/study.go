package scaling

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aim-go/aim/scaling/stats"
	"github.com/aim-go/aim/train"
)

// Point is one point of a ladder (a model, a number of images, an
// ablation, a checkpoint step) over its seeds: the Spec of its first seed,
// and the mean, standard deviation and 95% t interval of each figure.
// Every seed's figures are in Results.Runs.
type Point struct {
	Spec
	TrunkParams  int                      `json:"trunk_params"`
	UniqueImages int                      `json:"unique_images"`
	FLOPs        float64                  `json:"pretrain_flops"`
	Seeds        []uint64                 `json:"seeds"`
	FinalValLoss stats.Summary            `json:"final_val_loss"`
	BestValLoss  stats.Summary            `json:"best_val_loss"`
	SuiteAverage stats.Summary            `json:"suite_average"` // fraction
	Accuracy     map[string]stats.Summary `json:"accuracy"`      // fraction, per dataset
	Curve        []CurveStep              `json:"curve"`
}

// CurveStep is a point's losses at one evaluation, over the seeds that
// reached it.
type CurveStep struct {
	Step      int           `json:"step"`
	FLOPs     float64       `json:"pretrain_flops"`
	ValLoss   stats.Summary `json:"val_loss"`
	TrainLoss float64       `json:"train_loss"` // mean over the seeds
}

// Comparison is a paired difference, variant − baseline seed by seed, of
// one metric.
type Comparison struct {
	Ladder   string   `json:"ladder"`
	Baseline string   `json:"baseline"`
	Variant  string   `json:"variant"`
	Metric   string   `json:"metric"`
	Seeds    []uint64 `json:"seeds"`
	stats.Paired
}

// Correlation is a Spearman rank correlation across the points of a
// ladder, with a bootstrap interval over seeds.
type Correlation struct {
	Ladder string `json:"ladder"`
	X      string `json:"x"` // metric names
	Y      string `json:"y"`
	stats.Correlation
}

// ComputeFit is the power law L(C) = a·C^(−b) + e of one model's
// validation loss against its pre-training compute, over the evaluations
// from MinCompute to MaxCompute; Error says why a model has none.
type ComputeFit struct {
	Label      string  `json:"label"`
	MinCompute float64 `json:"min_compute"`
	MaxCompute float64 `json:"max_compute"`
	stats.PowerLawFit
	Error string `json:"error,omitempty"`
}

// Frontier is the compute-optimal frontier of the fitted power laws over
// the compute the model ladder spans: at each compute, the model with the
// lowest fitted loss among those whose own run spans that compute (a fit
// is not extrapolated past its run). Best is the best model at
// MinCompute, and Switches where the best model changes (none: one model
// is best throughout).
type Frontier struct {
	MinCompute float64          `json:"min_compute"`
	MaxCompute float64          `json:"max_compute"`
	Best       string           `json:"best"`
	Switches   []FrontierSwitch `json:"switches"`
}

// FrontierSwitch is a change of the best model: where two fitted curves
// cross (Reason "curves cross"), where the best model's run ends ("run
// ends"), or where a larger model's run begins below the others ("run
// begins lower").
type FrontierSwitch struct {
	stats.Switch
	Reason string `json:"reason"`
}

// The reasons of a FrontierSwitch.
const (
	SwitchCross = "curves cross"
	SwitchEnd   = "run ends"
	SwitchBegin = "run begins lower"
)

// The metrics of comparisons and correlations.
const (
	MetricValLoss = "final_val_loss"
	MetricSuite   = "suite_average"
	accuracyOf    = "accuracy:" // + dataset
)

// Bootstrap resamples of the correlations and power-law fits, and the seed
// of their generators.
const (
	CorrelationResamples = 2000
	FitResamples         = 200
	bootstrapSeed        = 1
)

// ladderOrder is the order of the ladders in points and tables.
var ladderOrder = []string{ModelLadder, LongLadder, DataLadder, NoAugDataLadder, Ablation, CheckpointLadder}

// Summarize computes Points, Comparisons, Correlations, ComputeFits,
// Frontier and Spearman from Runs.
func (r *Results) Summarize() {
	r.Points = r.points()
	r.Comparisons = r.comparisons()
	r.Correlations = r.correlations()
	r.ComputeFits, r.Frontier = r.computeFits()
	r.Spearman = nil
	var loss, acc []float64
	for _, p := range r.LadderPoints(ModelLadder) {
		loss, acc = append(loss, p.FinalValLoss.Mean), append(acc, p.SuiteAverage.Mean)
	}
	if rho, err := stats.Spearman(loss, acc); err == nil {
		r.Spearman = &rho
	}
}

// LadderPoints returns the points of one ladder, in ladder order.
func (r *Results) LadderPoints(ladder string) []Point {
	var out []Point
	for _, p := range r.Points {
		if p.Ladder == ladder {
			out = append(out, p)
		}
	}
	return out
}

// runsOf returns the runs of one point, by seed.
func (r *Results) runsOf(ladder, label string) []RunResult {
	var out []RunResult
	for _, run := range r.Runs {
		if run.Ladder == ladder && run.Label == label {
			out = append(out, run)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Seed < out[j].Seed })
	return out
}

// points groups the runs by ladder and label.
func (r *Results) points() []Point {
	type id struct{ ladder, label string }
	var ids []id
	seen := map[id]bool{}
	for _, run := range r.Runs {
		k := id{run.Ladder, run.Label}
		if !seen[k] {
			seen[k] = true
			ids = append(ids, k)
		}
	}
	var out []Point
	for _, k := range ids {
		out = append(out, newPoint(r.runsOf(k.ladder, k.label)))
	}
	sort.SliceStable(out, func(i, j int) bool { return pointBefore(out[i], out[j]) })
	return out
}

// pointBefore orders points by ladder, then models by size, data points by
// unique images, checkpoints by step, and ablations baseline first.
func pointBefore(a, b Point) bool {
	la, lb := ladderRank(a.Ladder), ladderRank(b.Ladder)
	if la != lb {
		return la < lb
	}
	switch a.Ladder {
	case ModelLadder, LongLadder:
		return a.TrunkParams < b.TrunkParams
	case DataLadder, NoAugDataLadder:
		return a.UniqueImages < b.UniqueImages
	case CheckpointLadder:
		return a.AtStep < b.AtStep
	case Ablation:
		return isBaseline(a) && !isBaseline(b)
	}
	return false
}

func ladderRank(ladder string) int {
	if i := slices.Index(ladderOrder, ladder); i >= 0 {
		return i
	}
	return len(ladderOrder)
}

func isBaseline(p Point) bool { return strings.HasPrefix(p.Label, "baseline") }

// newPoint summarises the runs of one point (at least one, sorted by seed).
func newPoint(runs []RunResult) Point {
	first := runs[0]
	p := Point{Spec: first.Spec, TrunkParams: first.TrunkParams, UniqueImages: first.UniqueImages, FLOPs: first.FLOPs,
		Accuracy: map[string]stats.Summary{}}
	var loss, best, suite []float64
	acc := map[string][]float64{}
	for _, run := range runs {
		p.Seeds = append(p.Seeds, run.Seed)
		loss, best = append(loss, run.FinalValLoss), append(best, run.BestValLoss)
		if len(run.Accuracy) > 0 {
			suite = append(suite, run.SuiteAverage)
		}
		for d, a := range run.Accuracy {
			acc[d] = append(acc[d], a)
		}
	}
	p.FinalValLoss, p.BestValLoss, p.SuiteAverage = stats.Summarize(loss), stats.Summarize(best), stats.Summarize(suite)
	for d, v := range acc {
		p.Accuracy[d] = stats.Summarize(v)
	}
	p.Curve = curveSteps(runs)
	return p
}

// curveSteps summarises the loss curves of a point's runs at every
// evaluation step that all of them reached.
func curveSteps(runs []RunResult) []CurveStep {
	byStep := map[int][]train.Metrics{}
	for _, run := range runs {
		for _, m := range run.Curve {
			byStep[m.Step] = append(byStep[m.Step], m)
		}
	}
	var steps []int
	for step, ms := range byStep {
		if len(ms) == len(runs) {
			steps = append(steps, step)
		}
	}
	sort.Ints(steps)
	perImage, _ := runs[0].Model.FLOPs()
	var out []CurveStep
	for _, step := range steps {
		var val, tr []float64
		for _, m := range byStep[step] {
			val, tr = append(val, m.ValLoss), append(tr, m.TrainLoss)
		}
		out = append(out, CurveStep{Step: step, FLOPs: perImage * float64(step*runs[0].Batch),
			ValLoss: stats.Summarize(val), TrainLoss: mean(tr)})
	}
	return out
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(max(len(v), 1))
}

// metricValue is a run's value of a metric, and whether it has one.
func metricValue(run RunResult, metric string) (float64, bool) {
	switch metric {
	case MetricValLoss:
		return run.FinalValLoss, true
	case MetricSuite:
		return run.SuiteAverage, len(run.Accuracy) > 0
	}
	a, ok := run.Accuracy[strings.TrimPrefix(metric, accuracyOf)]
	return a, ok && strings.HasPrefix(metric, accuracyOf)
}

// downstreamMetrics are the suite average and the headline accuracy.
func (r *Results) downstreamMetrics() []string {
	out := []string{MetricSuite}
	if r.Headline != "" && r.hasDataset(r.Headline) {
		out = append(out, accuracyOf+r.Headline)
	}
	return out
}

// endsLadders are the ladders whose last point is also compared with
// their first.
var endsLadders = []string{ModelLadder, DataLadder, NoAugDataLadder}

// comparisons pairs each ablation with its baseline, each ladder step
// with the one before it, the last point of a ladder of three or more with
// its first, each point of the data ladder without augmentation with its
// augmented counterpart, each model on the longer schedule with the same
// model on the model ladder's, and with larger models of about the same
// compute.
func (r *Results) comparisons() []Comparison {
	var out []Comparison
	all := append([]string{MetricValLoss}, r.downstreamMetrics()...)
	for _, ladder := range []string{ModelLadder, LongLadder, DataLadder, NoAugDataLadder} {
		pts := r.LadderPoints(ladder)
		for i := 1; i < len(pts); i++ {
			out = append(out, r.compare(ladder, pts[i-1], pts[i], all)...)
		}
	}
	for _, ladder := range endsLadders {
		if pts := r.LadderPoints(ladder); len(pts) >= 3 {
			out = append(out, r.compare(LadderEnds(ladder), pts[0], pts[len(pts)-1], all)...)
		}
	}
	out = append(out, r.crossComparisons(LongLadder, ModelLadder, LongLadder, func(short, long Point) bool {
		return short.Preset == long.Preset
	}, all)...)
	out = append(out, r.augmentationComparisons(all)...)
	out = append(out, r.equalComputeComparisons(all)...)
	abl := r.LadderPoints(Ablation)
	if len(abl) > 0 && isBaseline(abl[0]) {
		base := abl[0]
		for _, v := range abl[1:] {
			metrics := r.downstreamMetrics()
			if sameTask(base.Spec, v.Spec) {
				metrics = append([]string{MetricValLoss}, metrics...)
			}
			out = append(out, r.compare(Ablation, base, v, metrics)...)
		}
	}
	return out
}

// equalComputeComparisons pairs each model on the longer schedule with
// every larger model of the model ladder whose run cost about as much
// compute: variant (the larger model, shorter schedule) − baseline (the
// smaller model, longer schedule), seed by seed.
func (r *Results) equalComputeComparisons(metrics []string) []Comparison {
	return r.crossComparisons(EqualCompute, LongLadder, ModelLadder, func(long, big Point) bool {
		return big.TrunkParams > long.TrunkParams && aboutEqual(big.FLOPs, long.FLOPs, EqualComputeRatio)
	}, metrics)
}

// augmentationComparisons pairs each point of the data ladder without
// augmentation with the point of the data ladder with it that has as many
// unique images, the same model and the same schedule.
func (r *Results) augmentationComparisons(metrics []string) []Comparison {
	out := r.crossComparisons(Augmentation, DataLadder, NoAugDataLadder, func(on, off Point) bool {
		return on.UniqueImages == off.UniqueImages && on.Preset == off.Preset && on.Steps == off.Steps && on.Batch == off.Batch
	}, metrics)
	for i := range out {
		out[i].Baseline += ", augmented"
		out[i].Variant += ", not augmented"
	}
	return out
}

// crossComparisons compares, as ladder, every point of variantLadder with
// every point of baseLadder that match accepts, seed by seed (variant −
// base), in the base ladder's order.
func (r *Results) crossComparisons(ladder, baseLadder, variantLadder string, match func(base, variant Point) bool, metrics []string) []Comparison {
	var out []Comparison
	for _, base := range r.LadderPoints(baseLadder) {
		for _, variant := range r.LadderPoints(variantLadder) {
			if match(base, variant) {
				out = append(out, r.compare(ladder, base, variant, metrics)...)
			}
		}
	}
	return out
}

// aboutEqual reports whether two positive amounts are within a ratio of
// each other.
func aboutEqual(a, b, ratio float64) bool {
	return a > 0 && b > 0 && max(a, b) <= ratio*min(a, b)
}

// sameTask reports whether two runs' validation losses measure the same
// task: other patch orders or pixel targets predict other things.
func sameTask(a, b Spec) bool {
	return a.Objective.Order == b.Objective.Order && a.Objective.Target == b.Objective.Target
}

// compare pairs two points' runs by seed on each metric; seeds only one of
// them has are left out, and a metric no common seed has is skipped.
func (r *Results) compare(ladder string, base, variant Point, metrics []string) []Comparison {
	bRuns, vRuns := r.runsOf(base.Ladder, base.Label), r.runsOf(variant.Ladder, variant.Label)
	var out []Comparison
	for _, metric := range metrics {
		c := Comparison{Ladder: ladder, Baseline: base.Label, Variant: variant.Label, Metric: metric}
		var b, v []float64
		for _, br := range bRuns {
			for _, vr := range vRuns {
				if br.Seed != vr.Seed {
					continue
				}
				x, ok1 := metricValue(br, metric)
				y, ok2 := metricValue(vr, metric)
				if ok1 && ok2 {
					b, v, c.Seeds = append(b, x), append(v, y), append(c.Seeds, br.Seed)
				}
			}
		}
		d, err := stats.PairedDifference(b, v)
		if err != nil {
			continue
		}
		c.Paired = d
		out = append(out, c)
	}
	return out
}

// correlations are the Spearman correlations, with bootstrap intervals
// over seeds, of final validation loss with the suite average and the
// headline accuracy across the model ladder and across the checkpoints.
func (r *Results) correlations() []Correlation {
	var out []Correlation
	for _, ladder := range []string{ModelLadder, CheckpointLadder} {
		pts := r.LadderPoints(ladder)
		if len(pts) < 3 {
			continue
		}
		for _, metric := range r.downstreamMetrics() {
			x, y := r.seedValues(pts, MetricValLoss, metric)
			c, err := stats.SpearmanBootstrap(x, y, CorrelationResamples, bootstrapSeed)
			if err != nil {
				continue
			}
			out = append(out, Correlation{Ladder: ladder, X: MetricValLoss, Y: metric, Correlation: c})
		}
	}
	return out
}

// seedValues returns, for each point, the values of two metrics over the
// seeds that have both.
func (r *Results) seedValues(pts []Point, mx, my string) (x, y [][]float64) {
	for _, p := range pts {
		var px, py []float64
		for _, run := range r.runsOf(p.Ladder, p.Label) {
			a, ok1 := metricValue(run, mx)
			b, ok2 := metricValue(run, my)
			if ok1 && ok2 {
				px, py = append(px, a), append(py, b)
			}
		}
		x, y = append(x, px), append(y, py)
	}
	return x, y
}

// computeFits fits each model's validation loss against compute, and
// finds where the best fitted model changes over the compute the ladder
// spans.
func (r *Results) computeFits() ([]ComputeFit, *Frontier) {
	var fits []ComputeFit
	for _, p := range r.LadderPoints(ModelLadder) {
		compute, bySeed := r.seedCurves(p)
		if len(compute) == 0 {
			continue
		}
		f := ComputeFit{Label: p.Label, MinCompute: compute[0], MaxCompute: compute[len(compute)-1]}
		fit, err := stats.FitPowerLawSeeds(compute, bySeed, FitResamples, bootstrapSeed)
		if err != nil {
			f.Error = err.Error()
		}
		f.PowerLawFit = fit
		fits = append(fits, f)
	}
	return fits, frontier(fits)
}

// frontier follows the best fitted model along the compute the fits span,
// segment by segment between the ends of their runs, each model competing
// only where its own run went; nil with fewer than two fits.
func frontier(fits []ComputeFit) *Frontier {
	var ok []ComputeFit
	var ends []float64
	end := map[string]float64{}
	for _, f := range fits {
		if f.Error == "" {
			ok = append(ok, f)
			ends = append(ends, f.MinCompute, f.MaxCompute)
			end[f.Label] = f.MaxCompute
		}
	}
	if len(ok) < 2 {
		return nil
	}
	slices.Sort(ends)
	ends = slices.Compact(ends)
	fr := &Frontier{MinCompute: ends[0], MaxCompute: ends[len(ends)-1]}
	prev := ""
	for i := 0; i+1 < len(ends); i++ {
		lo, hi := ends[i], ends[i+1]
		laws := map[string]stats.PowerLaw{}
		for _, f := range ok {
			if f.MinCompute <= lo && f.MaxCompute >= hi {
				laws[f.Label] = f.Fit
			}
		}
		best, switches := stats.Frontier(laws, lo, hi)
		if best == "" {
			continue // no run spans this stretch
		}
		if prev == "" {
			fr.Best = best
		} else if best != prev {
			sw := FrontierSwitch{Switch: stats.Switch{Compute: lo, From: prev, To: best}, Reason: SwitchBegin}
			if _, stays := laws[prev]; !stays {
				sw.Reason, sw.Compute = SwitchEnd, end[prev]
			}
			fr.Switches = append(fr.Switches, sw)
		}
		for _, s := range switches {
			fr.Switches = append(fr.Switches, FrontierSwitch{Switch: s, Reason: SwitchCross})
		}
		prev = best
		if len(switches) > 0 {
			prev = switches[len(switches)-1].To
		}
	}
	return fr
}

// seedCurves returns the compute of each evaluation a point's runs all
// reached and, per seed, the validation losses there.
func (r *Results) seedCurves(p Point) (compute []float64, bySeed [][]float64) {
	runs := r.runsOf(p.Ladder, p.Label)
	for _, c := range p.Curve {
		compute = append(compute, c.FLOPs)
	}
	for _, run := range runs {
		var losses []float64
		for _, c := range p.Curve {
			for _, m := range run.Curve {
				if m.Step == c.Step {
					losses = append(losses, m.ValLoss)
				}
			}
		}
		bySeed = append(bySeed, losses)
	}
	return compute, bySeed
}

// metricName is a metric's name in tables and figures.
func metricName(metric string) string {
	switch metric {
	case MetricValLoss:
		return "final val loss"
	case MetricSuite:
		return "suite average"
	}
	return fmt.Sprintf("%s accuracy", strings.TrimPrefix(metric, accuracyOf))
}
