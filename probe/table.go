package probe

import (
	"fmt"

	"github.com/aim-go/aim/internal/table"
)

// Results is a list of probe results; a notebook shows it as a table.
type Results []*Result

// Markdown is the result as a one-row Markdown table (accuracies in per
// cent); a notebook shows it so.
func (r Result) Markdown() string { return Results{&r}.table().Markdown() }

// Text is the result as a one-row plain-text table.
func (r Result) Text() string { return Results{&r}.table().Text() }

// Markdown is the results as a Markdown table, one row per result.
func (rs Results) Markdown() string { return rs.table().Markdown() }

// Text is the results as a plain-text table, one row per result.
func (rs Results) Text() string { return rs.table().Text() }

func (rs Results) table() table.Table {
	t := table.Table{Header: []string{"dataset", "probe", "trunk", "train images", "test images", "epochs", "train acc. %", "test acc. %"}}
	for _, r := range rs {
		if r == nil {
			continue
		}
		trunk := "pre-trained"
		if r.RandomInit {
			trunk = "random init"
		}
		t.Rows = append(t.Rows, []string{r.Dataset, string(r.Probe), trunk, fmt.Sprint(r.TrainImages), fmt.Sprint(r.TestImages),
			fmt.Sprint(r.Epochs), table.Percent(r.TrainAccuracy), table.Percent(r.TestAccuracy)})
	}
	return t
}
