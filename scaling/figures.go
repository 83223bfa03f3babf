package scaling

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pkg/errors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/aim-go/aim/plots"
	"github.com/aim-go/aim/scaling/stats"
)

// The figures Figures draws, each saved as NAME.png and NAME.svg.
const (
	FigureLossVsAccuracy        = "loss_vs_accuracy"      // headline accuracy
	FigureLossVsSuiteAverage    = "loss_vs_suite_average" // suite average
	FigureAccuracyVsImages      = "accuracy_vs_images"
	FigureNoAugAccuracyVsImages = "noaug_accuracy_vs_images"
	FigureModelLossCurves       = "model_loss_curves"
	FigureLongLossCurves        = "long_loss_curves"
	FigureDataLossCurves        = "data_loss_curves"
	FigureNoAugLossCurves       = "noaug_data_loss_curves"
	FigureLossVsFLOPs           = "loss_vs_flops"
	FigureCheckpoints           = "checkpoints_loss_vs_accuracy"
	FigureAblations             = "ablation_differences"
)

var figureNames = []string{FigureLossVsAccuracy, FigureLossVsSuiteAverage, FigureAccuracyVsImages, FigureNoAugAccuracyVsImages,
	FigureModelLossCurves, FigureLongLossCurves, FigureDataLossCurves, FigureNoAugLossCurves, FigureLossVsFLOPs, FigureCheckpoints, FigureAblations}

// FigureFiles lists the files Figures may write into its directory.
func FigureFiles() []string {
	var files []string
	for _, name := range figureNames {
		files = append(files, name+".png", name+".svg")
	}
	return files
}

// figure is one figure of a sweep: its name, how to draw it, and whether
// the results have what it shows.
type figure struct {
	name string
	make func() (*plot.Plot, error)
	ok   bool
}

// Figures draws the figures of a sweep into dir as PNG and SVG: the
// paper's Fig. 1/3 (headline accuracy and suite average vs validation loss
// per model size), Fig. 1/4 (accuracy vs unique images, with and without
// augmentation), Fig. 5 (loss curves of each ladder), Fig. 6 (validation
// loss vs pre-training FLOPs, with the fitted power laws) and the
// checkpoint view of Fig. 4 (accuracy vs validation loss of one run at
// several steps) and the ablations of Table 1 (each variant's paired
// difference from the baseline in suite average and headline accuracy).
// Points with several seeds are drawn at their mean with error bars of
// their 95% interval, loss curves at their mean with a band
// of it. A figure whose ladder has no run yet is left out.
func Figures(r *Results, dir string) error {
	has := func(ladder string) bool { return len(r.LadderPoints(ladder)) > 0 }
	headline := r.headlineMetric()
	figs := []figure{
		{FigureLossVsAccuracy, func() (*plot.Plot, error) { return lossVsAccuracy(r, headline) }, has(ModelLadder)},
		{FigureLossVsSuiteAverage, func() (*plot.Plot, error) { return lossVsAccuracy(r, MetricSuite) }, has(ModelLadder) && headline != MetricSuite},
		{FigureAccuracyVsImages, func() (*plot.Plot, error) { return accuracyVsImages(r, DataLadder) }, has(DataLadder)},
		{FigureNoAugAccuracyVsImages, func() (*plot.Plot, error) { return accuracyVsImages(r, NoAugDataLadder) }, has(NoAugDataLadder)},
		{FigureModelLossCurves, func() (*plot.Plot, error) { return lossCurves(r, ModelLadder) }, has(ModelLadder)},
		{FigureLongLossCurves, func() (*plot.Plot, error) { return lossCurves(r, LongLadder) }, has(LongLadder)},
		{FigureDataLossCurves, func() (*plot.Plot, error) { return lossCurves(r, DataLadder) }, has(DataLadder)},
		{FigureNoAugLossCurves, func() (*plot.Plot, error) { return lossCurves(r, NoAugDataLadder) }, has(NoAugDataLadder)},
		{FigureLossVsFLOPs, func() (*plot.Plot, error) { return lossVsFLOPs(r) }, has(ModelLadder)},
		{FigureCheckpoints, func() (*plot.Plot, error) { return checkpointsFigure(r, headline) }, has(CheckpointLadder)},
		{FigureAblations, func() (*plot.Plot, error) { return ablationFigure(r) }, len(AblationDifferences(r)) > 0},
	}
	for _, f := range figs {
		if !f.ok {
			continue
		}
		p, err := f.make()
		if err != nil {
			return errors.Wrapf(err, "figure %s", f.name)
		}
		if err := plots.Save(p, filepath.Join(dir, f.name), 6*vg.Inch, 4.5*vg.Inch); err != nil {
			return err
		}
	}
	return nil
}

