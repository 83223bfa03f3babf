// Command scaling_plot draws the paper's headline figure — downstream
// accuracy against pre-training validation loss, one point per model size —
// from the results.json of `aim scaling`, and prints the rank correlation.
//
//	go run ./examples/scaling_plot -results runs/scaling/results.json -out /tmp/loss_vs_accuracy
package main

import (
	"flag"
	"fmt"
	"log"

	"gonum.org/v1/plot/vg"

	"github.com/aim-go/aim/plots"
	"github.com/aim-go/aim/scaling"
	"github.com/aim-go/aim/scaling/stats"
)

func main() {
	results := flag.String("results", "runs/scaling/results.json", "results of aim scaling")
	out := flag.String("out", "/tmp/loss_vs_accuracy", "figure path without extension (.png and .svg are written)")
	flag.Parse()
	if err := run(*results, *out); err != nil {
		log.Fatal(err)
	}
}

func run(results, out string) error {
	res, err := scaling.LoadResults(results)
	if err != nil {
		return err
	}
	var points []plots.LabeledPoint
	var loss, acc []float64
	for _, r := range res.Ladder(scaling.ModelLadder) {
		label := fmt.Sprintf("%s (%.2gM)", r.Preset, float64(r.TrunkParams)/1e6)
		points = append(points, plots.LabeledPoint{Label: label, X: r.FinalValLoss, Y: 100 * r.SuiteAverage})
		loss, acc = append(loss, r.FinalValLoss), append(acc, r.SuiteAverage)
	}
	rho, err := stats.Spearman(loss, acc)
	if err != nil {
		return err
	}
	p, err := plots.LossVsAccuracy(points)
	if err != nil {
		return err
	}
	fmt.Printf("%d models, Spearman(val loss, accuracy) = %.3f\n", len(points), rho)
	return plots.Save(p, out, 6*vg.Inch, 4.5*vg.Inch)
}
