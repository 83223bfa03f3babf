package stats_test

import (
	"fmt"

	"github.com/aim-go/aim/scaling/stats"
)

func ExampleSummarize() {
	// Final validation loss of one sweep point over four seeds.
	s := stats.Summarize([]float64{0.412, 0.405, 0.409, 0.418})
	fmt.Printf("%.4f ± %.4f (95%%: %.4f … %.4f, n=%d)\n", s.Mean, s.SD, s.Low, s.High, s.N)
	// Output:
	// 0.4110 ± 0.0055 (95%: 0.4023 … 0.4197, n=4)
}

func ExamplePairedDifference() {
	// Downstream accuracy of a baseline and an ablation, seed by seed.
	baseline := []float64{0.861, 0.855, 0.868}
	ablation := []float64{0.842, 0.839, 0.851}
	d, err := stats.PairedDifference(baseline, ablation)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%+.4f (95%%: %+.4f … %+.4f): %s\n", d.Mean, d.Low, d.High, d.Verdict)
	// Output:
	// -0.0173 (95%: -0.0211 … -0.0135): beyond noise
}
