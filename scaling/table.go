package scaling

import (
	"fmt"

	"github.com/aim-go/aim/internal/table"
)

// Markdown is Tables: each point's mean and interval over its seeds, the
// paired comparisons, correlations and fits; a notebook shows Results so.
// Results built by hand (not read with LoadResults) are summarised first.
func (r *Results) Markdown() string {
	if r.Points == nil {
		r.Summarize()
	}
	return r.Tables()
}

// Text is every seed's run as a plain-text table (ladder, run, seed, trunk
// parameters, unique images, pre-training FLOPs, final validation loss,
// the suite average and each dataset's accuracy in per cent) under a title
// line.
func (r *Results) Text() string { return r.table().Text() }

func (r *Results) table() table.Table {
	datasets := r.datasets()
	t := table.Table{Header: append([]string{"ladder", "run", "seed", "trunk params", "unique images", "FLOPs", "final val loss", "suite avg. %"}, datasets...)}
	for _, run := range r.Runs {
		row := []string{run.Ladder, run.Label, fmt.Sprint(run.Seed), fmt.Sprintf("%.3gM", float64(run.TrunkParams)/1e6), fmt.Sprint(run.UniqueImages),
			fmt.Sprintf("%.3g", run.FLOPs), fmt.Sprintf("%.4f", run.FinalValLoss), table.Percent(run.SuiteAverage)}
		for _, d := range datasets {
			if a, ok := run.Accuracy[d]; ok {
				row = append(row, table.Percent(a))
			} else {
				row = append(row, "")
			}
		}
		t.Rows = append(t.Rows, row)
	}
	t.Title = fmt.Sprintf("%s sweep on %s (%s mode), %d runs", r.Sweep, r.Dataset, r.Mode, len(r.Runs))
	if r.Spearman != nil {
		t.Title += fmt.Sprintf("; Spearman(val loss, suite average) over the model ladder = %.2f", *r.Spearman)
	}
	return t
}