// headlineMetric is the accuracy the headline figures show: the headline
// dataset's, or the suite average when the results have none.
func (r *Results) headlineMetric() string {
	m := r.downstreamMetrics()
	return m[len(m)-1]
}

// leadMetrics are the metrics the figures lead with: the suite average and
// the headline accuracy, when the results have one.
func (r *Results) leadMetrics() []string {
	if h := r.headlineMetric(); h != MetricSuite {
		return []string{MetricSuite, h}
	}
	return []string{MetricSuite}
}

// percent is a summary's interval in per cent, nil without one.
func percent(s stats.Summary) *plots.Interval {
	if !s.HasInterval {
		return nil
	}
	return &plots.Interval{Low: 100 * s.Low, High: 100 * s.High}
}

// interval is a summary's interval, nil without one.
func interval(s stats.Summary) *plots.Interval {
	if !s.HasInterval {
		return nil
	}
	return &plots.Interval{Low: s.Low, High: s.High}
}

// metricSummary is a point's summary of a downstream metric.
func metricSummary(p Point, metric string) (stats.Summary, bool) {
	if metric == MetricSuite {
		return p.SuiteAverage, p.SuiteAverage.N > 0
	}
	name, isAccuracy := strings.CutPrefix(metric, accuracyOf)
	s, ok := p.Accuracy[name]
	return s, ok && isAccuracy
}

// LossVsAccuracyPoints is what the loss-vs-accuracy figure of a metric
// (MetricSuite, or "accuracy:" and a dataset) draws: one point per model,
// at its mean final validation loss and mean accuracy (per cent), with
// their 95% intervals where the model has several seeds.
func LossVsAccuracyPoints(r *Results, metric string) []plots.LabeledPoint {
	return accuracyPoints(r.LadderPoints(ModelLadder), metric, func(p Point) string { return sizeLabel(p.Preset, p.TrunkParams) })
}

// CheckpointPoints is what the checkpoint figure draws: one point per
// probed step of the checkpoint run, as LossVsAccuracyPoints.
func CheckpointPoints(r *Results, metric string) []plots.LabeledPoint {
	return accuracyPoints(r.LadderPoints(CheckpointLadder), metric, func(p Point) string { return p.Label })
}

func accuracyPoints(pts []Point, metric string, label func(Point) string) []plots.LabeledPoint {
	var out []plots.LabeledPoint
	for _, p := range pts {
		acc, ok := metricSummary(p, metric)
		if !ok {
			continue
		}
		out = append(out, plots.LabeledPoint{Label: label(p), X: p.FinalValLoss.Mean, Y: 100 * acc.Mean,
			XErr: interval(p.FinalValLoss), YErr: percent(acc)})
	}
	return out
}

func lossVsAccuracy(r *Results, metric string) (*plot.Plot, error) {
	p, err := plots.LossVsAccuracy(LossVsAccuracyPoints(r, metric))
	if err != nil {
		return nil, err
	}
	p.Title.Text = "Downstream " + metricName(metric) + " vs pre-training loss (" + r.Dataset + ")"
	p.Y.Label.Text = metricName(metric) + " (%)"
	p.Title.Text += seedNote(r.LadderPoints(ModelLadder))
	return p, nil
}

func checkpointsFigure(r *Results, metric string) (*plot.Plot, error) {
	pts := r.LadderPoints(CheckpointLadder)
	p, err := plots.LossVsAccuracy(CheckpointPoints(r, metric))
	if err != nil {
		return nil, err
	}
	p.Title.Text = "One run at several steps: " + metricName(metric) + " vs loss (" + pts[0].Preset + ")"
	p.Y.Label.Text = metricName(metric) + " (%)"
	p.Title.Text += seedNote(pts)
	return p, nil
}

