package scaling

import (
	"path/filepath"

	"github.com/pkg/errors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/aim-go/aim/plots"
)

// The figures Figures draws, each saved as NAME.png and NAME.svg.
const (
	FigureLossVsAccuracy   = "loss_vs_accuracy"
	FigureAccuracyVsImages = "accuracy_vs_images"
	FigureModelLossCurves  = "model_loss_curves"
	FigureDataLossCurves   = "data_loss_curves"
	FigureLossVsFLOPs      = "loss_vs_flops"
)

// FigureFiles lists the files Figures may write into its directory.
func FigureFiles() []string {
	var files []string
	for _, name := range []string{FigureLossVsAccuracy, FigureAccuracyVsImages, FigureModelLossCurves, FigureDataLossCurves, FigureLossVsFLOPs} {
		files = append(files, name+".png", name+".svg")
	}
	return files
}

// Figures draws the figures of a sweep into dir as PNG and SVG: the
// paper's Fig. 1/3 (loss vs downstream average per model size), Fig. 1/4
// (accuracy vs unique images), Fig. 5 (loss curves of the model ladder and
// of the data ladder) and Fig. 6 (validation loss vs pre-training FLOPs).
// A figure whose ladder has no run yet is left out.
func Figures(r *Results, dir string) error {
	figs := []struct {
		name string
		make func(*Results) (*plot.Plot, error)
		ok   bool
	}{
		{FigureLossVsAccuracy, lossVsAccuracy, len(r.Ladder(ModelLadder)) > 0},
		{FigureAccuracyVsImages, accuracyVsImages, len(r.Ladder(DataLadder)) > 0},
		{FigureModelLossCurves, func(r *Results) (*plot.Plot, error) {
			return lossCurves(r.Ladder(ModelLadder), sizeLabel, "model ladder")
		}, len(r.Ladder(ModelLadder)) > 0},
		{FigureDataLossCurves, func(r *Results) (*plot.Plot, error) {
			return lossCurves(r.Ladder(DataLadder), dataLabel, dataLadderTitle(r.Ladder(DataLadder)))
		}, len(r.Ladder(DataLadder)) > 0},
		{FigureLossVsFLOPs, lossVsFLOPs, len(r.Ladder(ModelLadder)) > 0},
	}
	for _, f := range figs {
		if !f.ok {
			continue
		}
		p, err := f.make(r)
		if err != nil {
			return errors.Wrapf(err, "figure %s", f.name)
		}
		if err := plots.Save(p, filepath.Join(dir, f.name), 6*vg.Inch, 4.5*vg.Inch); err != nil {
			return err
		}
	}
	return nil
}

func lossVsAccuracy(r *Results) (*plot.Plot, error) {
	var pts []plots.LabeledPoint
	for _, run := range r.Ladder(ModelLadder) {
		pts = append(pts, plots.LabeledPoint{Label: sizeLabel(run), X: run.FinalValLoss, Y: 100 * run.SuiteAverage})
	}
	p, err := plots.LossVsAccuracy(pts)
	if err == nil {
		p.Title.Text = "Downstream accuracy vs pre-training loss (" + r.Dataset + ")"
	}
	return p, err
}

// accuracyVsImages draws the suite average and each dataset's accuracy
// against the number of unique pre-training images.
func accuracyVsImages(r *Results) (*plot.Plot, error) {
	runs := r.Ladder(DataLadder)
	avg := plots.Curve{Label: "suite average"}
	per := map[string]*plots.Curve{}
	var names []string
	for _, run := range runs {
		x := float64(run.UniqueImages)
		avg.X, avg.Y = append(avg.X, x), append(avg.Y, 100*run.SuiteAverage)
		for _, d := range r.datasets() {
			a, ok := run.Accuracy[d]
			if !ok {
				continue
			}
			c := per[d]
			if c == nil {
				c = &plots.Curve{Label: d, Dashed: true}
				per[d] = c
				names = append(names, d)
			}
			c.X, c.Y = append(c.X, x), append(c.Y, 100*a)
		}
	}
	curves := []plots.Curve{avg}
	for _, d := range names {
		curves = append(curves, *per[d])
	}
	return plots.AccuracyVsImages(curves)
}

// dataLadderTitle names the data ladder's model and whether it was
// pre-trained without augmentation.
func dataLadderTitle(runs []RunResult) string {
	t := "data ladder, " + runs[0].Preset
	if runs[0].NoAugment {
		t += ", no augmentation"
	}
	return t
}

// lossCurves draws each run's training and validation loss against steps.
func lossCurves(runs []RunResult, label func(RunResult) string, title string) (*plot.Plot, error) {
	var hs []plots.LossHistory
	for _, run := range runs {
		h := plots.LossHistory{Label: label(run)}
		for _, m := range run.Curve {
			h.TrainSteps, h.Train = append(h.TrainSteps, float64(m.Step)), append(h.Train, m.TrainLoss)
			h.ValSteps, h.Val = append(h.ValSteps, float64(m.Step)), append(h.Val, m.ValLoss)
		}
		hs = append(hs, h)
	}
	p, err := plots.LossCurves(hs)
	if err == nil {
		p.Title.Text += " (" + title + ")"
	}
	return p, err
}

func dataLabel(r RunResult) string { return imagesLabel(r.UniqueImages) }

// lossVsFLOPs draws each model's validation loss against the FLOPs spent
// by each evaluation.
func lossVsFLOPs(r *Results) (*plot.Plot, error) {
	var curves []plots.Curve
	for _, run := range r.Ladder(ModelLadder) {
		perImage, _ := run.Model.FLOPs()
		c := plots.Curve{Label: sizeLabel(run)}
		for _, m := range run.Curve {
			c.X = append(c.X, perImage*float64(m.Step*run.Batch))
			c.Y = append(c.Y, m.ValLoss)
		}
		curves = append(curves, c)
	}
	return plots.LossVsFLOPs(curves)
}

// modelSpearman is the rank correlation of final validation loss and suite
// average across the model ladder.
func modelSpearman(runs []RunResult) (float64, error) {
	var loss, acc []float64
	for _, r := range runs {
		loss, acc = append(loss, r.FinalValLoss), append(acc, r.SuiteAverage)
	}
	return plots.Spearman(loss, acc)
}
