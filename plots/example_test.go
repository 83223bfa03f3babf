package plots_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"gonum.org/v1/plot/vg"

	"github.com/aim-go/aim/plots"
	"github.com/aim-go/aim/scaling/stats"
)

// The paper's four models: lower pre-training loss, higher downstream accuracy.
func ExampleLossVsAccuracy() {
	models := []plots.LabeledPoint{
		{Label: "AIM-0.6B", X: 0.3119, Y: 75.6},
		{Label: "AIM-1B", X: 0.3084, Y: 76.9},
		{Label: "AIM-3B", X: 0.3039, Y: 77.6},
		{Label: "AIM-7B", X: 0.2989, Y: 77.8},
	}
	p, err := plots.LossVsAccuracy(models)
	if err != nil {
		log.Fatal(err)
	}
	p.Title.Text = "AIM: validation loss predicts downstream accuracy"

	dir, err := os.MkdirTemp("", "aim-plots-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	// Writes loss-vs-accuracy.png (1200×900 pixels) and loss-vs-accuracy.svg.
	if err := plots.Save(p, filepath.Join(dir, "loss-vs-accuracy"), 6*vg.Inch, 4.5*vg.Inch); err != nil {
		log.Fatal(err)
	}

	loss := make([]float64, len(models))
	acc := make([]float64, len(models))
	for i, m := range models {
		loss[i], acc[i] = m.X, m.Y
	}
	rho, err := stats.Spearman(loss, acc)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Spearman ρ = %.2f\n", rho)
	// Output: Spearman ρ = -1.00
}