// seedNote is a second title line saying what the points and error bars
// are, or that there is one seed. When points have different numbers of
// seeds (a sweep part still being run) it gives the range, so that a title
// never claims more seeds than a point has.
func seedNote(pts []Point) string {
	least, most := 0, 0
	for i, p := range pts {
		n := len(p.Seeds)
		if i == 0 || n < least {
			least = n
		}
		most = max(most, n)
	}
	switch {
	case most < 2:
		return "\none seed"
	case least == 1:
		return fmt.Sprintf("\nmeans and 95%% intervals over 1 to %d seeds (no bar: one seed)", most)
	case least < most:
		return fmt.Sprintf("\nmeans and 95%% intervals over %d to %d seeds", least, most)
	}
	return fmt.Sprintf("\nmeans and 95%% intervals over %d seeds", most)
}

// AccuracyVsImagesCurves is what the accuracy-vs-images figure of a data
// ladder draws: the suite average and the headline accuracy (per cent)
// against unique images, at their means with error bars of their 95%
// intervals, and each other dataset's mean accuracy dashed.
func AccuracyVsImagesCurves(r *Results, ladder string) []plots.Curve {
	pts := r.LadderPoints(ladder)
	main := r.leadMetrics()
	var curves []plots.Curve
	for _, metric := range main {
		curves = append(curves, imagesCurve(pts, metric, true))
	}
	for _, d := range r.datasets() {
		if metric := accuracyOf + d; metric != r.headlineMetric() {
			curves = append(curves, imagesCurve(pts, metric, false))
		}
	}
	return nonEmpty(curves)
}

// imagesCurve is one metric against unique images; withIntervals adds
// error bars where every point has an interval.
func imagesCurve(pts []Point, metric string, withIntervals bool) plots.Curve {
	c := plots.Curve{Label: metricName(metric), Dashed: !withIntervals}
	if metric == MetricSuite {
		c.Label = "suite average"
	}
	all := withIntervals
	var lo, hi []float64
	for _, p := range pts {
		s, ok := metricSummary(p, metric)
		if !ok {
			continue
		}
		c.X, c.Y = append(c.X, float64(p.UniqueImages)), append(c.Y, 100*s.Mean)
		lo, hi = append(lo, 100*s.Low), append(hi, 100*s.High)
		all = all && s.HasInterval
	}
	if all && len(c.X) > 0 {
		c.Low, c.High = lo, hi
	}
	return c
}

// nonEmpty drops the curves without points.
func nonEmpty(cs []plots.Curve) []plots.Curve {
	var out []plots.Curve
	for _, c := range cs {
		if len(c.X) > 0 {
			out = append(out, c)
		}
	}
	return out
}

func accuracyVsImages(r *Results, ladder string) (*plot.Plot, error) {
	p, err := plots.AccuracyVsImages(AccuracyVsImagesCurves(r, ladder))
	if err != nil {
		return nil, err
	}
	p.Title.Text += " (" + dataLadderTitle(r.LadderPoints(ladder)) + ")"
	p.Title.Text += seedNote(r.LadderPoints(ladder))
	return p, nil
}

// dataLadderTitle names the data ladder's model and whether it was
// pre-trained without augmentation.
func dataLadderTitle(pts []Point) string {
	t := "data ladder, " + pts[0].Preset
	if pts[0].NoAugment {
		t += ", no augmentation"
	}
	return t
}

// LossCurveHistories is what the loss-curve figure of a ladder draws: each
// point's mean validation loss at every evaluation with a band of its 95%
// interval (several seeds), and its mean training loss. The figure of the
// longer schedule also draws the same models on the model ladder's.
func LossCurveHistories(r *Results, ladder string) []plots.LossHistory {
	pts := r.LadderPoints(ladder)
	if ladder == LongLadder {
		var short []Point
		for _, long := range pts {
			for _, p := range r.LadderPoints(ModelLadder) {
				if p.Preset == long.Preset {
					p.Label = longLabel(p.Preset, p.Steps)
					short = append(short, p)
				}
			}
		}
		pts = append(short, pts...)
	}
	var hs []plots.LossHistory
	for _, p := range pts {
		h := plots.LossHistory{Label: p.Label}
		if ladder == ModelLadder {
			h.Label = sizeLabel(p.Preset, p.TrunkParams)
		}
		band := len(p.Curve) > 0
		for _, c := range p.Curve {
			h.TrainSteps, h.Train = append(h.TrainSteps, float64(c.Step)), append(h.Train, c.TrainLoss)
			h.ValSteps, h.Val = append(h.ValSteps, float64(c.Step)), append(h.Val, c.ValLoss.Mean)
			h.ValLow, h.ValHigh = append(h.ValLow, c.ValLoss.Low), append(h.ValHigh, c.ValLoss.High)
			band = band && c.ValLoss.HasInterval
		}
		if !band {
			h.ValLow, h.ValHigh = nil, nil
		}
		hs = append(hs, h)
	}
	return hs
}

