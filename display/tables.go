package display

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aim-go/aim/probe"
	"github.com/aim-go/aim/scaling"
)

// ProbeResults shows probe results as a Markdown table, one row per result
// (accuracies in per cent), with a plain-text table beside it.
func ProbeResults(rs ...*probe.Result) Data {
	header := []string{"dataset", "probe", "trunk", "train images", "test images", "epochs", "train acc. %", "test acc. %"}
	var rows [][]string
	for _, r := range rs {
		if r == nil {
			continue
		}
		trunk := "pre-trained"
		if r.RandomInit {
			trunk = "random init"
		}
		rows = append(rows, []string{r.Dataset, string(r.Probe), trunk, fmt.Sprint(r.TrainImages), fmt.Sprint(r.TestImages),
			fmt.Sprint(r.Epochs), pct(r.TrainAccuracy), pct(r.TestAccuracy)})
	}
	return table(header, rows, "")
}

// ScalingResults shows a sweep's runs as a Markdown table: ladder, run,
// trunk parameters, unique images, pre-training FLOPs, final validation loss,
// the suite average and each dataset's accuracy (per cent).
func ScalingResults(r *scaling.Results) Data {
	datasets := resultDatasets(r)
	header := append([]string{"ladder", "run", "trunk params", "unique images", "FLOPs", "final val loss", "suite avg. %"}, datasets...)
	var rows [][]string
	for _, run := range r.Runs {
		row := []string{run.Ladder, run.Label, fmt.Sprintf("%.3gM", float64(run.TrunkParams)/1e6), fmt.Sprint(run.UniqueImages),
			fmt.Sprintf("%.3g", run.FLOPs), fmt.Sprintf("%.4f", run.FinalValLoss), pct(run.SuiteAverage)}
		for _, d := range datasets {
			if a, ok := run.Accuracy[d]; ok {
				row = append(row, pct(a))
			} else {
				row = append(row, "")
			}
		}
		rows = append(rows, row)
	}
	title := fmt.Sprintf("%s sweep on %s (%s mode), %d runs", r.Sweep, r.Dataset, r.Mode, len(r.Runs))
	if r.Spearman != nil {
		title += fmt.Sprintf("; Spearman(val loss, suite average) over the model ladder = %.2f", *r.Spearman)
	}
	return table(header, rows, title)
}

func resultDatasets(r *scaling.Results) []string {
	seen := map[string]bool{}
	var out []string
	for _, run := range r.Runs {
		for d := range run.Accuracy {
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	sort.Strings(out)
	return out
}

func pct(f float64) string { return fmt.Sprintf("%.2f", 100*f) }

// table makes a Markdown table (with an optional title line above it) and
// its plain-text form with aligned columns.
func table(header []string, rows [][]string, title string) Data {
	var md strings.Builder
	if title != "" {
		md.WriteString(title + "\n\n")
	}
	md.WriteString("| " + strings.Join(header, " | ") + " |\n|")
	for range header {
		md.WriteString("---|")
	}
	md.WriteString("\n")
	for _, r := range rows {
		md.WriteString("| " + strings.Join(escapeCells(r), " | ") + " |\n")
	}
	return Markdown(md.String()).With(Text(textTable(header, rows, title)))
}

func escapeCells(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = strings.ReplaceAll(c, "|", `\|`)
	}
	return out
}

func textTable(header []string, rows [][]string, title string) string {
	widths := make([]int, len(header))
	for _, r := range append([][]string{header}, rows...) {
		for i, c := range r {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	if title != "" {
		b.WriteString(title + "\n")
	}
	for _, r := range append([][]string{header}, rows...) {
		var line strings.Builder
		for i, c := range r {
			fmt.Fprintf(&line, "%-*s", widths[i]+2, c)
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}