func lossCurves(r *Results, ladder string) (*plot.Plot, error) {
	pts := r.LadderPoints(ladder)
	p, err := plots.LossCurves(LossCurveHistories(r, ladder))
	if err != nil {
		return nil, err
	}
	name := title(ladder)
	if ladder == DataLadder || ladder == NoAugDataLadder {
		name = dataLadderTitle(pts)
	}
	p.Title.Text += " (" + name + ")"
	p.Title.Text += seedNote(pts)
	return p, nil
}

// LossVsFLOPsCurves is what the loss-vs-compute figure draws: each model's
// mean validation loss against the compute spent by each evaluation, with
// a band of its 95% interval (several seeds) and its fitted power law; then,
// dashed, each model on the longer schedule, so that a finished longer run
// can be read against larger models at the same compute.
func LossVsFLOPsCurves(r *Results) []plots.Curve {
	fits := map[string]ComputeFit{}
	for _, f := range r.ComputeFits {
		fits[f.Label] = f
	}
	var curves []plots.Curve
	for _, p := range r.LadderPoints(ModelLadder) {
		c := flopsCurve(p, sizeLabel(p.Preset, p.TrunkParams))
		if f, ok := fits[p.Label]; ok && f.Error == "" {
			c.FitX, c.FitY = fitCurve(f)
		}
		if len(c.X) > 0 {
			curves = append(curves, c)
		}
	}
	for _, p := range r.LadderPoints(LongLadder) {
		c := flopsCurve(p, fmt.Sprintf("%s, %d steps", sizeLabel(p.Preset, p.TrunkParams), p.Steps))
		c.Dashed = true
		if len(c.X) > 0 {
			curves = append(curves, c)
		}
	}
	return curves
}

// flopsCurve is a point's mean validation loss at each evaluation against
// the compute spent by then, with its band where every evaluation has an
// interval.
func flopsCurve(p Point, label string) plots.Curve {
	c := plots.Curve{Label: label, Band: true}
	all := true
	for _, s := range p.Curve {
		c.X, c.Y = append(c.X, s.FLOPs), append(c.Y, s.ValLoss.Mean)
		c.Low, c.High = append(c.Low, s.ValLoss.Low), append(c.High, s.ValLoss.High)
		all = all && s.ValLoss.HasInterval
	}
	if !all {
		c.Low, c.High = nil, nil
	}
	return c
}

// fitCurve samples a fitted power law over the compute it was fitted on.
func fitCurve(f ComputeFit) (x, y []float64) {
	const n = 40
	for i := range n {
		c := f.MinCompute * math.Pow(f.MaxCompute/f.MinCompute, float64(i)/(n-1))
		l := f.Fit.Loss(c)
		if math.IsNaN(l) || math.IsInf(l, 0) {
			return nil, nil
		}
		x, y = append(x, c), append(y, l)
	}
	return x, y
}

func lossVsFLOPs(r *Results) (*plot.Plot, error) {
	p, err := plots.LossVsFLOPs(LossVsFLOPsCurves(r))
	if err != nil {
		return nil, err
	}
	p.Title.Text += " (dotted: a·C^−b + e fits)"
	p.Title.Text += seedNote(append(r.LadderPoints(ModelLadder), r.LadderPoints(LongLadder)...))
	return p, nil
}

// AblationDifferences is what the ablation figure draws: each ablation's
// paired difference from the baseline (variant − baseline of the same seed)
// in suite average and in headline accuracy, in points, with its 95%
// interval where it has several seeds.
func AblationDifferences(r *Results) []plots.Difference {
	metrics := r.leadMetrics()
	var out []plots.Difference
	for _, c := range r.Comparisons {
		if c.Ladder != Ablation || !slices.Contains(metrics, c.Metric) {
			continue
		}
		out = append(out, plots.Difference{Variant: c.Variant, Metric: metricName(c.Metric), Mean: 100 * c.Mean, Err: percent(c.Summary)})
	}
	return out
}

func ablationFigure(r *Results) (*plot.Plot, error) {
	pts := r.LadderPoints(Ablation)
	title := "Ablations against the baseline, paired by seed (" + r.Dataset + ")" + seedNote(pts)
	return plots.Differences(title, "Accuracy difference, variant − baseline (points)", AblationDifferences(r))
}
